import { describe, expect, it } from "vitest";
import {
  MessageView, OrderStatus, OrderType, RejectReason, Side, Venue, pairInstrument, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../protocol/mod.ts";
import { parseConfig } from "../../strategies/config.ts";
import { RiskConfigSchema } from "../../strategies/risk/limits.ts";
import { RiskManager } from "../../strategies/risk/risk-manager.ts";
import { CollectSink, decodedAll, msg } from "../strategies/helpers.ts";

/**
 * Clock skew (issue 8). Staleness is checked in one place: the risk manager
 * (`strategies/risk/risk-manager.ts`, `onOrder`) rejects an order with `RejectReason.Stale` when the
 * last market data of its instrument is older than `maxDataAgeMs`. "Now" is the latest header timestamp
 * risk has seen on ANY message (market data, orders, acks, fills), never moving backwards, and an
 * instrument's data is dated by that "now" when it arrives (`MarketState.onTlv`), not by its own stamp.
 * So a skewed clock shows up only through how far it pushes "now" ahead. The plain tests below are the
 * observed behaviour; the two `it.fails` state what a skewed message should meet and does not today
 * (they pass while the gap exists and start failing — to be made plain tests — once it is closed).
 */

const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
const ETH = pairInstrument("ETH", "USD", Venue.Kraken);
const E8 = 100_000_000n;

function setup() {
  const sink = new CollectSink();
  const risk = new RiskManager(parseConfig(RiskConfigSchema, {
    limits: { maxPosition: "100", maxOrderNotional: "10000000", maxOpenOrders: 100, maxOrdersPerSecond: 1000, maxDataAgeMs: 2000 },
  }), { sink });
  const view = new MessageView();
  let seq = 0;
  const send = (source: number, domain: number, tlvs: Tlv[], at: number): void => {
    risk.onMessage(view.wrap(msg(domain, source, ++seq, at, tlvs), 0));
  };
  /** A Quote stamped `at` seconds (by the adapter of `source`). */
  const quote = (source: number, instrument: typeof BTC, at: number): void =>
    send(source, 1, [{ type: 2, name: "Quote", instrument, bidPrice: 2_000n * E8, bidSize: E8, askPrice: 2_001n * E8, askSize: E8, quoteTimestamp: 0n }], at);
  let orderId = 0n;
  /** An OrderRequest of the strategy (source 21) stamped `at` seconds; returns what risk published for it. */
  const order = (instrument: typeof BTC, at: number): { name: string; status?: number; reason?: number; detail?: string } => {
    const o: OrderRequestTlv = {
      type: 40, name: "OrderRequest", orderId: ++orderId, instrument, side: Side.Buy, orderType: OrderType.Market, strategyId: 21, price: 0n, quantity: E8 / 100n,
      signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0,
    };
    const before = sink.messages.length;
    send(21, 3, [o], at);
    expect(sink.messages.length).toBe(before + 1);
    const tlv = decodedAll(sink).at(-1)!.tlvs[0]!;
    if (tlv.name !== "OrderAck") return { name: tlv.name };
    const ack = tlv as OrderAckTlv;
    return { name: tlv.name, status: ack.status, reason: ack.rejectReason, detail: risk.lastDecision?.detail };
  };
  return { quote, order };
}

describe("clock skew → stale rejection (risk manager)", () => {
  it("an instrument without data for longer than maxDataAgeMs, measured by other sources' stamps, is rejected as stale", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 103); // another venue moves risk's clock 3 s on
    const btc = t.order(BTC, 103);
    expect(btc).toMatchObject({ name: "OrderAck", status: OrderStatus.Rejected, reason: RejectReason.Stale });
    expect(btc.detail).toMatch(/3000 ms old/);
    expect(t.order(ETH, 103)).toEqual({ name: "OrderRequest" });
  });

  it("an order stamped 1 h ahead (strategy clock ahead) is rejected as stale, and so is every instrument until fresh data arrives", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 100);
    const skewed = t.order(BTC, 100 + 3600);
    expect(skewed).toMatchObject({ name: "OrderAck", reason: RejectReason.Stale });
    expect(skewed.detail).toMatch(/3600000 ms old/);
    // Risk's clock stays an hour ahead: an in-time order on ETH, whose data has not moved, is stale too …
    expect(t.order(ETH, 101)).toMatchObject({ name: "OrderAck", reason: RejectReason.Stale });
    // … until its data arrives again (dated by risk's clock on arrival).
    t.quote(5, ETH, 101);
    expect(t.order(ETH, 101)).toEqual({ name: "OrderRequest" });
  });

  it.fails("a Quote stamped 10 s in the past (adapter clock behind) makes its instrument stale — NOT DONE: data is dated on arrival, not by its stamp", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 90);
    expect(t.order(ETH, 100)).toMatchObject({ name: "OrderAck", reason: RejectReason.Stale });
  });

  it.fails("an order stamped 1 h in the past (strategy clock behind) is rejected as stale — NOT DONE: risk checks market-data age only, never the order's own", () => {
    const t = setup();
    t.quote(3, BTC, 10_000);
    expect(t.order(BTC, 10_000 - 3600)).toMatchObject({ name: "OrderAck", reason: RejectReason.Stale });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MessageView, OrderStatus, OrderType, RejectReason, Side, Venue, encodeMessage, pairInstrument, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../protocol/mod.ts";
import { parseConfig } from "../../trading/config.ts";
import { RiskConfigSchema } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";
import { CollectSink, decodedAll } from "../trading/helpers.ts";

/**
 * Clock skew (issue 8). Staleness is judged in one place: the risk manager (`trading/risk/`). Ages
 * are measured from each message's OWN header stamp — market data by the stamp of the message that
 * carried it, an order by its own stamp — against risk's clock ("now": the latest stamp accepted in
 * `stamps` mode, the local wall clock in `wall` mode). A stamp more than `maxFutureSkewMs` ahead of now
 * never moves now: a future-stamped order is rejected (Stale, "clock skew"), future-stamped market data
 * is dropped (`stamps` mode: held until a second message confirms the jump), and each is counted.
 */

const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
const ETH = pairInstrument("ETH", "USD", Venue.Kraken);
const E8 = 100_000_000n;
/** Base of the stamps: 1e15 ns (~11.6 days after the epoch), so every ns stamp here is exact as a float. */
const BASE_NS = 1_000_000_000_000_000n;

interface SetupOptions {
  limits?: Record<string, unknown>;
  clock?: "stamps" | "wall";
  /** `wall` mode: the wall clock in seconds after BASE_NS (changeable through the returned `setWall`). */
  wall?: number;
}

function setup(options: SetupOptions = {}) {
  const sink = new CollectSink();
  let wallSeconds = options.wall ?? 0;
  const risk = new RiskManager(parseConfig(RiskConfigSchema, {
    clock: options.clock ?? "stamps",
    limits: { maxPosition: "100", maxOrderNotional: "10000000", maxOpenOrders: 100, maxOrdersPerSecond: 1000, maxDataAgeMs: 2000, ...options.limits },
  }), { sink, wallMs: () => Number(BASE_NS / 1_000_000n) + wallSeconds * 1000 });
  const view = new MessageView();
  let seq = 0;
  const stamp = (at: number): bigint => BASE_NS + BigInt(Math.round(at * 1e6)) * 1000n;
  const send = (source: number, domain: number, tlvs: Tlv[], at: number): void => {
    risk.onMessage(view.wrap(encodeMessage({ relayDomain: domain, source, sequence: BigInt(++seq), timestamp: stamp(at) }, tlvs), 0));
  };
  /** A Quote stamped `at` seconds (by the adapter of `source`), bid `bid` USD. */
  const quote = (source: number, instrument: typeof BTC, at: number, bid = 2_000n): void =>
    send(source, 1, [{ type: 2, name: "Quote", instrument, bidPrice: bid * E8, bidSize: E8, askPrice: (bid + 1n) * E8, askSize: E8, quoteTimestamp: 0n }], at);
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
  /** A Fill of the paper venue (source 41) for order `id`, stamped `at` seconds. */
  const fill = (id: bigint, at: number): void =>
    send(41, 3, [{ type: 42, name: "Fill", orderId: id, instrument: BTC, side: Side.Buy, liquidity: 2, price: 2_000n * E8, quantity: E8 / 100n, fee: 0n, filledAt: 0n }], at);
  const setWall = (seconds: number): void => {
    wallSeconds = seconds;
  };
  return { risk, sink, quote, order, fill, setWall, stamp };
}

const accepted = { name: "OrderRequest" };
const stale = { name: "OrderAck", status: OrderStatus.Rejected, reason: RejectReason.Stale };

describe("clock skew → stale rejection (risk manager, stamps mode)", () => {
  it("an instrument without data for longer than maxDataAgeMs, measured by other sources' stamps, is rejected as stale", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 103); // another venue: a 3 s jump, held until the order below (same time) confirms it
    const btc = t.order(BTC, 103);
    expect(btc).toMatchObject(stale);
    expect(btc.detail).toMatch(/market data 3000 ms old/);
    expect(t.order(ETH, 103)).toEqual(accepted);
    expect(t.risk.counters.clockSkewMarketData).toBe(0);
  });

  it("a Quote stamped 10 s in the past (adapter clock behind) makes its instrument stale", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 90);
    const eth = t.order(ETH, 100);
    expect(eth).toMatchObject(stale);
    expect(eth.detail).toMatch(/market data 10000 ms old \(limit 2000 ms\)/);
    expect(t.order(BTC, 100)).toEqual(accepted);
  });

  it("an order stamped 1 h in the past (strategy clock behind) is rejected as stale, saying by how much", () => {
    const t = setup();
    t.quote(3, BTC, 10_000);
    const late = t.order(BTC, 10_000 - 3600);
    expect(late).toMatchObject(stale);
    expect(late.detail).toMatch(/order stamped 3600000 ms before now \(limit 2000 ms\)/);
    expect(t.risk.counters).toMatchObject({ staleOrderStamps: 1, rejectedStale: 1 });
    expect(t.order(BTC, 10_000)).toEqual(accepted);
  });

  it("maxOrderAgeMs, when set, limits the order's own age apart from maxDataAgeMs", () => {
    const t = setup({ limits: { maxOrderAgeMs: 500 } });
    t.quote(3, BTC, 100);
    t.quote(3, BTC, 100.9);
    expect(t.order(BTC, 100.3)).toMatchObject({ ...stale, detail: expect.stringMatching(/600 ms before now \(limit 500 ms\)/) });
    expect(t.order(BTC, 100.5)).toEqual(accepted);
  });

  it("an order stamped 1 h ahead is rejected as clock skew, counted, and does not make later correct orders stale", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 100);
    const skewed = t.order(BTC, 100 + 3600);
    expect(skewed).toMatchObject(stale);
    expect(skewed.detail).toMatch(/clock skew: order stamped 3600000 ms ahead of risk's clock \(tolerance 1000 ms\)/);
    expect(t.risk.clock.latestStamp).toBe(t.stamp(100)); // now did not move
    expect(t.order(ETH, 101)).toEqual(accepted);
    expect(t.order(BTC, 101)).toEqual(accepted);
    expect(t.risk.counters).toMatchObject({ clockSkewOrders: 1, rejectedStale: 1, accepted: 2 });
  });

  it("a Quote stamped 1 h ahead is dropped and counted; the clock and the instrument's data are untouched", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 100, 2_000n);
    t.quote(5, ETH, 100 + 3600, 9_999n); // held as a possible jump …
    t.quote(3, BTC, 100.5); // … refuted: the next message moves now inside the tolerance
    expect(t.risk.counters.clockSkewMarketData).toBe(1);
    expect(t.risk.market.quote(ETH)?.bidPrice).toBe(2_000n * E8);
    expect(t.risk.clock.latestStamp).toBe(t.stamp(100.5));
    expect(t.order(ETH, 101)).toEqual(accepted);
    expect(t.order(BTC, 101)).toEqual(accepted);
  });

  it("a stamp ahead within maxFutureSkewMs is in time: the order is accepted and moves the clock", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    expect(t.order(BTC, 100.9)).toEqual(accepted);
    expect(t.risk.clock.latestStamp).toBe(t.stamp(100.9));
    expect(t.risk.counters.clockSkewOrders).toBe(0);
  });

  it("a real jump of time (a feed resuming after a pause) is taken once a second message confirms it, losing nothing", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.quote(5, ETH, 110); // 10 s later: held
    expect(t.risk.market.quote(ETH)).toBeUndefined();
    t.quote(3, BTC, 110.2); // confirms: the held ETH quote is applied first, then this one
    expect(t.risk.market.quote(ETH)?.bidPrice).toBe(2_000n * E8);
    expect(t.risk.clock.latestStamp).toBe(t.stamp(110.2));
    expect(t.order(ETH, 110.2)).toEqual(accepted);
    expect(t.order(BTC, 110.2)).toEqual(accepted);
    expect(t.risk.counters.clockSkewMarketData).toBe(0);
  });

  it("a fill stamped ahead is applied (positions stay right) but its time is ignored and counted", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    expect(t.order(BTC, 100)).toEqual(accepted);
    t.fill(1n, 100 + 3600);
    expect(t.risk.portfolio.quantity(BTC)).toBe(E8 / 100n);
    expect(t.risk.openOrders).toBe(0);
    expect(t.risk.counters.clockSkewExecution).toBe(1);
    expect(t.risk.clock.latestStamp).toBe(t.stamp(100));
    expect(t.order(BTC, 100.5)).toEqual(accepted);
  });

  it("limits updated at run time change the tolerance", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    expect(t.order(BTC, 101.5)).toMatchObject({ ...stale, detail: expect.stringMatching(/clock skew/) });
    expect(t.risk.updateLimits({ maxFutureSkewMs: 2000 }).ok).toBe(true);
    expect(t.order(BTC, 101.5)).toEqual(accepted);
    expect(t.risk.updateLimits({ maxFutureSkewMs: -1 }).ok).toBe(false);
  });

  it("the clock-skew counters survive a snapshot round trip (and older snapshots without them restore as 0)", () => {
    const t = setup();
    t.quote(3, BTC, 100);
    t.order(BTC, 100 + 3600);
    const snap = JSON.parse(JSON.stringify(t.risk.toSnapshot())) as { counters: Record<string, number> };
    const fresh = setup().risk;
    fresh.restore(snap);
    expect(fresh.counters.clockSkewOrders).toBe(1);
    delete snap.counters["clockSkewOrders"];
    const older = setup().risk;
    older.restore(snap);
    expect(older.counters.clockSkewOrders).toBe(0);
  });
});

describe("clock skew → stale rejection (risk manager, wall mode)", () => {
  it("market data ages by the wall clock even when no message arrives", () => {
    const t = setup({ clock: "wall", wall: 100 });
    t.quote(3, BTC, 100);
    expect(t.order(BTC, 100)).toEqual(accepted);
    t.setWall(103);
    const late = t.order(BTC, 103);
    expect(late).toMatchObject(stale);
    expect(late.detail).toMatch(/market data 3000 ms old/);
  });

  it("a Quote stamped ahead of the wall clock within the tolerance is fresh; beyond it, dropped and counted", () => {
    const t = setup({ clock: "wall", wall: 100 });
    t.quote(3, BTC, 100.8);
    expect(t.order(BTC, 100)).toEqual(accepted);
    t.quote(5, ETH, 105);
    expect(t.risk.counters.clockSkewMarketData).toBe(1);
    expect(t.order(ETH, 100)).toMatchObject({ ...stale, detail: "no market data for the instrument" });
  });

  it("a future-stamped order does not poison the clock: later correct orders pass", () => {
    const t = setup({ clock: "wall", wall: 100 });
    t.quote(3, BTC, 100);
    expect(t.order(BTC, 100 + 3600)).toMatchObject({ ...stale, detail: expect.stringMatching(/3600000 ms ahead/) });
    expect(t.order(BTC, 100.1)).toEqual(accepted);
    expect(t.risk.counters.clockSkewOrders).toBe(1);
  });

  it("property: an order is accepted iff its data and its own stamp are within the limits", () => {
    const maxDataAgeMs = 2000;
    const maxOrderAgeMs = 1500;
    const maxFutureSkewMs = 1000;
    // Skews in ms relative to the wall clock (positive: stamped ahead), around every boundary.
    const skew = fc.oneof(
      fc.integer({ min: -5000, max: 5000 }),
      fc.constantFrom(-maxDataAgeMs, -maxDataAgeMs - 1, -maxOrderAgeMs, -maxOrderAgeMs - 1, maxFutureSkewMs, maxFutureSkewMs + 1, 0),
    );
    fc.assert(fc.property(skew, skew, (dataSkew, orderSkew) => {
      const wall = 1_000;
      const t = setup({ clock: "wall", wall, limits: { maxDataAgeMs, maxOrderAgeMs, maxFutureSkewMs } });
      t.quote(3, BTC, wall + dataSkew / 1000);
      const got = t.order(BTC, wall + orderSkew / 1000);
      const dataOk = dataSkew <= maxFutureSkewMs && -dataSkew <= maxDataAgeMs;
      const orderOk = orderSkew <= maxFutureSkewMs && -orderSkew <= maxOrderAgeMs;
      expect(got.name).toBe(dataOk && orderOk ? "OrderRequest" : "OrderAck");
      if (!(dataOk && orderOk)) expect(got.reason).toBe(RejectReason.Stale);
      expect(t.risk.counters.clockSkewMarketData).toBe(dataSkew > maxFutureSkewMs ? 1 : 0);
      expect(t.risk.counters.clockSkewOrders).toBe(orderSkew > maxFutureSkewMs ? 1 : 0);
    }), { numRuns: 300 });
  });
});

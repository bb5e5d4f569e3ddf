import { describe, expect, it } from "vitest";
import {
  CancelReason, MessageView, ORDER_FLAG_REDUCE_ONLY, OrderStatus, OrderType, RejectReason, Side, Venue, pairInstrument,
  type CancelTlv, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { RiskConfigSchema } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";
import { TradingState } from "../../../trading/risk/risk-snapshot.ts";
import { CollectSink, decodedAll, msg } from "../helpers.ts";

const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
const E8 = 100_000_000n;

function setup(limits: Record<string, unknown> = {}) {
  const sink = new CollectSink();
  const risk = new RiskManager(parseConfig(RiskConfigSchema, {
    limits: { maxPosition: "2", maxOrderNotional: "100000", maxOpenOrders: 3, maxOrdersPerSecond: 5, dailyLossLimit: "1000", maxDataAgeMs: 2000, ...limits },
  }), { sink });
  const view = new MessageView();
  let seq = 0;
  let now = 0;
  const send = (source: number, domain: number, tlvs: Tlv[], at = now): number => {
    now = at;
    return risk.onMessage(view.wrap(msg(domain, source, ++seq, at, tlvs), 0));
  };
  const quote = (at: number, bid = 30_000n * E8, ask = 30_010n * E8): number =>
    send(3, 1, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: bid, bidSize: E8, askPrice: ask, askSize: E8, quoteTimestamp: 0n }], at);
  let orderId = 0n;
  const order = (side: number, quantity: bigint, extra: Partial<OrderRequestTlv> = {}, at = now): bigint => {
    const o: OrderRequestTlv = {
      type: 40, name: "OrderRequest", orderId: ++orderId, instrument: BTC, side, orderType: OrderType.Market, strategyId: 21, price: 0n, quantity,
      signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0, ...extra,
    };
    send(21, 3, [o], at);
    return o.orderId;
  };
  const fill = (id: bigint, side: number, price: bigint, quantity: bigint, at = now): number =>
    send(41, 3, [{ type: 42, name: "Fill", orderId: id, instrument: BTC, side, liquidity: 2, price, quantity, fee: 0n, filledAt: 0n }], at);
  const last = () => {
    const m = decodedAll(sink).at(-1)!;
    return { header: m.header, tlv: m.tlvs[0]! };
  };
  const lastReject = () => {
    const { tlv } = last();
    expect(tlv.name).toBe("OrderAck");
    const ack = tlv as OrderAckTlv;
    expect(ack.status).toBe(OrderStatus.Rejected);
    return ack.rejectReason;
  };
  return { sink, risk, send, quote, order, fill, last, lastReject };
}

describe("risk manager", () => {
  it("forwards an acceptable order under its own source, TLV unchanged", () => {
    const t = setup();
    t.quote(0);
    const id = t.order(Side.Buy, E8 / 2n);
    const { header, tlv } = t.last();
    expect(header.source).toBe(40);
    expect(header.relayDomain).toBe(3);
    expect(tlv).toMatchObject({ name: "OrderRequest", orderId: id, quantity: E8 / 2n, strategyId: 21 });
    expect(t.risk.openOrders).toBe(1);
  });

  it("rejects malformed orders as invalid", () => {
    const t = setup();
    t.quote(0);
    t.order(Side.Buy, 0n);
    expect(t.lastReject()).toBe(RejectReason.Invalid);
    t.order(3, E8);
    expect(t.lastReject()).toBe(RejectReason.Invalid);
    t.order(Side.Buy, E8, { orderType: OrderType.Limit, price: 0n });
    expect(t.lastReject()).toBe(RejectReason.Invalid);
  });

  it("rejects stale or missing market data", () => {
    // The order 2.5 s after the data must be in time itself (inside maxFutureSkewMs) to be judged on the data's age.
    const t = setup({ maxFutureSkewMs: 5000 });
    t.order(Side.Buy, E8 / 10n);
    expect(t.lastReject()).toBe(RejectReason.Stale);
    t.quote(0);
    t.order(Side.Buy, E8 / 10n, {}, 2.5); // 2.5 s > 2 s
    expect(t.lastReject()).toBe(RejectReason.Stale);
    expect(t.risk.lastDecision?.detail).toMatch(/2500 ms old/);
  });

  it("enforces max notional per order (market orders valued at the mark)", () => {
    const t = setup({ maxOrderNotional: "10000" });
    t.quote(0);
    t.order(Side.Buy, E8 / 2n); // 0.5 × 30,005 = 15,002.5 > 10,000
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    t.order(Side.Buy, E8 / 4n, { orderType: OrderType.Limit, price: 30_000n * E8 }); // 7,500
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("enforces the position limit, counting open orders", () => {
    const t = setup({ maxPosition: "1", maxOrderNotional: "1000000" });
    t.quote(0);
    const a = t.order(Side.Buy, (E8 * 6n) / 10n);
    t.fill(a, Side.Buy, 30_000n * E8, (E8 * 6n) / 10n);
    t.order(Side.Buy, (E8 * 3n) / 10n); // 0.9 pending → fine
    expect(t.last().tlv.name).toBe("OrderRequest");
    t.order(Side.Buy, (E8 * 2n) / 10n); // 0.6 + 0.3 open + 0.2 = 1.1 > 1
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    t.order(Side.Sell, (E8 * 5n) / 10n); // shrinks: allowed
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("enforces max open orders and frees slots on fills and terminal acks", () => {
    const t = setup({ maxOpenOrders: 2 });
    t.quote(0);
    const a = t.order(Side.Buy, E8 / 100n);
    const b = t.order(Side.Buy, E8 / 100n);
    t.order(Side.Buy, E8 / 100n);
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    t.fill(a, Side.Buy, 30_000n * E8, E8 / 100n);
    t.send(41, 3, [{ type: 41, name: "OrderAck", orderId: b, venueOrderId: 0n, status: OrderStatus.Expired, rejectReason: 0, ackedAt: 0n }]);
    expect(t.risk.openOrders).toBe(0);
    t.order(Side.Buy, E8 / 100n);
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("enforces the order rate over a rolling second", () => {
    const t = setup({ maxOrdersPerSecond: 2, maxOpenOrders: 100 });
    t.quote(0);
    t.order(Side.Buy, E8 / 100n, {}, 0.1);
    t.order(Side.Buy, E8 / 100n, {}, 0.2);
    t.order(Side.Buy, E8 / 100n, {}, 0.9);
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    t.quote(1.05);
    t.order(Side.Buy, E8 / 100n, {}, 1.15); // 0.1 s order left the window
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("switches to REDUCING at the daily loss limit; then only position-reducing orders pass", () => {
    const t = setup({ dailyLossLimit: "500", maxOrderNotional: "1000000" });
    t.quote(0);
    const a = t.order(Side.Buy, E8);
    t.fill(a, Side.Buy, 30_000n * E8, E8);
    t.quote(1, 29_400n * E8, 29_410n * E8); // mark 29,405: −595 unrealized
    t.fill(999n, Side.Buy, 0n, 0n); // a fill message re-checks the loss (ignored fill)
    t.order(Side.Buy, E8 / 10n);
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    expect(t.risk.state).toBe(TradingState.Reducing);
    expect(t.risk.stateReason).toMatch(/daily loss/);
    t.order(Side.Sell, E8 / 2n);
    expect(t.last().tlv.name).toBe("OrderRequest");
    t.order(Side.Sell, E8 * 2n); // would flip to short: not a reduction
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
  });

  it("rejects a reduce-only order that would not reduce", () => {
    const t = setup();
    t.quote(0);
    t.order(Side.Buy, E8 / 10n, { flags: ORDER_FLAG_REDUCE_ONLY });
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
  });

  it("kill switch: cancels every open order, then rejects everything with reason kill switch", () => {
    const t = setup();
    t.quote(0);
    const a = t.order(Side.Buy, E8 / 10n);
    const b = t.order(Side.Sell, E8 / 10n);
    t.sink.clear();
    expect(t.risk.killSwitch("operator pressed it")).toBe(2);
    const cancels = decodedAll(t.sink).map((m) => m.tlvs[0] as CancelTlv);
    expect(cancels.map((c) => [c.orderId, c.reason])).toEqual([[a, CancelReason.KillSwitch], [b, CancelReason.KillSwitch]]);
    t.order(Side.Sell, E8 / 10n);
    expect(t.lastReject()).toBe(RejectReason.KillSwitch);
    expect(t.risk.state).toBe(TradingState.Halted);
    t.risk.setTradingState(TradingState.Active, "resumed");
    t.order(Side.Sell, E8 / 100n);
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("changes limits at run time with validation", () => {
    const t = setup({ maxOrderNotional: "10000" });
    t.quote(0);
    t.order(Side.Buy, E8 / 2n);
    expect(t.lastReject()).toBe(RejectReason.RiskLimit);
    const bad = t.risk.updateLimits({ maxOrderNotional: "lots", maxOpenOrders: -1 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.join("\n")).toMatch(/maxOrderNotional: "lots" is not a decimal number/);
    expect(t.risk.limits.maxOrderNotional).toBe(10_000n * E8);
    expect(t.risk.updateLimits({ unknown: 1 }).ok).toBe(false);
    const good = t.risk.updateLimits({ maxOrderNotional: "20000" });
    expect(good.ok).toBe(true);
    t.order(Side.Buy, E8 / 2n);
    expect(t.last().tlv.name).toBe("OrderRequest");
  });

  it("ignores orders from sources not allowed to trade and forwards cancels", () => {
    const t = setup();
    t.quote(0);
    t.send(60, 3, [{ type: 40, name: "OrderRequest", orderId: 5n, instrument: BTC, side: 1, orderType: 1, strategyId: 1, price: 0n, quantity: 1n, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0 }]);
    expect(t.risk.counters.foreignOrders).toBe(1);
    expect(t.sink.messages.length).toBe(0);
    t.send(21, 3, [{ type: 43, name: "Cancel", orderId: 5n, reason: CancelReason.User, requestedAt: 0n }]);
    expect(t.last()).toMatchObject({ header: { source: 40 }, tlv: { name: "Cancel", orderId: 5n } });
  });
});

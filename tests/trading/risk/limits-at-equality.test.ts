/**
 * Every risk limit at exact equality, and one unit (1e-8, one order, one millisecond) past it: a value
 * AT the limit is allowed (the limits are maxima: "at most"), the next one is refused with the risk-limit
 * or stale reason — and the daily loss limit, a threshold, is reached AT equality (REDUCING). The real
 * risk manager fed encoded messages, as in risk-manager.test.ts.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { MessageView, OrderStatus, OrderType, RejectReason, Side, Venue, pairInstrument, type OrderAckTlv, type OrderRequestTlv, type Tlv } from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { RiskConfigSchema } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";
import { TradingState } from "../../../trading/risk/risk-snapshot.ts";
import { CollectSink, decodedAll, msg } from "../helpers.ts";

const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
const E8 = 100_000_000n;

function setup(limits: Record<string, unknown>) {
  const sink = new CollectSink();
  const risk = new RiskManager(parseConfig(RiskConfigSchema, {
    limits: { maxPosition: "100", maxOrderNotional: "10000000", maxOpenOrders: 100, maxOrdersPerSecond: 100, dailyLossLimit: "1000000", maxDataAgeMs: 2000, ...limits },
  }), { sink });
  const view = new MessageView();
  let seq = 0;
  const send = (source: number, domain: number, tlvs: Tlv[], at: number): void => void risk.onMessage(view.wrap(msg(domain, source, ++seq, at, tlvs), 0));
  const quote = (at: number, bid = 30_000n * E8, ask = 30_000n * E8): void =>
    send(3, 1, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: bid, bidSize: E8, askPrice: ask, askSize: E8, quoteTimestamp: 0n }], at);
  let orderId = 0n;
  /** Sends an order; "forwarded", or the reject reason. */
  const order = (side: number, quantity: bigint, at: number, extra: Partial<OrderRequestTlv> = {}): "forwarded" | number => {
    const o: OrderRequestTlv = {
      type: 40, name: "OrderRequest", orderId: ++orderId, instrument: BTC, side, orderType: OrderType.Market, strategyId: 21, price: 0n, quantity,
      signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0, ...extra,
    };
    send(21, 3, [o], at);
    const tlv = decodedAll(sink).at(-1)!.tlvs[0]!;
    if (tlv.name === "OrderRequest") return "forwarded";
    expect((tlv as OrderAckTlv).status).toBe(OrderStatus.Rejected);
    return (tlv as OrderAckTlv).rejectReason;
  };
  const fill = (id: bigint, side: number, price: bigint, quantity: bigint, at: number): void =>
    send(41, 3, [{ type: 42, name: "Fill", orderId: id, instrument: BTC, side, liquidity: 2, price, quantity, fee: 0n, filledAt: 0n }], at);
  return { risk, quote, order, fill, lastId: () => orderId };
}

describe("risk limits at exact equality", () => {
  it("maxOrderNotional: an order worth exactly the limit passes, 1e-8 of quantity more is refused", () => {
    const t = setup({ maxOrderNotional: "7500" });
    t.quote(0);
    // A limit order at 30,000: 0.25 × 30,000 = 7,500 exactly.
    expect(t.order(Side.Buy, E8 / 4n, 0, { orderType: OrderType.Limit, price: 30_000n * E8 })).toBe("forwarded");
    expect(t.order(Side.Buy, E8 / 4n + 1n, 0, { orderType: OrderType.Limit, price: 30_000n * E8 })).toBe(RejectReason.RiskLimit);
  });

  it("maxPosition: reaching exactly the limit (open orders included) passes, 1e-8 past it is refused", () => {
    const t = setup({ maxPosition: "1" });
    t.quote(0);
    expect(t.order(Side.Buy, (E8 * 6n) / 10n, 0)).toBe("forwarded");
    t.fill(t.lastId(), Side.Buy, 30_000n * E8, (E8 * 6n) / 10n, 0);
    expect(t.order(Side.Buy, (E8 * 4n) / 10n, 0)).toBe("forwarded"); // 0.6 held + 0.4 = 1 exactly
    expect(t.order(Side.Buy, 1n, 0)).toBe(RejectReason.RiskLimit);
    expect(t.order(Side.Sell, 1n, 0)).toBe("forwarded"); // shrinking is always allowed
  });

  it("maxOpenOrders: exactly the limit may be open; one more is refused", () => {
    const t = setup({ maxOpenOrders: 3 });
    t.quote(0);
    for (let i = 0; i < 3; i++) expect(t.order(Side.Buy, E8 / 100n, 0)).toBe("forwarded");
    expect(t.risk.openOrders).toBe(3);
    expect(t.order(Side.Buy, E8 / 100n, 0)).toBe(RejectReason.RiskLimit);
  });

  it("maxOrdersPerSecond: exactly the limit within a second passes; one more is refused; exactly one second later a slot is free", () => {
    const t = setup({ maxOrdersPerSecond: 3 });
    t.quote(0);
    for (const at of [0, 0.25, 0.5]) expect(t.order(Side.Buy, E8 / 100n, at)).toBe("forwarded");
    expect(t.order(Side.Buy, E8 / 100n, 0.75)).toBe(RejectReason.RiskLimit);
    t.quote(1);
    expect(t.order(Side.Buy, E8 / 100n, 1)).toBe("forwarded"); // the order at 0 is exactly 1 s old: out of the window
  });

  it("maxDataAgeMs: market data exactly the limit old is still fresh; 1 ms older is stale", () => {
    const t = setup({ maxDataAgeMs: 2000, maxFutureSkewMs: 5000 });
    t.quote(0);
    expect(t.order(Side.Buy, E8 / 100n, 2)).toBe("forwarded");
    expect(t.order(Side.Buy, E8 / 100n, 2.001)).toBe(RejectReason.Stale);
  });

  it("dailyLossLimit: a loss 1e-8 short of the limit keeps trading ACTIVE; a loss of exactly the limit switches to REDUCING", () => {
    const t = setup({ dailyLossLimit: "500" });
    t.quote(0);
    expect(t.order(Side.Buy, E8, 0)).toBe("forwarded");
    t.fill(t.lastId(), Side.Buy, 30_000n * E8, E8, 0);
    // Mark 29,500.00000001: a loss of 499.99999999.
    t.quote(1, 29_500n * E8 + 1n, 29_500n * E8 + 1n);
    t.fill(999n, Side.Buy, 0n, 0n, 1); // a fill message re-checks the loss (ignored fill)
    expect(t.risk.state).toBe(TradingState.Active);
    // Mark 29,500: a loss of exactly 500.
    t.quote(2, 29_500n * E8, 29_500n * E8);
    t.fill(999n, Side.Buy, 0n, 0n, 2);
    expect(t.risk.state).toBe(TradingState.Reducing);
    expect(t.risk.stateReason).toMatch(/daily loss -50000000000 reached the limit 50000000000/);
    expect(t.order(Side.Buy, E8 / 100n, 2)).toBe(RejectReason.RiskLimit);
  });
});

import { describe, expect, it } from "vitest";
import { OrderStatus, OrderType, RejectReason, Side, Venue, decodeMessage, pairInstrument, type Tlv } from "../../../protocol/mod.ts";
import { ClockError, ManualClock } from "../../../core/clock.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { PaperConfigSchema } from "../../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../../trading/execution/paper-engine.ts";
import { ExecutionPipeline, PLANNER_SOURCE } from "../../../trading/execution/pipeline.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../../trading/execution/planner.ts";
import { PortfolioConfigSchema } from "../../../trading/portfolio/config.ts";
import { Portfolio } from "../../../trading/portfolio/portfolio.ts";
import { RiskConfigSchema } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";
import { TradingState } from "../../../trading/risk/risk-snapshot.ts";
import { BASE_NS, msg } from "../helpers.ts";

const E8 = 100_000_000n;
const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);

/** A pipeline on simulated time: risk's wall clock and the planner's stamps are one ManualClock. */
function setup(plannerExtra: Record<string, unknown> = {}) {
  const clock = new ManualClock(BASE_NS);
  const plannerMarket = new MarketState();
  const risk = new RiskManager(parseConfig(RiskConfigSchema, {
    clock: "wall", orderSources: [PLANNER_SOURCE], limits: { maxPosition: "10", maxOrderNotional: "1000000", maxDataAgeMs: 5_000 },
  }), { clock });
  const stages = {
    planner: new ExecutionPlanner(parseConfig(PlannerConfigSchema, { capital: "100000", capitalFraction: 0.1, orderType: "ioc", maxSlippageBps: 10, lotSize: "0.0001", ...plannerExtra }), plannerMarket),
    plannerMarket, risk, paper: new PaperExecutionEngine(parseConfig(PaperConfigSchema, {})), portfolio: new Portfolio(parseConfig(PortfolioConfigSchema, {}), new MarketState()),
  };
  const out: Uint8Array[] = [];
  const pipeline = new ExecutionPipeline(stages, (b) => void out.push(b), { clock });
  let seq = 0;
  const quote = (seconds: number, bid: bigint, ask: bigint): number => pipeline.onMarketData(msg(1, 1, ++seq, seconds, [
    { type: 2, name: "Quote", instrument: BTC, bidPrice: bid, bidSize: E8, askPrice: ask, askSize: E8, quoteTimestamp: 0n },
  ]));
  const signal = (seconds: number, direction: number, confidence = 100) => pipeline.onSignal(msg(2, 21, ++seq, seconds, [
    { type: 20, name: "SignalIdentity", strategyId: 21, confidence, signalId: BigInt(seq) },
    { type: 22, name: "MomentumSignal", instrument: BTC, direction, windowSeconds: 60, momentumBps: 50, referencePrice: 30_000n * E8 } as Tlv,
  ]));
  /** Every emitted message as `source:TlvName[:status]`. */
  const trail = (): string[] => out.map((m) => {
    const d = decodeMessage(m);
    const t = d.tlvs[0] as Tlv & { status?: number };
    return `${d.header.source}:${t.name}${t.status === undefined ? "" : `:${t.status}`}`;
  });
  return { clock, pipeline, out, quote, signal, trail, risk };
}

describe("execution pipeline", () => {
  it("a signal becomes a planned order, risk's forward, the venue's ack and fill, and a position — in that order", () => {
    const t = setup();
    expect(t.quote(0, 29_990n * E8, 30_010n * E8)).toBe(0);
    t.clock.set(BASE_NS + 1_000_000_000n);
    const planned = t.signal(1, 1)!;
    // 100,000 × 0.1 / 30,010 = 0.3332 BTC (lot 0.0001), IOC at the ask + 10 bps.
    expect(planned.order).toMatchObject({ side: Side.Buy, orderType: OrderType.IOC, quantity: 3332n * E8 / 10_000n, price: (30_010n * E8 * 10_010n) / 10_000n });
    expect(planned.decision).toMatchObject({ orderId: planned.order.orderId, accepted: true });
    expect(decodeMessage(planned.message).header.timestamp).toBe(BASE_NS + 1_000_000_000n); // stamped by the simulated clock
    expect(t.trail()).toEqual([`${PLANNER_SOURCE}:OrderRequest`, "40:OrderRequest", `41:OrderAck:${OrderStatus.Accepted}`, "41:Fill"]);
    const fill = decodeMessage(t.out[3]!).tlvs[0] as { quantity: bigint; price: bigint };
    expect(fill).toMatchObject({ quantity: planned.order.quantity, price: 30_010n * E8 });
    expect(t.pipeline.portfolio.position(BTC)).toMatchObject({ quantity: planned.order.quantity, averagePrice: 30_010n * E8 });
    expect(t.risk.openOrders).toBe(0);
    expect(t.pipeline.counters).toEqual({ ordersPlanned: 1, emitted: 4 });
  });

  it("simulated time decides staleness: the same signal is rejected once the clock has moved past maxDataAgeMs", () => {
    const t = setup();
    t.quote(0, 29_990n * E8, 30_010n * E8);
    t.clock.set(BASE_NS + 6_000_000_000n);
    const planned = t.signal(6, -1)!;
    expect(planned.decision).toMatchObject({ accepted: false, reason: RejectReason.Stale });
    expect(t.trail()).toEqual([`${PLANNER_SOURCE}:OrderRequest`, `40:OrderAck:${OrderStatus.Rejected}`]);
    expect(t.pipeline.portfolio.position(BTC)).toBeUndefined();
  });

  it("no quote, no order: nothing is emitted", () => {
    const t = setup();
    expect(t.signal(0, 1)).toBeUndefined();
    expect(t.out).toEqual([]);
  });

  it("the kill switch cancels a resting order through the venue, and trading can be activated again", () => {
    const t = setup();
    t.quote(0, 29_990n * E8, 30_010n * E8);
    // An order on the execution relay from the planner's source: a buy limit under the ask rests at the venue.
    t.pipeline.onExecution(msg(3, PLANNER_SOURCE, 1, 0.5, [{
      type: 40, name: "OrderRequest", orderId: 77n, instrument: BTC, side: Side.Buy, orderType: OrderType.Limit, strategyId: 21,
      price: 29_000n * E8, quantity: E8 / 10n, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0,
    } as Tlv]));
    expect(t.trail()).toEqual(["40:OrderRequest", `41:OrderAck:${OrderStatus.Accepted}`]);
    expect([t.risk.openOrders, t.pipeline.paper.restingOrders]).toEqual([1, 1]);
    t.out.length = 0;
    expect(t.pipeline.killSwitch("test")).toBe(1);
    expect(t.trail()).toEqual(["40:Cancel", `41:OrderAck:${OrderStatus.Cancelled}`]);
    expect([t.risk.openOrders, t.pipeline.paper.restingOrders]).toEqual([0, 0]);
    expect(t.risk.state).toBe(TradingState.Halted);
    expect(t.signal(0.6, 1)!.decision).toMatchObject({ accepted: false, reason: RejectReason.KillSwitch });
    t.pipeline.activate("released");
    expect(t.risk.state).toBe(TradingState.Active);
    expect(t.signal(0.7, 1)!.decision).toMatchObject({ accepted: true });
  });

  it("a manual clock never goes back", () => {
    const clock = new ManualClock(10n);
    clock.advance(5n);
    expect(clock.nowNs()).toBe(15n);
    expect(() => clock.set(14n)).toThrow(ClockError);
    expect(() => clock.advance(-1n)).toThrow(/never goes back/);
  });
});

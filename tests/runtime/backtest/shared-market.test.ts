/**
 * The backtest's shared-market mode (one MarketState fed once per message by the pipeline, read by
 * planner, risk, paper venue and portfolio) against the live arrangement (each stage feeds its own
 * market): the same data and signals give byte-identical pipeline output, with latency-held orders,
 * resting limit orders and IOCs; and the mode refuses stages that do not share one market.
 */

import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { ManualClock } from "../../../core/clock.ts";
import { encodeMessage, MessageView, pairInstrument, Side, Venue, type Tlv } from "../../../protocol/mod.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { PaperConfigSchema } from "../../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../../trading/execution/paper-engine.ts";
import { ExecutionPipeline, PipelineConfigError, PLANNER_SOURCE, type PipelineStages } from "../../../trading/execution/pipeline.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../../trading/execution/planner.ts";
import { PortfolioConfigSchema } from "../../../trading/portfolio/config.ts";
import { Portfolio } from "../../../trading/portfolio/portfolio.ts";
import { RiskConfigSchema } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";
import { createStrategy } from "../../../trading/strategies/registry.ts";
import { StampClock } from "../../../runtime/backtest/stamp-clock.ts";

const BTC = pairInstrument("BTC", "USDT", Venue.Binance);
const P = (x: number): bigint => BigInt(Math.round(x * 1e8));
const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;
const message = (atMs: number, tlvs: Tlv[]): Uint8Array => encodeMessage({ relayDomain: 1, source: 1, sequence: 1n, timestamp: T0 + BigInt(atMs) * MS + 123n }, tlvs);

/** A rising then falling market: books, quotes and trades, so momentum signals both ways. */
function marketData(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 400; i++) {
    const px = 100 * (1 + 0.001 * ((i < 200 ? i : 400 - i) / 5));
    const at = 1000 + i * 100;
    const t = T0 + BigInt(at) * MS;
    out.push(message(at, [{ type: 3, name: "OrderBook", instrument: BTC, bookTimestamp: t, exchangeSequence: BigInt(i), bids: [{ price: P(px - 0.5), size: P(0.5) }, { price: P(px - 1.5), size: P(1) }], asks: [{ price: P(px + 0.5), size: P(0.5) }, { price: P(px + 1.5), size: P(1) }] }]));
    out.push(message(at + 1, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: P(px - 0.4), bidSize: P(0.3), askPrice: P(px + 0.4), askSize: P(0.3), quoteTimestamp: t }]));
    out.push(message(at + 2, [{ type: 1, name: "Trade", instrument: BTC, side: i % 3 === 0 ? Side.Sell : Side.Buy, flags: 0, price: P(px), size: P(1), execTimestamp: t + 2n * MS }]));
  }
  return out;
}

async function run(shared: boolean, orderType: "ioc" | "limit"): Promise<Uint8Array[]> {
  const clock = shared ? new StampClock() : new ManualClock();
  const risk = v.parse(RiskConfigSchema, { orderSources: [PLANNER_SOURCE], clock: "wall", limits: { maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "1000000", maxDataAgeMs: 10000 } });
  const planner = v.parse(PlannerConfigSchema, { capital: "1000", capitalFraction: 0.2, orderType, maxSlippageBps: 0, lotSize: "0.01" });
  const paper = v.parse(PaperConfigSchema, { latencyMs: 30, fees: { makerBps: 2, takerBps: 10 } });
  let stages: PipelineStages;
  if (shared) {
    const market = new MarketState();
    stages = { planner: new ExecutionPlanner(planner, market), plannerMarket: market, risk: new RiskManager(risk, { clock, market }), paper: new PaperExecutionEngine(paper, { market }), portfolio: new Portfolio(v.parse(PortfolioConfigSchema, {}), market, undefined, false) };
  } else {
    const plannerMarket = new MarketState();
    const venue = new PaperExecutionEngine(paper);
    stages = { planner: new ExecutionPlanner(planner, plannerMarket), plannerMarket, risk: new RiskManager(risk, { clock }), paper: venue, portfolio: new Portfolio(v.parse(PortfolioConfigSchema, {}), venue.market, undefined, false) };
  }
  const out: Uint8Array[] = [];
  const pipeline = new ExecutionPipeline(stages, (b) => void out.push(b.slice()), { clock, sharedMarket: shared });
  const strategy = await createStrategy("momentum", { windows: [{ seconds: 3, thresholdBps: 10 }], minTrades: 5, cooldownMs: 2000 }, {});
  strategy.connect({ publish: (b) => void pipeline.onSignal(b) });
  const view = new MessageView();
  for (const m of marketData()) {
    const stamp = view.wrap(m).timestamp;
    if (stamp > clock.nowNs()) clock.set(stamp);
    pipeline.onMarketData(m);
    strategy.onMarketData(view.wrap(m));
  }
  return out;
}

describe("shared-market pipeline", () => {
  for (const orderType of ["ioc", "limit"] as const) {
    it(`emits byte-identical messages to per-stage markets (${orderType} orders, 30 ms latency)`, async () => {
      const separate = await run(false, orderType);
      const shared = await run(true, orderType);
      const fills = separate.filter((b) => new MessageView().wrap(b).findTlv(42)).length;
      expect(fills).toBeGreaterThan(2);
      expect(shared.length).toBe(separate.length);
      for (let i = 0; i < shared.length; i++) expect(Buffer.compare(shared[i]!, separate[i]!), `message ${i}`).toBe(0);
    });
  }

  it("refuses stages that do not share one market, or risk not on a wall clock", () => {
    const plannerMarket = new MarketState();
    const paper = new PaperExecutionEngine(v.parse(PaperConfigSchema, {}));
    const stages = (risk: RiskManager): PipelineStages => ({ planner: new ExecutionPlanner(v.parse(PlannerConfigSchema, {}), plannerMarket), plannerMarket, risk, paper, portfolio: new Portfolio(v.parse(PortfolioConfigSchema, {}), paper.market, undefined, false) });
    expect(() => new ExecutionPipeline(stages(new RiskManager(v.parse(RiskConfigSchema, { clock: "wall" }))), () => {}, { sharedMarket: true })).toThrow(PipelineConfigError);
    const m = new MarketState();
    const p2 = new PaperExecutionEngine(v.parse(PaperConfigSchema, {}), { market: m });
    const s2: PipelineStages = { planner: new ExecutionPlanner(v.parse(PlannerConfigSchema, {}), m), plannerMarket: m, risk: new RiskManager(v.parse(RiskConfigSchema, {}), { market: m }), paper: p2, portfolio: new Portfolio(v.parse(PortfolioConfigSchema, {}), m, undefined, false) };
    expect(() => new ExecutionPipeline(s2, () => {}, { sharedMarket: true })).toThrow(/wall clock/);
  });
});

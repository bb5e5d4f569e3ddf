/**
 * The backtest engine: strategies → planner → risk → paper venue → portfolio in one process over
 * recorded history, with simulated time. The same classes as the live system (strategies from
 * trading/strategies/registry.ts, the {@link ExecutionPipeline} the execution service runs), no sockets.
 *
 * Time: a {@link ManualClock} moved to each message's header stamp before the message is handled (never
 * back: a stamp behind the clock leaves it where it is). Risk runs in its live `wall` mode on that clock,
 * the planner stamps orders by it, the paper venue and the portfolio go by the stamps they see — so
 * staleness, cooldowns, `validUntil`, rate limits and the fill latency all read the data's time.
 *
 * Per message, in order: (1) an equity point for every interval boundary the message passes (the state as
 * of that boundary), (2) the pipeline's market data (planner's market, risk, venue, portfolio), (3) each
 * strategy; each signal it publishes goes through the pipeline at once (as the live signal relay would
 * deliver it after the market data that caused it).
 *
 * @example
 * ```ts
 * const engine = await BacktestEngine.create(await loadBacktestConfig("config/backtest/tardis-btcusdt.yaml"));
 * const result = engine.run([await loadSource("tq.bin")], { onProgress: (done, total) => bar.update(done, total) });
 * ```
 * @module
 */

import * as v from "valibot";
import type { ManualClock } from "../../core/clock.ts";
import { MessageView, parseDecimal, RelayDomain } from "../../protocol/mod.ts";
import { MarketState } from "../../trading/execution/market-state.ts";
import { PaperConfigSchema } from "../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../trading/execution/paper-engine.ts";
import { ExecutionPipeline, PLANNER_SOURCE, type PipelineStages } from "../../trading/execution/pipeline.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../trading/execution/planner.ts";
import { PortfolioConfigSchema } from "../../trading/portfolio/config.ts";
import { Portfolio } from "../../trading/portfolio/portfolio.ts";
import { RiskConfigSchema } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";
import type { TradingStrategy } from "../../trading/strategies/contract.ts";
import { buildStrategy } from "../../trading/strategies/registry.ts";
import type { BacktestConfig } from "./config.ts";
import { Recorder } from "./recorder.ts";
import { mergeSources, type MessageSource } from "./sources.ts";
import { EquitySampler, type EquityPoint } from "./equity.ts";
import { StampClock } from "./stamp-clock.ts";

const TWO32 = 4_294_967_296;

/** Options of one run. */
export interface RunOptions {
  /** Only messages stamped at or after this (ns since the epoch). */
  fromNs?: bigint;
  /** Only messages stamped before this (ns). */
  toNs?: bigint;
  /** Told about progress every 65 536 messages and at the end. */
  onProgress?: (done: number, total: number) => void;
}

/** What a run produced. */
export interface BacktestResult {
  readonly config: BacktestConfig;
  readonly inputs: readonly { name: string; kind: string; messages: number }[];
  /** Messages handled (in range) and skipped (out of --from/--to, or not market data). */
  readonly messages: number;
  readonly skipped: number;
  /** Stamps of the first and last message handled (ns; 0 when none). */
  readonly firstNs: bigint;
  readonly lastNs: bigint;
  readonly recorder: Recorder;
  readonly equity: readonly EquityPoint[];
  readonly equityIntervalMs: number;
  /** Capital returns are measured against (quote ×1e8). */
  readonly capital: bigint;
  readonly pipeline: ExecutionPipeline;
  readonly strategies: readonly TradingStrategy[];
  /** Orders still on their way to the venue (latency) when the data ended. */
  readonly ordersInFlight: number;
}

/** Builds the stages from the config's execution section, risk on `clock`. */
export function buildStages(config: BacktestConfig, clock: ManualClock): PipelineStages {
  const e = config.execution;
  const plannerConfig = v.parse(PlannerConfigSchema, e.planner);
  const riskConfig = v.parse(RiskConfigSchema, { orderSources: [PLANNER_SOURCE, ...Array.from({ length: 20 }, (_, i) => 20 + i)], clock: "wall", ...e.risk });
  // One market for every stage, fed once per message by the pipeline (its `sharedMarket` mode).
  const market = new MarketState();
  return {
    planner: new ExecutionPlanner(plannerConfig, market), plannerMarket: market,
    risk: new RiskManager(riskConfig, { clock, market }),
    paper: new PaperExecutionEngine(v.parse(PaperConfigSchema, e.paper), { market }),
    portfolio: new Portfolio(v.parse(PortfolioConfigSchema, e.portfolio), market, undefined, false),
  };
}

/** One backtest (see module docs); build with {@link BacktestEngine.create}, run once. */
export class BacktestEngine {
  /** The simulated clock. */
  readonly clock: StampClock;
  /** The pipeline. */
  readonly pipeline: ExecutionPipeline;
  /** The strategies, in config order. */
  readonly strategies: readonly TradingStrategy[];
  /** What the pipeline emitted, kept. */
  readonly recorder: Recorder;
  private readonly config: BacktestConfig;
  private readonly stages: PipelineStages;

  private constructor(config: BacktestConfig, clock: StampClock, stages: PipelineStages, strategies: TradingStrategy[]) {
    this.config = config;
    this.clock = clock;
    this.stages = stages;
    this.recorder = new Recorder(stages.plannerMarket);
    this.pipeline = new ExecutionPipeline(stages, (bytes) => this.recorder.onOutput(bytes), { clock, sharedMarket: true });
    this.strategies = strategies;
    const sink = { publish: (bytes: Uint8Array) => void this.pipeline.onSignal(bytes) };
    for (const s of strategies) s.connect(sink);
  }

  /** Builds the strategies and stages of a config. */
  static async create(config: BacktestConfig): Promise<BacktestEngine> {
    const clock = new StampClock();
    const stages = buildStages(config, clock);
    const strategies: TradingStrategy[] = [];
    for (const s of config.strategies) strategies.push(await buildStrategy(s, s.config, { configDir: s.baseDir, configFile: config.file }));
    return new BacktestEngine(config, clock, stages, strategies);
  }

  /** Capital returns are measured against (quote ×1e8). */
  get capital(): bigint {
    const c = this.config.settings.capital;
    return c !== undefined ? parseDecimal(c, 8).value : v.parse(PlannerConfigSchema, this.config.execution.planner).capital;
  }

  /** Runs every market-data message of `sources`, merged by time (see module docs). */
  run(sources: readonly MessageSource[], options: RunOptions = {}): BacktestResult {
    const schedule = mergeSources(sources);
    const total = schedule.length;
    const intervalMs = this.config.settings.equityIntervalMs;
    const sampler = new EquitySampler(this.stages.portfolio, this.stages.plannerMarket, intervalMs);
    const view = new MessageView();
    const strategies = this.strategies;
    const nStrategies = strategies.length;
    const pipeline = this.pipeline;
    const clock = this.clock;
    const from = options.fromNs ?? 0n;
    const to = options.toNs;
    let messages = 0;
    let skipped = 0;
    // The range as float ns, widened by a margin past double rounding; exact bigint checks only near its ends.
    const fromF = from > 0n ? Number(from) + 4096 : -Infinity;
    const toF = to === undefined ? Infinity : Number(to) - 4096;
    const intervalNs = BigInt(intervalMs) * 1_000_000n;
    // The sampler's next boundary as float ns, less a margin: it is asked (with an exact stamp) only from there.
    let sampleF = -Infinity;
    let first = 0n;
    const single = sources.length === 1 ? sources[0]!.bytes : undefined;
    for (let i = 0; i < total; i++) {
      if ((i & 0xffff) === 0 && i > 0) options.onProgress?.(i, total);
      const bytes = single ?? sources[schedule.source[i]!]!.bytes;
      const offset = schedule.offset[i]!;
      view.wrap(bytes, offset);
      if (view.relayDomain !== RelayDomain.MarketData) {
        skipped++;
        continue;
      }
      const dv = view.dv;
      const lo = dv.getUint32(view.start + 16, true);
      const hi = dv.getUint32(view.start + 20, true);
      const f = hi * TWO32 + lo;
      if (f < fromF || f >= toF) {
        const stamp = dv.getBigUint64(view.start + 16, true);
        if (stamp < from || (to !== undefined && stamp >= to)) {
          skipped++;
          continue;
        }
      }
      if (messages === 0) first = dv.getBigUint64(view.start + 16, true);
      clock.setWords(hi, lo);
      if (clock.nowFloatNs() >= sampleF) {
        const now = clock.nowNs();
        sampler.passTo(now);
        sampleF = Number((now / intervalNs + 1n) * intervalNs) - 4096;
      }
      messages++;
      pipeline.onMarketData(bytes, offset);
      // The pipeline has its own view: this one is still as wrapped above for the first strategy.
      for (let k = 0; k < nStrategies; k++) strategies[k]!.onMarketData(k === 0 ? view : view.wrap(bytes, offset));
    }
    const last = messages > 0 ? clock.nowNs() : 0n;
    if (messages > 0) sampler.finish(last);
    options.onProgress?.(total, total);
    return {
      config: this.config, inputs: sources.map((s) => ({ name: s.name, kind: s.kind, messages: s.offsets.length })), messages, skipped,
      firstNs: first, lastNs: last, recorder: this.recorder, equity: sampler.points, equityIntervalMs: intervalMs, capital: this.capital,
      pipeline, strategies, ordersInFlight: this.stages.paper.ordersInFlight,
    };
  }
}


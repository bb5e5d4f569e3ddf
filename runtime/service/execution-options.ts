/**
 * The execution service's options (`options` in the service config) and the pipeline stages built from
 * them: planner, risk manager, paper venue and portfolio.
 *
 * @module
 */

import * as v from "valibot";
import { MarketState } from "../../trading/execution/market-state.ts";
import { PaperConfigSchema, type PaperConfig } from "../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../trading/execution/paper-engine.ts";
import { PLANNER_SOURCE, type PipelineStages } from "../../trading/execution/pipeline.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../trading/execution/planner.ts";
import { PortfolioConfigSchema } from "../../trading/portfolio/config.ts";
import { Portfolio } from "../../trading/portfolio/portfolio.ts";
import { RiskConfigSchema, type RiskConfig } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";

/** `options` of the execution service. */
export const ExecutionOptionsSchema = v.object({
  planner: v.optional(v.record(v.string(), v.unknown()), {}),
  risk: v.optional(v.record(v.string(), v.unknown()), {}),
  paper: v.optional(v.record(v.string(), v.unknown()), {}),
  portfolio: v.optional(v.record(v.string(), v.unknown()), {}),
  /** Journal file rotation. */
  journalMaxFileBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(4096)), 64 * 1024 * 1024),
  /** Journal files kept; older ones are removed (a snapshot must cover them: see RecoveryManager). */
  journalMaxFiles: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2)), 32),
  /** Period of risk/portfolio snapshots (ms); a snapshot is also written on graceful shutdown. */
  snapshotIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 10_000),
});
/** Parsed execution options. */
export type ExecutionOptions = v.InferOutput<typeof ExecutionOptionsSchema>;

/** The stages and the configs they were built from. */
export interface ExecutionStages extends PipelineStages {
  riskConfig: RiskConfig;
  paperConfig: PaperConfig;
}

/** Builds the pipeline stages from the service options (each stage's section validated by its schema). */
export function buildExecutionStages(options: ExecutionOptions): ExecutionStages {
  const plannerConfig = v.parse(PlannerConfigSchema, options.planner);
  // Live, risk's "now" is the wall clock (a feed that stops ages without new messages; a skewed stamp is
  // judged against the local clock); `risk.clock: stamps` in the config restores stamp-derived time.
  const riskConfig = v.parse(RiskConfigSchema, { orderSources: [PLANNER_SOURCE, ...Array.from({ length: 20 }, (_, i) => 20 + i)], clock: "wall", ...options.risk });
  const paperConfig = v.parse(PaperConfigSchema, options.paper);
  const portfolioConfig = v.parse(PortfolioConfigSchema, options.portfolio);
  const plannerMarket = new MarketState();
  return {
    planner: new ExecutionPlanner(plannerConfig, plannerMarket), plannerMarket,
    risk: new RiskManager(riskConfig), paper: new PaperExecutionEngine(paperConfig), portfolio: new Portfolio(portfolioConfig, new MarketState()),
    riskConfig, paperConfig,
  };
}

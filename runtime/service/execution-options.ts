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
import { DexPricing, DexSettingsSchema, type DexSettings } from "../../trading/dex/dex-settings.ts";
import type { PoolMeta } from "../../trading/dex/pool-cache.ts";
import { DexRouteTable } from "../../trading/dex/route-table.ts";
import { DexPlanner } from "../../trading/execution/dex-planner.ts";
import { PaperDexVenue } from "../../trading/execution/paper-dex.ts";
import { DexBook } from "../../trading/portfolio/dex-book.ts";

/** `options` of the execution service. */
export const ExecutionOptionsSchema = v.object({
  planner: v.optional(v.record(v.string(), v.unknown()), {}),
  risk: v.optional(v.record(v.string(), v.unknown()), {}),
  paper: v.optional(v.record(v.string(), v.unknown()), {}),
  portfolio: v.optional(v.record(v.string(), v.unknown()), {}),
  /** DEX execution of ArbitrageSignals (trading/dex/dex-settings.ts); absent: arbitrage signals are not traded. */
  dex: v.optional(v.record(v.string(), v.unknown())),
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
  /** The DEX settings, when configured. */
  dex?: DexSettings;
  /** Booked DEX fills, when configured. */
  dexBook?: DexBook;
}

/**
 * Builds the pipeline stages from the service options (each stage's section validated by its schema).
 * With a `dex` section, every stage shares one {@link DexRouteTable}: the planner plans ArbitrageSignals,
 * risk applies the DEX rules, the paper venue executes routes and the portfolio books them; `pools` is
 * the pool metadata (the `dex.poolCache` file, loaded by the caller).
 */
export function buildExecutionStages(options: ExecutionOptions, pools: readonly PoolMeta[] = []): ExecutionStages {
  const plannerConfig = v.parse(PlannerConfigSchema, options.planner);
  // Live, risk's "now" is the wall clock (a feed that stops ages without new messages; a skewed stamp is
  // judged against the local clock); `risk.clock: stamps` in the config restores stamp-derived time.
  const riskConfig = v.parse(RiskConfigSchema, { orderSources: [PLANNER_SOURCE, ...Array.from({ length: 20 }, (_, i) => 20 + i)], clock: "wall", ...options.risk });
  const paperConfig = v.parse(PaperConfigSchema, options.paper);
  const portfolioConfig = v.parse(PortfolioConfigSchema, options.portfolio);
  if (options.dex === undefined) {
    const plannerMarket = new MarketState();
    return {
      planner: new ExecutionPlanner(plannerConfig, plannerMarket), plannerMarket,
      risk: new RiskManager(riskConfig), paper: new PaperExecutionEngine(paperConfig), portfolio: new Portfolio(portfolioConfig, new MarketState()),
      riskConfig, paperConfig,
    };
  }
  const dex = v.parse(DexSettingsSchema, options.dex);
  const routes = new DexRouteTable();
  const pricing = (market: MarketState): DexPricing => new DexPricing(dex, market.pools, market.gas);
  const plannerMarket = new MarketState({ pools });
  const paperMarket = new MarketState({ pools });
  const portfolioMarket = new MarketState({ pools });
  const book = new DexBook();
  const nativeToken = (chain: number): string | undefined => dex.chains[String(chain)]?.nativeToken;
  const risk = new RiskManager(riskConfig, { pools, dex: { routes, pricing } });
  // GasPrice rides the execution relay, which the planner's market does not see: it reads risk's gas prices.
  const plannerPricing = new DexPricing(dex, plannerMarket.pools, risk.market.gas);
  return {
    planner: new ExecutionPlanner(plannerConfig, plannerMarket, new DexPlanner(plannerMarket, plannerPricing, routes)), plannerMarket,
    risk,
    paper: new PaperExecutionEngine(paperConfig, { market: paperMarket, dex: { venue: new PaperDexVenue(paperMarket, pricing(paperMarket)), routes } }),
    portfolio: new Portfolio(portfolioConfig, portfolioMarket, undefined, true, {
      routes, book, nativeToken,
      label: (address) => {
        const token = portfolioMarket.pools.tokens[portfolioMarket.pools.tokenId(address)];
        return { symbol: dex.tokens[address] ?? `${address.slice(0, 8)}…`, decimals: token?.decimals ?? -1 };
      },
    }),
    riskConfig, paperConfig, dex, dexBook: book,
  };
}

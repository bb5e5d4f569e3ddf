/**
 * Builds the execution-side engines from YAML config files (or their defaults): the risk manager, the
 * paper execution engine and the portfolio, with the pool cache their configs name resolved relative to
 * the config file. For tools and tests that run one engine on its own; the execution service builds
 * them from its options (runtime/service/execution-service.ts).
 *
 * @example
 * ```ts
 * const risk = await loadRiskManager("config/risk.yaml");
 * const paper = await loadPaperEngine("config/paper.yaml");
 * ```
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import { loadYamlConfig, parseConfig } from "./config.ts";
import type { MessageSink } from "./strategies/contract.ts";
import { loadPoolCache, type PoolMeta } from "./dex/pool-cache.ts";
import { MarketState } from "./execution/market-state.ts";
import { PaperConfigSchema } from "./execution/paper-config.ts";
import { PaperExecutionEngine } from "./execution/paper-engine.ts";
import { PortfolioConfigSchema } from "./portfolio/config.ts";
import { Portfolio } from "./portfolio/portfolio.ts";
import { RiskConfigSchema } from "./risk/limits.ts";
import { RiskManager } from "./risk/risk-manager.ts";

/** Reads `file` with `schema`, or validates `{}` (all defaults) when `file` is undefined. */
async function config<S extends v.GenericSchema<unknown, unknown>>(file: string | undefined, schema: S): Promise<v.InferOutput<S>> {
  return file === undefined ? parseConfig(schema, {}) : loadYamlConfig(file, schema);
}

async function pools(cache: string | undefined, file: string | undefined): Promise<PoolMeta[]> {
  if (cache === undefined) return [];
  const path = isAbsolute(cache) ? cache : resolve(file === undefined ? "." : dirname(file), cache);
  return [...(await loadPoolCache(path)).values()];
}

/** A risk manager from a YAML file (limits, state, sources, pool cache). */
export async function loadRiskManager(file?: string, sink?: MessageSink): Promise<RiskManager> {
  const c = await config(file, RiskConfigSchema);
  return new RiskManager(c, { sink, pools: await pools(c.poolCache, file) });
}

/** A paper execution engine from a YAML file (fees, slippage, sources, pool cache). */
export async function loadPaperEngine(file?: string, sink?: MessageSink): Promise<PaperExecutionEngine> {
  const c = await config(file, PaperConfigSchema);
  return new PaperExecutionEngine(c, { sink, pools: await pools(c.poolCache, file) });
}

/** A portfolio (with its own market state) from a YAML file (leverage, alert distance). */
export async function loadPortfolio(file?: string, sink?: MessageSink): Promise<Portfolio> {
  const c = await config(file, PortfolioConfigSchema);
  return new Portfolio(c, new MarketState(), sink);
}

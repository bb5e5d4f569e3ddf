/**
 * The backtest config: YAML read like `config/*.yaml` (`${ENV:-default}` substitution, unknown keys named
 * with a suggestion, valibot) with the runtime's own loader. Two shapes are accepted:
 *
 * - the backtest's own: `strategies:` (registry name or `module:` file + config, as a strategy service's options),
 *   `execution:` (planner / risk / paper / portfolio, as the execution service's options), `backtest:`;
 * - an application config (`services:` as in config/default.yaml): its strategy and execution services
 *   are taken, adapters ignored (the data replaces them).
 *
 * @example
 * ```yaml
 * backtest: { equityIntervalMs: 1000 }
 * strategies:
 *   - strategy: momentum
 *     config: { windows: [{ seconds: 5, thresholdBps: 3 }], minTrades: 3, cooldownMs: 5000 }
 * execution:
 *   planner: { capital: "100000", capitalFraction: 0.02, orderType: ioc }
 *   paper: { latencyMs: 25, fees: { makerBps: 2, takerBps: 4 } }
 * ```
 * @module
 */

import { dirname } from "node:path";
import process from "node:process";
import * as v from "valibot";
import { ConfigError, loadConfigFile } from "../config/load.ts";
import { resolveModuleSpec } from "../../trading/strategies/plugin-loader.ts";
import { strategyNames } from "../../trading/strategies/registry.ts";

const Section = v.optional(v.record(v.string(), v.unknown()), {});

/** Settings of the backtest itself. */
export const BacktestSettingsSchema = v.object({
  /** Simulated-time spacing of equity-curve points (and of the returns Sharpe/Sortino are computed over), ms. */
  equityIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1000),
  /** Capital returns are measured against (quote currency, decimal text); default: the planner's capital. */
  capital: v.optional(v.pipe(v.union([v.string(), v.number()]), v.transform(String), v.regex(/^\d+(\.\d{1,8})?$/, "must be a non-negative decimal with at most 8 decimals"))),
});

/** One strategy of the run. */
export const BacktestStrategySchema = v.pipe(v.object({
  /** Registered strategy name (or give `module`). */
  strategy: v.optional(v.pipe(v.string(), v.check((n) => strategyNames().includes(n), () => `must be one of ${strategyNames().join(", ")}`))),
  /** The user's own strategy: a file (relative to this config file's folder) or package (docs/STRATEGIES.md). */
  module: v.optional(v.pipe(v.string(), v.minLength(1, "must name a file or package"))),
  /** Its config (validated by its own schema). */
  config: Section,
}), v.check((s) => (s.strategy === undefined) !== (s.module === undefined), "name the strategy by exactly one of `strategy` (built-in) and `module` (your own file or package)"));

const ExecutionSchema = v.object({ planner: Section, risk: Section, paper: Section, portfolio: Section });

const ServiceSchema = v.looseObject({
  name: v.string(),
  kind: v.string(),
  enabled: v.optional(v.boolean(), true),
  options: v.optional(v.record(v.string(), v.unknown()), {}),
});

/** The config file's schema (either shape; see module docs). */
export const BacktestFileSchema = v.object({
  backtest: v.optional(BacktestSettingsSchema, {}),
  strategies: v.optional(v.array(BacktestStrategySchema)),
  execution: v.optional(ExecutionSchema),
  services: v.optional(v.array(ServiceSchema)),
  // Application-config keys, read and ignored (a backtest has no sockets, state or API).
  name: v.optional(v.unknown()),
  runtimeDir: v.optional(v.unknown()),
  stateDir: v.optional(v.unknown()),
  api: v.optional(v.unknown()),
  logs: v.optional(v.unknown()),
  nats: v.optional(v.unknown()),
  relays: v.optional(v.unknown()),
});

/** A loaded backtest config. */
export interface BacktestConfig {
  readonly file: string;
  readonly settings: v.InferOutput<typeof BacktestSettingsSchema>;
  /** The strategies, each with the folder its relative paths resolve against. */
  readonly strategies: readonly (v.InferOutput<typeof BacktestStrategySchema> & { baseDir: string })[];
  readonly execution: v.InferOutput<typeof ExecutionSchema>;
}

/** Normalises either shape to a {@link BacktestConfig}; {@link ConfigError} when it has no strategy. */
export function backtestConfig(data: v.InferOutput<typeof BacktestFileSchema>, file: string): BacktestConfig {
  // The backtest's own sections resolve paths against the config's folder; services, as `ap start` does,
  // against the working directory.
  // `module:` always resolves against the config's folder (as ap start resolves it).
  const withModule = <S extends { module?: string | undefined }>(s: S): S => (s.module === undefined ? s : { ...s, module: resolveModuleSpec(s.module, dirname(file)) });
  const strategies = (data.strategies ?? []).map((s) => ({ ...withModule(s), baseDir: dirname(file) }));
  let execution = data.execution;
  for (const [i, s] of (data.services ?? []).entries()) {
    if (!s.enabled) continue;
    if (s.kind === "strategy") {
      const r = v.safeParse(BacktestStrategySchema, { strategy: s.options.strategy, module: s.options.module, config: s.options.config ?? {} });
      if (!r.success) throw new ConfigError(file, `services[${i}].options`, r.issues[0].message);
      strategies.push({ ...withModule(r.output), baseDir: "." });
    } else if (s.kind === "execution" && execution === undefined) {
      const { planner = {}, risk = {}, paper = {}, portfolio = {} } = s.options as Record<string, Record<string, unknown>>;
      execution = { planner, risk, paper, portfolio };
    }
  }
  if (strategies.length === 0) throw new ConfigError(file, "strategies", "no strategy to run (give `strategies:` or strategy services)");
  return { file, settings: data.backtest, strategies, execution: execution ?? { planner: {}, risk: {}, paper: {}, portfolio: {} } };
}

/** Reads a backtest config file ({@link ConfigError} names the file, the path inside it and why). */
export async function loadBacktestConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<BacktestConfig> {
  return backtestConfig(await loadConfigFile(file, BacktestFileSchema, env), file);
}

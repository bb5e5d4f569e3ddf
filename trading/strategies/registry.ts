/**
 * Strategies by name: what `ap strategy <name>` and the runtime can start. Each entry has a one-line
 * summary, its config schema and a factory that builds the strategy from a validated config (loading the
 * files the config names, relative to the config file's folder). A strategy of the user's own is named
 * by `module:` instead (a file or package, see plugin-loader.ts); {@link buildStrategy} takes either.
 *
 * @example
 * ```ts
 * const strategy = await loadStrategy("flash-arbitrage", "config/arb.yaml");
 * strategyNames(); // ["flash-arbitrage", "momentum"]
 * ```
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import type * as v from "valibot";
import { ArbitrageConfigSchema, type ArbitrageConfig } from "./arbitrage/config.ts";
import { FlashArbitrageStrategy } from "./arbitrage/strategy.ts";
import { loadYamlConfig, parseConfig, type AnySchema } from "../config.ts";
import type { MessageSink, TradingStrategy } from "./contract.ts";
import { loadPoolCache, poolCacheFromJson, type PoolMeta } from "../dex/pool-cache.ts";
import { MomentumConfigSchema, type MomentumConfig } from "./momentum/config.ts";
import { MomentumStrategy } from "./momentum/strategy.ts";
import { createModuleStrategy, loadStrategyModule, strategyModuleConfig } from "./plugin-loader.ts";

/** What a factory gets besides the config. */
export interface StrategyDeps {
  /** Where signals go (can also be set later with `connect`). */
  sink?: MessageSink;
  /** Folder relative paths in the config are resolved against (default: the working directory). */
  configDir?: string;
  /** Name of the config file, for error messages. */
  configFile?: string;
  /** Header source for a module's strategy (the service's serviceId); built-ins take `source` from their config. */
  source?: number;
}

/** Which strategy: a built-in by `strategy` name, or the user's own by `module` (exactly one of them). */
export interface StrategyRef {
  /** A registered name (`momentum`, `flash-arbitrage`). */
  readonly strategy?: string | undefined;
  /** A file (relative to `deps.configDir`) or package implementing the strategy contract. */
  readonly module?: string | undefined;
}

/** One registered strategy. */
export interface StrategyEntry<S extends AnySchema = AnySchema> {
  readonly name: string;
  readonly summary: string;
  readonly schema: S;
  /** Builds the strategy from a validated config. */
  create(config: v.InferOutput<S>, deps: StrategyDeps): Promise<TradingStrategy>;
}

function entry<S extends AnySchema>(e: StrategyEntry<S>): StrategyEntry {
  return e as unknown as StrategyEntry;
}

async function arbitragePools(config: ArbitrageConfig, deps: StrategyDeps): Promise<PoolMeta[]> {
  const pools = new Map<string, PoolMeta>();
  if (config.poolCache !== undefined) {
    const file = isAbsolute(config.poolCache) ? config.poolCache : resolve(deps.configDir ?? ".", config.poolCache);
    for (const [k, p] of await loadPoolCache(file)) pools.set(k, p);
  }
  for (const [k, p] of poolCacheFromJson(config.pools, `${deps.configFile ?? "<inline>"} (pools)`)) pools.set(k, p);
  return [...pools.values()];
}

/** Every strategy, by name. */
export const STRATEGIES: readonly StrategyEntry[] = [
  entry({
    name: "flash-arbitrage",
    summary: "DEX pool pairs (V2/V3): exact optimal flash arbitrage size, USD net of gas → ArbitrageSignal",
    schema: ArbitrageConfigSchema,
    create: async (config: ArbitrageConfig, deps) => new FlashArbitrageStrategy(config, await arbitragePools(config, deps), deps.sink),
  }),
  entry({
    name: "momentum",
    summary: "per-instrument rolling trade windows: momentum bps, direction, confidence, cooldown → MomentumSignal",
    schema: MomentumConfigSchema,
    create: async (config: MomentumConfig, deps) => new MomentumStrategy(config, deps.sink),
  }),
];

/** Names of all strategies. */
export function strategyNames(): string[] {
  return STRATEGIES.map((s) => s.name);
}

/** The entry of a strategy name, or `undefined`. */
export function strategyEntry(name: string): StrategyEntry | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

/**
 * Builds a strategy from raw config data (validated against its schema; `StrategyConfigError` names the
 * path and reason). `RangeError` for an unknown name.
 */
export async function createStrategy(name: string, rawConfig: unknown, deps: StrategyDeps = {}): Promise<TradingStrategy> {
  const e = strategyEntry(name);
  if (e === undefined) throw new RangeError(`unknown strategy ${JSON.stringify(name)}; known: ${strategyNames().join(", ")}`);
  const config = parseConfig(e.schema, rawConfig ?? {}, deps.configFile ?? "<inline>");
  return e.create(config, deps);
}

/** Builds a strategy from a YAML config file (or its defaults when `file` is undefined). */
export async function loadStrategy(name: string, file: string | undefined, deps: StrategyDeps = {}): Promise<TradingStrategy> {
  const e = strategyEntry(name);
  if (e === undefined) throw new RangeError(`unknown strategy ${JSON.stringify(name)}; known: ${strategyNames().join(", ")}`);
  if (file === undefined) return createStrategy(name, {}, deps);
  const config = await loadYamlConfig(file, e.schema);
  return e.create(config, { ...deps, configDir: deps.configDir ?? dirname(file), configFile: file });
}

/**
 * Builds the strategy `ref` names from raw config data: a built-in through {@link createStrategy}, a
 * module through the plugin loader (`StrategyModuleError` names the file and what is wrong). `RangeError`
 * when `ref` names both or neither.
 */
export async function buildStrategy(ref: StrategyRef, rawConfig: unknown, deps: StrategyDeps = {}): Promise<TradingStrategy> {
  if ((ref.strategy === undefined) === (ref.module === undefined)) {
    throw new RangeError("name a strategy by exactly one of `strategy` (built-in) and `module` (file or package)");
  }
  if (ref.strategy !== undefined) return createStrategy(ref.strategy, rawConfig, deps);
  const loaded = await loadStrategyModule(ref.module!, deps.configDir ?? ".");
  const config = await strategyModuleConfig(loaded, rawConfig);
  const strategy = await createModuleStrategy(loaded, config, {
    source: deps.source, configDir: deps.configDir ?? ".", configFile: deps.configFile ?? "<inline>",
  });
  if (deps.sink !== undefined) strategy.connect(deps.sink);
  return strategy;
}

/**
 * The contract every trading strategy fulfils, and the small types around it.
 *
 * A strategy reads market data in place and publishes signal messages:
 *
 * - {@link TradingStrategy.onMarketData} takes one validated message (a reused {@link MessageView}),
 *   updates preallocated per-instrument or per-pool state without allocating, and publishes zero or more
 *   signal messages (relay domain Signal, SignalIdentity first) to its {@link MessageSink}. It returns how
 *   many it published.
 * - {@link TradingStrategy.warmUp} (optional) runs the signal path on synthetic input in a scratch
 *   instance once, before live data (trading/strategies/warm-up.ts).
 *
 * That is all the runtime calls (runtime/service/strategy-service.ts, `ap strategy`). Turning a signal into
 * orders is the execution planner's job (trading/execution/planner.ts), checking them the risk manager's
 * (trading/risk/): a strategy only says what it sees.
 *
 * Determinism: a strategy never reads the wall clock or a random source. Signal timestamps, ids and
 * validity derive from the input messages, so a recording replays into exactly the same bytes.
 *
 * Strategies of your own: a module (a `.ts`, `.js` or `.mjs` file, or a package) whose default export
 * is a {@link StrategyDefinition} — a name, an optional config schema (any Standard Schema: valibot,
 * zod, arktype…) and a `create` factory — is named in a config by `module:` instead of `strategy:` and
 * loaded by trading/strategies/plugin-loader.ts, which checks every part of it (docs/STRATEGIES.md).
 *
 * @example
 * ```ts
 * const strategy = await createStrategy("momentum", config, { sink });
 * for (const view of messages) strategy.onMarketData(view);
 * ```
 * @module
 */

import type { MessageView } from "../../protocol/mod.ts";
import type { MessageSink } from "../../core/sink.ts";

/**
 * Where a strategy's messages go: a relay connection, a file writer, a test array. `publish` must take
 * the bytes synchronously (send or copy them): they are a view of a reused builder buffer.
 * The shared interface (core/sink.ts), which the relay client implements.
 */
export { DiscardSink, type MessageSink } from "../../core/sink.ts";

/** Counters a strategy exposes for metrics: every input it ignored or dropped is counted here. */
export type StrategyStats = Readonly<Record<string, number>>;

/** What a warm-up did (trading/strategies/warm-up.ts): synthetic messages fed to a scratch instance, signals it built and discarded. */
export interface WarmUpReport {
  /** Synthetic input messages processed. */
  readonly messages: number;
  /** Signals the scratch instance published into its discarding sink. */
  readonly signals: number;
}

/** A trading strategy (see the module documentation). */
export interface TradingStrategy {
  /** Registry name, e.g. `flash-arbitrage`. */
  readonly name: string;
  /** strategyId written into SignalIdentity. */
  readonly strategyId: number;
  /** Header `source` of the signal messages (PROTOCOL.md §6: strategies 20–39). */
  readonly source: number;
  /** Sets where signals are published from now on (a relay publisher, a file, a test array). */
  connect(sink: MessageSink): void;
  /** Processes one validated message; publishes signals to the sink; returns how many. */
  onMarketData(view: MessageView): number;
  /** Counters for metrics. */
  stats(): StrategyStats;
  /**
   * Optional: runs the strategy's own signal path on synthetic input in a scratch instance, so the JIT
   * compiles it before live data (trading/strategies/warm-up.ts). Must not change this instance's state,
   * ids or sink; a long one should yield to the event loop now and then (others may share it). The runtime
   * calls it once and awaits it, before connecting the strategy to its relays.
   */
  warmUp?(): WarmUpReport | Promise<WarmUpReport>;
}

/** One problem a config schema found: a message and where (keys from the config's root). */
export interface ConfigSchemaIssue {
  /** Why the value was refused. */
  readonly message: string;
  /** Where: keys, or `{ key }` path items, from the root of the strategy's config. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a config schema's `validate` returns: the parsed value, or the issues. */
export type ConfigSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<ConfigSchemaIssue> };

/**
 * A config schema in the Standard Schema v1 form (https://standardschema.dev), which valibot, zod and
 * arktype schemas all have: the loader calls `["~standard"].validate(config)` and nothing else.
 */
export interface ConfigSchema<Output = unknown> {
  /** The Standard Schema interface. */
  readonly "~standard": {
    /** Standard Schema version: 1. */
    readonly version: 1;
    /** Who made the schema (`valibot`, `zod`…). */
    readonly vendor: string;
    /** Validates (and may transform) the raw config. */
    readonly validate: (value: unknown) => ConfigSchemaResult<Output> | Promise<ConfigSchemaResult<Output>>;
    /** Type marker only. */
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** What `create` gets besides the config. */
export interface StrategyContext {
  /**
   * The header `source` signals should carry: the service's `serviceId` when run as a service;
   * `undefined` in a backtest or `ap strategy` (use a default from your config then).
   */
  readonly source: number | undefined;
  /** Folder of the config file the strategy was named in: resolve your own relative paths against it. */
  readonly configDir: string;
  /** The config file (or a description such as `strategy-mine.options.config`), for error messages. */
  readonly configFile: string;
  /** The module's resolved file (or package name). */
  readonly module: string;
}

/**
 * What a strategy module exports as its default export (see the module documentation). `create` must
 * be free of side effects beyond reading files: `ap start` calls it once with a discarding sink to check
 * the module before any service starts, then the service calls it again.
 */
export interface StrategyDefinition<Config = Record<string, unknown>> {
  /** Short name (`[a-z0-9][a-z0-9._-]*`): the `kind` label of the service's metrics, log lines. */
  readonly name: string;
  /** One line saying what it does. */
  readonly summary?: string;
  /** Validates the `config:` section; without one, `create` gets the section as written (an object). */
  readonly configSchema?: ConfigSchema<Config>;
  /** Builds the strategy from its validated config. */
  create(config: Config, context: StrategyContext): TradingStrategy | Promise<TradingStrategy>;
}

/**
 * Types a strategy module's default export (an identity function: the loader checks the shape at run
 * time anyway). `Config` is inferred from `configSchema`.
 *
 * @example
 * ```ts
 * export default defineStrategy({
 *   name: "my-breakout",
 *   configSchema: v.object({ lookback: v.optional(v.number(), 50) }),
 *   create: (config, { source }) => new Breakout(config, source ?? 22),
 * });
 * ```
 */
export function defineStrategy<Config>(definition: StrategyDefinition<Config>): StrategyDefinition<Config> {
  return definition;
}

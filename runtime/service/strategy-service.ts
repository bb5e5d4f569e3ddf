/**
 * A strategy as a supervised service: market data in from the market-data relay (zero-copy, read in
 * place), signals out to the signal relay. A switch (`setEnabled`) mutes its signals without stopping
 * its state tracking; a circuit breaker trips on exceptions or a signal storm. Every suppressed or
 * dropped signal is counted.
 *
 * Restarts: a strategy that can snapshot itself (momentum: windows and cooldowns; every strategy: its
 * signal-id epoch) is restored from `<stateDir>/state/<name>.snapshot.json` on start, then a new id
 * epoch begins and is written to disk BEFORE the first message is read — so signal ids never repeat
 * after a restart, even a `kill -9` right after start. Snapshots are also written every
 * `snapshotIntervalMs` and on graceful shutdown. An unusable snapshot is logged as a warning; the
 * strategy starts with empty windows and a clock-based epoch (far above any counted one).
 *
 * @module
 */

import { serviceStateDirs } from "../paths.ts";
import * as hdr from "hdr-histogram-js";
import { BucketHistogram, Exposition } from "../../core/metrics/mod.ts";
import * as v from "valibot";
import { MessageView, RelayDomain, ServiceState, TlvType } from "../../protocol/mod.ts";
import { Role } from "../../relay/wire/control.ts";
import type { TradingStrategy } from "../../trading/strategies/contract.ts";
import { DiscardSink } from "../../trading/strategies/contract.ts";
import { buildStrategy, strategyNames } from "../../trading/strategies/registry.ts";
import type { SignalIdSpace } from "../../trading/signal-id.ts";
import { CircuitBreaker } from "../circuit-breaker.ts";
import { ControlError } from "../control/channel.ts";
import { RecoveryManager } from "../recovery.ts";
import { BreakerOptionsSchema } from "./breaker-options.ts";
import { connectRelay } from "./relay-link.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** `options` of a strategy service. */
export const StrategyOptionsSchema = v.pipe(v.object({
  /** Registered strategy name (or give `module`). */
  strategy: v.optional(v.pipe(v.string(), v.check((n) => strategyNames().includes(n), () => `must be one of ${strategyNames().join(", ")}`))),
  /**
   * The user's own strategy (or give `strategy`): a `.ts`/`.js`/`.mjs` file or a package implementing the
   * strategy contract (trading/strategies/contract.ts). `ap start` resolves a relative path against the
   * config file's folder; in a config object given to the runtime directly, against the working directory.
   */
  module: v.optional(v.pipe(v.string(), v.minLength(1, "must name a file or package"))),
  /** Start with signals on (default true). */
  enabled: v.optional(v.boolean(), true),
  /** The strategy's own config (validated by its schema). Relative paths resolve against the working directory. */
  config: v.optional(v.record(v.string(), v.unknown()), {}),
  breaker: v.optional(BreakerOptionsSchema, {}),
  /** TLV types also taken from the execution relay (default: GasPrice for flash-arbitrage, none otherwise). */
  executionTypes: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(40), v.maxValue(79)))),
  /** Period of state snapshots (ms); one is also written at start (new id epoch) and on graceful shutdown. */
  snapshotIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 10_000),
  /**
   * Run the strategy's signal path on synthetic input before reading live data, so its first signals are
   * compiled code (default true; strategies without a `warmUp` skip it). Costs 10–70 ms at start, in slices
   * of a few ms with event-loop turns between (others may share the loop: `--inline`).
   */
  warmUp: v.optional(v.boolean(), true),
}), v.check((o) => (o.strategy === undefined) !== (o.module === undefined),
  "name the strategy by exactly one of `strategy` (a built-in: " + strategyNames().join(", ") + ") and `module` (your own file or package)"));
/** Parsed strategy options. */
export type StrategyOptions = v.InferOutput<typeof StrategyOptionsSchema>;

/** A strategy that can snapshot and restore its state, with ids that must not repeat across runs. */
export interface RestartableStrategy {
  readonly ids: SignalIdSpace;
  toSnapshot(): unknown;
  /** Restores (validating first); returns warnings about parts not restored. */
  restore(snapshot: unknown): string[];
}

/** Whether a strategy can snapshot itself. */
export function isRestartable(s: TradingStrategy): s is TradingStrategy & RestartableStrategy {
  const r = s as Partial<RestartableStrategy>;
  return typeof r.toSnapshot === "function" && typeof r.restore === "function" && typeof r.ids === "object";
}

/** What restoring a strategy did (metrics, logs). */
interface StrategyRecovery {
  restored: boolean;
  epoch: number;
}

/** Restores `strategy` from its snapshot (if any), starts a new id epoch and persists it. */
async function restoreStrategy(ctx: ServiceContext, strategy: TradingStrategy & RestartableStrategy, recovery: RecoveryManager): Promise<StrategyRecovery> {
  let restored = false;
  try {
    const snap = await recovery.load();
    if (snap !== undefined) {
      for (const warning of strategy.restore(snap.state)) ctx.log.warn("strategy snapshot partly restored", { snapshot: recovery.path, detail: warning });
      restored = true;
    }
  } catch (e) {
    // Unknown how many runs came before: an epoch from the clock (seconds) is above any counted one.
    strategy.ids.restore({ epoch: Math.floor(Date.now() / 1000) });
    ctx.log.warn("unusable strategy snapshot: starting with empty state and a clock-based signal-id epoch", {
      snapshot: recovery.path, error: (e as Error).message, epoch: strategy.ids.epoch + 1,
    });
  }
  const epoch = strategy.ids.nextRun();
  await recovery.save(strategy.toSnapshot(), null, {});
  ctx.log.info(restored ? "strategy restored from its snapshot" : "strategy starts without a snapshot", { snapshot: recovery.path, epoch });
  return { restored, epoch };
}

/**
 * Builds the strategy a service's options name: a built-in gets `source` (the serviceId) merged into its
 * config, a module gets it in its context. Errors: `StrategyConfigError`, `StrategyModuleError`.
 */
function createConfigured(options: StrategyOptions, serviceId: number, configFile: string): Promise<TradingStrategy> {
  if (options.module !== undefined) return buildStrategy({ module: options.module }, options.config, { source: serviceId, configFile });
  return buildStrategy({ strategy: options.strategy }, { source: serviceId, ...options.config }, { configFile });
}

/**
 * Checks, before any service starts, that a strategy service using `module` can start: the module
 * loads, its config passes its schema and `create` returns a strategy (built with a discarding sink,
 * then dropped). Throws `StrategyModuleError` naming the file and what is wrong; nothing for built-ins
 * (their schemas are checked by the caller).
 */
export async function checkStrategyModule(options: StrategyOptions, serviceId: number, configFile: string): Promise<void> {
  if (options.module === undefined) return;
  const strategy = await createConfigured(options, serviceId, configFile);
  strategy.connect(new DiscardSink());
}

/** Starts a strategy service. */
export async function startStrategyService(ctx: ServiceContext, options: StrategyOptions): Promise<RunningService> {
  const out = await connectRelay(ctx, RelayDomain.Signal, Role.Publisher);
  const breaker = new CircuitBreaker(ctx.name, { maxMessagesPerSecond: 1_000, ...options.breaker });
  let enabled = options.enabled;
  let signals = 0;
  let suppressed = 0;
  let breakerDropped = 0;
  let failures = 0;
  let processed = 0;
  const sink = {
    publish(bytes: Uint8Array): void {
      if (!enabled) {
        suppressed++;
        return;
      }
      if (!breaker.allow(Date.now())) {
        breakerDropped++;
        return;
      }
      signals++;
      out.publish(bytes);
    },
  };
  const strategy = await createConfigured(options, ctx.serviceId, `${ctx.name}.options.config`);
  if (options.warmUp && strategy.warmUp !== undefined) {
    const t0 = performance.now();
    const report = await strategy.warmUp();
    ctx.log.info("strategy warmed up on synthetic input", { ...report, millis: Math.round(performance.now() - t0) });
  }
  strategy.connect(sink);
  const recovery = isRestartable(strategy)
    ? new RecoveryManager({ dir: serviceStateDirs(ctx).snapshots, service: ctx.name, journal: { dir: serviceStateDirs(ctx).journal, prefix: ctx.name }, log: ctx.log })
    : undefined;
  const restart = recovery !== undefined && isRestartable(strategy) ? await restoreStrategy(ctx, strategy, recovery) : undefined;
  const saveSnapshot = async (): Promise<void> => {
    if (recovery !== undefined && isRestartable(strategy)) await recovery.save(strategy.toSnapshot(), null, {});
  };
  recovery?.startPeriodic(saveSnapshot, options.snapshotIntervalMs);
  const buckets = new BucketHistogram();
  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: 2 });
  const view = new MessageView();
  const input = await connectRelay(ctx, RelayDomain.MarketData, Role.Subscriber);
  const executionTypes = options.executionTypes ?? (options.strategy === "flash-arbitrage" ? [TlvType.GasPrice] : []);
  const executionInput = executionTypes.length === 0
    ? undefined
    : await connectRelay(ctx, RelayDomain.Execution, Role.Subscriber, { types: executionTypes });
  const onInput = (bytes: Uint8Array, offset: number): void => {
    const t0 = performance.now();
    processed++;
    try {
      strategy.onMarketData(view.wrap(bytes, offset));
      if ((processed & 1023) === 0) breaker.success(Date.now());
    } catch (e) {
      failures++;
      breaker.failure(Date.now());
      if (failures <= 10 || failures % 1000 === 0) {
        ctx.log.error("strategy failed on a message", { cid: `${view.source}:${view.sequence}`, error: String(e), failures });
      }
    }
    const nanos = Math.max(1, Math.round((performance.now() - t0) * 1e6));
    latency.recordValue(nanos);
    buckets.observe(nanos / 1e9);
  };
  input.onMessage(onInput);
  executionInput?.onMessage(onInput);
  const inputLost = (): number => input.stats.lost + (executionInput?.stats.lost ?? 0);

  return {
    status() {
      const open = breaker.status(Date.now()).state !== "closed";
      return {
        state: open ? ServiceState.Degraded : ServiceState.Running,
        connections: (input.connected ? 1 : 0) + (out.connected ? 1 : 0),
        processed: BigInt(processed), dropped: BigInt(breakerDropped + out.stats.droppedOutgoing + inputLost()), errors: BigInt(failures),
        p50Micros: latency.getValueAtPercentile(50) / 1000, p99Micros: latency.getValueAtPercentile(99) / 1000, lastSequence: 0n,
      };
    },
    metricsText() {
      const e = new Exposition({ strategy: ctx.name, kind: options.strategy ?? strategy.name });
      const p = "alphapulse_strategy_";
      e.gauge(`${p}enabled`, "1 while the strategy is enabled.", enabled ? 1 : 0)
        .counter(`${p}market_messages_total`, "Messages the strategy processed.", processed)
        .counter(`${p}signals_total`, "Signals published.", signals)
        .counter(`${p}signals_suppressed_total`, "Signals suppressed while disabled.", suppressed)
        .counter(`${p}signals_breaker_dropped_total`, "Signals dropped while the circuit breaker was open.", breakerDropped)
        .counter(`${p}failures_total`, "Messages the strategy failed on.", failures)
        .counter(`${p}input_lost_total`, "Input messages the relays reported lost to this strategy (Gap notices, given-up retransmits).", inputLost())
        .counter(`${p}input_gap_notices_total`, "Gap notices the relays sent this strategy.", input.stats.gapNotices + (executionInput?.stats.gapNotices ?? 0))
        .gauge(`${p}breaker_open`, "1 while the strategy's circuit breaker is not closed.", breaker.status(Date.now()).state !== "closed" ? 1 : 0)
        .gauge(`${p}stat`, "The strategy's own figures, by name.", Object.entries(strategy.stats()).map(([name, n]) => [{ name }, n]))
        .histogram(`${p}processing_seconds`, "Time to process one input message.", {}, buckets.snapshot());
      if (restart !== undefined && recovery !== undefined) {
        e.gauge(`${p}snapshot_restored`, "1 when the state was restored from a snapshot at start.", restart.restored ? 1 : 0)
          .gauge(`${p}signal_id_epoch`, "Epoch of the signal ids of this run.", restart.epoch)
          .counter(`${p}snapshots_saved_total`, "Snapshots saved.", recovery.saved)
          .counter(`${p}snapshot_failures_total`, "Snapshots that failed.", recovery.failures);
      }
      return e.render();
    },
    control: {
      enabled: async () => enabled,
      setEnabled: async (args) => {
        if (typeof args.enabled !== "boolean") throw new ControlError("BadRequest", "enabled must be a boolean", "enabled");
        enabled = args.enabled;
        ctx.log.info(enabled ? "strategy enabled" : "strategy disabled");
        return enabled;
      },
      breakers: async () => [breaker.status(Date.now())],
      resetBreaker: async (args) => {
        if (args.name !== breaker.name) return false;
        breaker.reset(Date.now());
        return true;
      },
    },
    async stop() {
      // Relay links first, while the relays are surely still up; then the final snapshot.
      await input.close();
      await executionInput?.close();
      await out.flush().catch(() => {});
      await out.close();
      await recovery?.stopPeriodic();
      if (recovery !== undefined) await recovery.runNow(saveSnapshot);
    },
  };
}

/**
 * A venue adapter as a supervised service: the adapter (live or looping a capture) publishes through a
 * circuit breaker to the market-data relay. The breaker trips on a burst of parse errors or a runaway
 * message rate; while open, messages are dropped and counted, never silently.
 *
 * The service reports Degraded, not Running, while the breaker is open, and for any second in which
 * it failed at its job: errors at least as many as the messages it published (`judgeState`), or frames
 * arriving, nothing published and frames refused (out of order, unknown subscription or instrument) —
 * an adapter whose every frame is dropped is alive but not up.
 *
 * @module
 */

import * as v from "valibot";
import { HEADER_SIZE, HeaderOffset, RelayDomain, ServiceState, TlvType } from "../../protocol/mod.ts";
import type { AdapterMetricsSnapshot } from "../../adapters/common/metrics.ts";
import { startVenueAdapter } from "../../adapters/start-venue-adapter.ts";
import { Role } from "../../relay/wire/control.ts";
import { MetricsRegistry } from "../../core/metrics/mod.ts";
import { CircuitBreaker } from "../circuit-breaker.ts";
import { ControlError } from "../control/channel.ts";
import { BreakerOptionsSchema } from "./breaker-options.ts";
import { connectRelay } from "./relay-link.ts";
import { judgeState } from "./status-reporter.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** `options` of an adapter service. */
export const AdapterOptionsSchema = v.object({
  venue: v.picklist(["coinbase", "binance", "kraken", "polygon", "ethereum"]),
  /** Replay this capture (path relative to the working directory) instead of connecting. */
  replay: v.optional(v.string()),
  /** Replay over and over (default true when replaying). */
  loop: v.optional(v.boolean(), true),
  speed: v.optional(v.pipe(v.number(), v.minValue(0.01)), 1),
  symbols: v.optional(v.array(v.string())),
  wsUrl: v.optional(v.string()),
  restUrl: v.optional(v.string()),
  poolCache: v.optional(v.string()),
  settings: v.optional(v.record(v.string(), v.string())),
  breaker: v.optional(BreakerOptionsSchema, {}),
});
/** Parsed adapter options. */
export type AdapterOptions = v.InferOutput<typeof AdapterOptionsSchema>;

/** Errors of an adapter's counters (what the breaker and the status count). */
function errorCount(s: AdapterMetricsSnapshot): number {
  return s.parseErrors + s.venueErrors + s.restErrors;
}

/** Frames an adapter received and dropped as not acceptable (out of order, unknown subscription or instrument). */
function refusedCount(s: AdapterMetricsSnapshot): number {
  return s.outOfOrder + s.unknownFrames + s.unknownInstruments;
}

/** Starts an adapter service with validated `options`. */
export async function startAdapterService(ctx: ServiceContext, options: AdapterOptions): Promise<RunningService> {
  const relay = await connectRelay(ctx, RelayDomain.MarketData, Role.Publisher);
  // DEX adapters also publish GasPrice, an execution-domain TLV, on the execution relay.
  const execution = options.venue === "polygon" || options.venue === "ethereum"
    ? await connectRelay(ctx, RelayDomain.Execution, Role.Publisher)
    : undefined;
  const breaker = new CircuitBreaker(ctx.name, options.breaker);
  let breakerDropped = 0;
  let otherDomain = 0;
  let trades = 0;
  let poolEvents = 0;
  const sink = {
    publish(bytes: Uint8Array): void {
      if (!breaker.allow(Date.now())) {
        breakerDropped++;
        return;
      }
      const domain = bytes[HeaderOffset.relayDomain];
      const tlv = bytes[HEADER_SIZE];
      if (tlv === TlvType.Trade) trades++;
      else if (tlv === TlvType.PoolSwap || tlv === TlvType.PoolSync || tlv === TlvType.PoolMint || tlv === TlvType.PoolBurn) poolEvents++;
      if (domain === RelayDomain.MarketData) relay.publish(bytes);
      else if (domain === RelayDomain.Execution && execution) execution.publish(bytes);
      else otherDomain++;
    },
  };
  const run = await startVenueAdapter({
    venue: options.venue, sink, replay: options.replay, loop: options.loop, speed: options.speed, symbols: options.symbols,
    wsUrl: options.wsUrl, restUrl: options.restUrl, poolCache: options.poolCache, settings: options.settings,
    log: (m) => ctx.log.info(m),
  });
  const metrics = run.adapter.metrics;
  let seenErrors = 0;
  let ticks = 0;
  let mark = metrics.snapshot();
  let failingSecond = false;
  const watch = setInterval(() => {
    const s = metrics.snapshot();
    const errors = errorCount(s);
    const now = Date.now();
    for (; seenErrors < errors; seenErrors++) breaker.failure(now);
    if (errors === seenErrors) breaker.success(now);
    if (++ticks % 10 === 0) {
      const published = s.published - mark.published;
      const refused = refusedCount(s) - refusedCount(mark);
      failingSecond = judgeState(ServiceState.Running, errors - errorCount(mark), published) === ServiceState.Degraded ||
        (s.frames > mark.frames && published === 0 && refused > 0);
      mark = s;
    }
  }, 100);
  run.done.then(() => ctx.log.info("replay finished"), (e) => ctx.log.error("adapter stopped with an error", { error: String(e) }));

  const prometheus = new MetricsRegistry({ adapter: ctx.name, venue: options.venue });
  prometheus.register((e) => {
    const s = metrics.snapshot();
    const c = (name: string, help: string, value: number): void => void e.counter(`alphapulse_adapter_${name}`, help, value);
    c("frames_total", "Venue frames received (or replayed).", s.frames);
    c("published_total", "Protocol messages published.", s.published);
    c("trades_total", "Trades published.", trades);
    c("pool_events_total", "DEX pool events published.", poolEvents);
    c("parse_errors_total", "Frames that could not be parsed.", s.parseErrors);
    c("unknown_frames_total", "Frames of an unknown kind.", s.unknownFrames);
    c("unknown_instruments_total", "Messages for instruments not in the registry.", s.unknownInstruments);
    c("inexact_total", "Values that could not be represented exactly.", s.inexact);
    c("connects_total", "Venue connections made.", s.connects);
    c("reconnects_total", "Venue reconnections.", s.reconnects);
    c("stale_timeouts_total", "Connections dropped for silence.", s.staleTimeouts);
    c("gaps_total", "Sequence gaps in the venue feed.", s.gaps);
    c("resyncs_total", "Book resynchronisations.", s.resyncs);
    c("checksum_mismatches_total", "Book checksum mismatches.", s.checksumMismatches);
    c("rate_limit_waits_total", "Waits for the venue's rate limit.", s.rateLimitWaits);
    c("breaker_dropped_total", "Messages dropped while the circuit breaker was open.", breakerDropped);
    c("relay_dropped_total", "Messages the relay links dropped.", relay.stats.droppedOutgoing + (execution?.stats.droppedOutgoing ?? 0));
    c("wrong_domain_dropped_total", "Messages of another relay domain dropped.", otherDomain);
    c("fast_path_frames_total", "Frames parsed on the fast path.", s.fastPathFrames);
    c("backfilled_total", "Trades backfilled after a gap.", s.backfilled);
    c("backfill_lost_total", "Trades a backfill could not recover.", s.backfillLost);
    c("out_of_order_total", "Venue messages out of order (dropped).", s.outOfOrder);
    c("unknown_subscriptions_total", "EVM log notifications for unknown subscriptions.",
      (s as { evm?: { unknownSubscriptions: number } }).evm?.unknownSubscriptions ?? 0);
    e.gauge("alphapulse_adapter_breaker_open", "1 while the adapter's circuit breaker is not closed.", breaker.status(Date.now()).state !== "closed" ? 1 : 0);
    e.histogram("alphapulse_adapter_latency_seconds", "Venue event time to receipt.", {}, metrics.latencyHistogram());
  });

  return {
    status() {
      const s = metrics.snapshot();
      const open = breaker.status(Date.now()).state !== "closed";
      return {
        state: open || failingSecond || s.staleTimeouts > 0 && s.connects === 0 ? ServiceState.Degraded : ServiceState.Running,
        connections: relay.connected ? 1 : 0,
        processed: BigInt(s.published),
        dropped: BigInt(breakerDropped + otherDomain + relay.stats.droppedOutgoing + (execution?.stats.droppedOutgoing ?? 0)),
        errors: BigInt(errorCount(s)),
        p50Micros: Math.round(s.latency.p50Ms * 1000),
        p99Micros: Math.round(s.latency.p99Ms * 1000),
        lastSequence: 0n,
      };
    },
    metricsText: () => prometheus.render(),
    control: {
      breakers: async () => [breaker.status(Date.now())],
      resetBreaker: async (args) => {
        if (args.name !== breaker.name) return false;
        breaker.reset(Date.now());
        return true;
      },
      adapterMetrics: async () => metrics.snapshot(),
      ping: async () => {
        if (!relay.connected) throw new ControlError("Unavailable", "market-data relay not connected");
        return true;
      },
    },
    async stop() {
      clearInterval(watch);
      await run.stop();
      for (const c of [relay, execution]) {
        if (!c) continue;
        await c.flush().catch(() => {});
        await c.close();
      }
    },
  };
}

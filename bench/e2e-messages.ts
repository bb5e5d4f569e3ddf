/**
 * The messages of the end-to-end benchmark, the same in every deployment (`e2e-worker.ts` processes,
 * `e2e-roles.ts` threads and inline):
 *
 * - {@link BenchTrades}: the publisher's Trades, built by the adapters' own {@link MarketDataEmitter} on
 *   its safe-integer path (as a live adapter's `DecimalReader` feeds it: no bigint per message), four
 *   pairs on a ±3 bps random walk so the momentum strategy crosses its threshold now and then; the header
 *   timestamp is CLOCK_MONOTONIC read once per burst ({@link BenchTrades.stamp}, as an adapter stamps
 *   the messages of one frame with its receive time), which the consumer compares with.
 * - {@link writeTagSignal}: the strategy's tagging signal per Trade, carrying the Trade's header
 *   timestamp (copied as two words) and a signal id.
 * - {@link ChunkClock}: the consumer's receive time, read once per delivered chunk.
 * - {@link latencyNs}: the consumer's reading of that timestamp against its receive time, in numbers.
 * - {@link createBenchStrategy}: the momentum strategy every deployment runs, warmed up as the strategy
 *   service warms it (`AP_E2E_WARM_UP=0` leaves it cold, to measure what the warm-up buys).
 *
 * Before, the stages built these with bigint arithmetic (the price walk, the signal id, the latency):
 * ~250 bytes of garbage a message, most of the pipeline's scavenges, none of it the product's.
 *
 * @module
 */

import { AssetType, MessageBuilder, pairAssetId, Side, Venue, type MessageView } from "../protocol/mod.ts";
import { MarketDataEmitter } from "../adapters/common/emit.ts";
import { AdapterMetrics } from "../adapters/common/metrics.ts";
import type { Instrument } from "../adapters/common/instruments.ts";
import { VenueTime } from "../adapters/common/venue-time.ts";
import type { MessageSink } from "../core/sink.ts";
import { queueSettledMicrotask } from "../core/microtask.ts";
import { beginSignalFrom, writeSignalIdentityNumber } from "../trading/signal-writer.ts";
import { createStrategy } from "../trading/strategies/registry.ts";
import type { TradingStrategy } from "../trading/strategies/contract.ts";
import type { MonotonicClock } from "./clock.ts";

const TWO32 = 4_294_967_296;

/**
 * The strategy stage's momentum strategy (1-s window, 5 bps, 10 trades, 50 ms cooldown: a signal now and
 * then on the bench's random walk), warmed up unless `warmUp` is false — as runtime/service/strategy-service.ts
 * does before a strategy reads live data.
 */
export async function createBenchStrategy(warmUp: boolean): Promise<TradingStrategy> {
  const strategy = await createStrategy("momentum", { windows: [{ seconds: 1, thresholdBps: 5 }], minTrades: 10, cooldownMs: 50, capacity: 1 << 16 });
  if (warmUp) await strategy.warmUp?.();
  return strategy;
}

const PAIRS = [["BTC", 6_000_000_000_000], ["ETH", 300_000_000_000], ["SOL", 15_000_000_000], ["XRP", 60_000_000]] as const;

/** The publisher stage's Trades (see the module text). */
export class BenchTrades {
  /** Trades built so far. */
  sent = 0;
  private readonly emit: MarketDataEmitter;
  private readonly clock: MonotonicClock;
  private readonly instruments: Instrument[];
  private readonly prices: number[];
  private readonly time = new VenueTime();
  private seed = 12345;

  /**
   * @param sink where each Trade is published (a relay client)
   * @param source the header source (one per run: a relay keeps per-source sequences across runs)
   * @param clock the machine-wide monotonic clock stamped into each header
   */
  constructor(sink: MessageSink, source: number, clock: MonotonicClock) {
    this.emit = new MarketDataEmitter(sink, source, new AdapterMetrics());
    this.emit.receivedMs = 0; // the header time is the clock below, not the wall clock
    this.clock = clock;
    this.instruments = PAIRS.map(([base]) => ({
      venueSymbol: `${base}-USD`, symbol: `${base}/USD`, assetId: pairAssetId(base, "USD"), venue: Venue.Coinbase, assetType: AssetType.Spot,
    }));
    this.prices = PAIRS.map(([, price]) => price);
    this.time.seconds = 1_765_000_000;
    this.stamp();
  }

  /** Reads the clock: the header time of the Trades built until the next call. */
  stamp(): void {
    this.emit.headerTime = this.clock();
  }

  /** Builds and publishes the next Trade, stamped with the last {@link stamp}. */
  next(): void {
    const seed = (this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff);
    const k = this.sent & 3;
    const p = this.prices[k]!;
    this.prices[k] = p + Math.trunc((p * ((seed % 7) - 3)) / 10_000);
    this.time.nanos = (this.sent & 0x3fffffff) % 1_000_000_000;
    this.emit.trade(this.instruments[k]!, (seed & 1) === 0 ? Side.Buy : Side.Sell, 0, this.prices[k]!, 1 + (seed & 0xfff), this.time);
    this.sent++;
  }
}

/**
 * Builds into `b` the tagging signal for the Trade `trade`: source `source`, the Trade's header timestamp,
 * SignalIdentity (strategy 99, confidence 100) with `signalId` (a non-negative integer:
 * {@link writeSignalIdentityNumber}). Returns the message length.
 */
export function writeTagSignal(b: MessageBuilder, source: number, trade: MessageView, signalId: number): number {
  beginSignalFrom(b, source, trade);
  writeSignalIdentityNumber(b, 99, 100, signalId);
  return b.finishLength();
}

/** A receive time split for {@link latencyNs}: the clock's reading as high and low 32-bit words. */
export class ReceiveTime {
  /** High word of the nanoseconds. */
  hi = 0;
  /** Low word of the nanoseconds. */
  lo = 0;

  /** Sets the words from a clock reading. */
  set(ns: bigint): void {
    this.hi = Number(ns >> 32n);
    this.lo = Number(ns & 0xffffffffn);
  }
}

/**
 * The consumer's receive time, read once per delivered chunk: on its first message, forgotten on the next
 * microtask (the messages of one chunk are delivered synchronously, one after another). Per message, the
 * clock reads and histogram records of the messages ahead in a chunk (~0.3–1 µs each on this VM) were
 * counted in the latency of the ones behind; the chain floor's sink measures the same way.
 *
 * @example
 * ```ts
 * const chunkClock = new ChunkClock(monotonicClock());
 * client.onMessage((bytes, offset) => {
 *   const now = chunkClock.receive();
 *   hist.recordValue(latencyNs(now, dv, base + HeaderOffset.timestamp));
 * });
 * ```
 */
export class ChunkClock {
  /** The current chunk's monotonic clock reading (ns), as {@link receive} last read it. */
  ns = 0n;
  /** `performance.now()` read with {@link ns} (ms). */
  ms = 0;
  private readonly words = new ReceiveTime();
  private readonly clock: MonotonicClock;
  private timed = false;
  private readonly chunkDone = (): void => {
    this.timed = false;
  };

  /** @param clock the machine-wide monotonic clock the publisher stamps its headers with */
  constructor(clock: MonotonicClock) {
    this.clock = clock;
  }

  /**
   * The receive time of the chunk being delivered: on the chunk's first message reads the clock (and
   * `performance.now()`) and queues the reset for the next microtask; after that, the same reading.
   */
  receive(): ReceiveTime {
    if (!this.timed) {
      this.timed = true;
      this.ns = this.clock();
      this.words.set(this.ns);
      this.ms = performance.now();
      queueSettledMicrotask(this.chunkDone);
    }
    return this.words;
  }
}

/** Nanoseconds from the u64 timestamp at `dv`/`at` to `now` (exact while under 2^53). */
export function latencyNs(now: ReceiveTime, dv: DataView, at: number): number {
  return (now.hi - dv.getUint32(at + 4, true)) * TWO32 + (now.lo - dv.getUint32(at, true));
}

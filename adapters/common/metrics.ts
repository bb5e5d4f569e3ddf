/**
 * Adapter metrics: counters for everything received, published, dropped or repaired, and a
 * venue-to-message latency histogram (venue event time → the moment the frame was received), all
 * updated without allocation on the hot path. `snapshot()` returns plain numbers for logs, the API and
 * StatusReport.
 *
 * @example
 * ```ts
 * const m = new AdapterMetrics();
 * m.frames++; m.recordLatencyMs(3.2);
 * m.snapshot(); // { frames: 1, …, latency: { count: 1, p50Ms: 3.2, p99Ms: 3.2, maxMs: 3.2 } }
 * ```
 * @module
 */

import type { HistogramValue } from "../../core/metrics/exposition.ts";

/** Plain-data view of {@link AdapterMetrics}. */
export interface AdapterMetricsSnapshot {
  /** WebSocket frames received (or replayed). */
  frames: number;
  /** Protocol messages published. */
  published: number;
  /** Frames that could not be parsed (counted and skipped). */
  parseErrors: number;
  /** Well-formed frames of a type the adapter does not handle (counted and skipped). */
  unknownFrames: number;
  /** Frames for instruments the adapter does not know or cannot represent (counted and skipped). */
  unknownInstruments: number;
  /** Instruments skipped because their symbols cannot be packed (PROTOCOL §4). */
  skippedInstruments: number;
  /** Values rounded to fit 10^8 fixed point (flagged inexact). */
  inexact: number;
  /** Successful connects. */
  connects: number;
  /** Reconnect attempts after a lost or abandoned connection. */
  reconnects: number;
  /** Connections abandoned because a channel went silent. */
  staleTimeouts: number;
  /** Sequence gaps detected. */
  gaps: number;
  /** Book resynchronisations started (per symbol). */
  resyncs: number;
  /** Book checksum mismatches. */
  checksumMismatches: number;
  /** Messages the venue sent out of order or twice (dropped). */
  outOfOrder: number;
  /** Error messages the venue sent. */
  venueErrors: number;
  /** REST requests made. */
  restRequests: number;
  /** REST requests that failed. */
  restErrors: number;
  /** Waits imposed by HTTP 429/418 or retries. */
  rateLimitWaits: number;
  /** Trade frames read by the exact-layout fast path (the rest of the frames took the general scan). */
  fastPathFrames: number;
  /** Trades missed in a gap and recovered over REST (Coinbase), emitted in trade-id order. */
  backfilled: number;
  /** Trades missed in a gap that could not be recovered (REST failed or no longer had them): lost. */
  backfillLost: number;
  /** Venue-to-receive latency. */
  latency: { count: number; negative: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** The last error, for humans. */
  lastError: string;
}

const BUCKETS = 320; // 2^(i/8) µs: 1 µs … 2^40 µs ≈ 1.1 × 10^6 s (160 buckets stopped at 2^20 µs ≈ 1 s, so every slower latency read as 1.05 s)
const STEPS_PER_OCTAVE = 8;

/** Mutable adapter counters and latency histogram. */
export class AdapterMetrics {
  frames = 0;
  published = 0;
  parseErrors = 0;
  unknownFrames = 0;
  unknownInstruments = 0;
  skippedInstruments = 0;
  inexact = 0;
  connects = 0;
  reconnects = 0;
  staleTimeouts = 0;
  gaps = 0;
  resyncs = 0;
  checksumMismatches = 0;
  outOfOrder = 0;
  venueErrors = 0;
  restRequests = 0;
  restErrors = 0;
  rateLimitWaits = 0;
  fastPathFrames = 0;
  backfilled = 0;
  backfillLost = 0;
  lastError = "";
  private readonly buckets = new Float64Array(BUCKETS);
  private latencyCount = 0;
  private latencyNegative = 0;
  private latencyMaxUs = 0;
  private latencySumUs = 0;

  /** Records one venue-to-receive latency in ms (negative = clock skew, counted apart). */
  recordLatencyMs(ms: number): void {
    if (!(ms >= 0)) {
      if (ms < 0) this.latencyNegative++;
      return;
    }
    const us = ms * 1000;
    const i = us < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(us) * STEPS_PER_OCTAVE));
    this.buckets[i]!++;
    this.latencyCount++;
    this.latencySumUs += us;
    if (us > this.latencyMaxUs) this.latencyMaxUs = us;
  }

  /** Notes an error for humans (`lastError`); counting is the caller's. */
  noteError(message: string): void {
    this.lastError = message;
  }

  private quantileMs(q: number): number {
    if (this.latencyCount === 0) return 0;
    const target = q * this.latencyCount;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return Math.min(this.latencyMaxUs, 2 ** ((i + 1) / STEPS_PER_OCTAVE)) / 1000;
    }
    return this.latencyMaxUs / 1000;
  }

  /**
   * The latency as a Prometheus histogram in seconds, one bucket per octave from 2^7 µs to 2^25 µs (exact:
   * each bound is a bucket edge here).
   */
  latencyHistogram(): HistogramValue {
    const buckets: [number, number][] = [];
    let seen = 0;
    let i = 0;
    for (let octave = 7; octave <= 25; octave++) {
      for (; i < octave * STEPS_PER_OCTAVE; i++) seen += this.buckets[i]!;
      buckets.push([2 ** octave / 1e6, seen]);
    }
    return { buckets, sum: this.latencySumUs / 1e6, count: this.latencyCount };
  }

  /** A plain copy of every counter and latency quantiles (upper bucket bounds, ≤ 9 % high). */
  snapshot(): AdapterMetricsSnapshot {
    return {
      frames: this.frames, published: this.published, parseErrors: this.parseErrors, unknownFrames: this.unknownFrames,
      unknownInstruments: this.unknownInstruments, skippedInstruments: this.skippedInstruments, inexact: this.inexact,
      connects: this.connects, reconnects: this.reconnects, staleTimeouts: this.staleTimeouts, gaps: this.gaps,
      resyncs: this.resyncs, checksumMismatches: this.checksumMismatches, outOfOrder: this.outOfOrder,
      venueErrors: this.venueErrors, restRequests: this.restRequests, restErrors: this.restErrors,
      rateLimitWaits: this.rateLimitWaits, fastPathFrames: this.fastPathFrames, backfilled: this.backfilled,
      backfillLost: this.backfillLost,
      latency: {
        count: this.latencyCount, negative: this.latencyNegative,
        p50Ms: this.quantileMs(0.5), p99Ms: this.quantileMs(0.99), maxMs: this.latencyMaxUs / 1000,
      },
      lastError: this.lastError,
    };
  }
}

/**
 * A fixed-bucket histogram for the Prometheus exposition: counts per upper bound, sum and count, no
 * allocation per observation. The services keep their hdr histograms for percentiles (`/stats`, status
 * reports); this one feeds `_bucket`/`_sum`/`_count`, which percentiles cannot.
 *
 * @example
 * ```ts
 * const h = new BucketHistogram(LATENCY_BUCKETS_SECONDS);
 * h.observe(0.0003);
 * exposition.histogram("alphapulse_x_latency_seconds", "…", {}, h.snapshot());
 * ```
 * @module
 */

import type { HistogramValue } from "./exposition.ts";

/** Latency bounds in seconds, 1 µs to 10 s (1–2.5–5 steps). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Observations counted in fixed buckets. */
export class BucketHistogram {
  /** Upper bounds, ascending. */
  readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  /** @param bounds ascending upper bounds (`+Inf` is implicit) */
  constructor(bounds: readonly number[] = LATENCY_BUCKETS_SECONDS) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new RangeError(`histogram bounds must ascend: ${bounds[i - 1]} then ${bounds[i]}`);
    }
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts `n` observations of `value` (NaN is ignored). */
  observe(value: number, n = 1): void {
    if (Number.isNaN(value)) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += n;
    this.sum += value * n;
    this.count += n;
  }

  /** Cumulative counts per bound, sum and count. */
  snapshot(): HistogramValue {
    const buckets: [number, number][] = [];
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i]!;
      buckets.push([this.bounds[i]!, acc]);
    }
    return { buckets, sum: this.sum, count: this.count };
  }
}

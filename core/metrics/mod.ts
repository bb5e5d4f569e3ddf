/**
 * The Prometheus exposition of AlphaPulse: build ({@link Exposition}), histograms ({@link BucketHistogram})
 * and merge several processes' text ({@link mergeExpositions}).
 *
 * @module
 */

export * from "./exposition.ts";
export * from "./buckets.ts";
export * from "./merge.ts";

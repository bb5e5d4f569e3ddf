/**
 * The metrics of AlphaPulse: one registry per process ({@link MetricsRegistry}) whose collectors add to one
 * {@link Exposition}; histograms ({@link BucketHistogram}); the text parsed back and several processes' text
 * merged ({@link parseExposition}, {@link mergeExpositions}). Nothing else writes `# HELP`/`# TYPE` lines.
 *
 * @module
 */

export {
  escapeLabelValue, Exposition, ExpositionError, formatLabels, formatValue, MetricType, renderFamilies,
  type HistogramValue, type Labels, type MetricFamily, type Sample,
} from "./exposition.ts";
export { MetricsRegistry, type Collector } from "./registry.ts";
export { BucketHistogram, LATENCY_BUCKETS_SECONDS } from "./buckets.ts";
export { ExpositionParseError, mergeExpositions, parseExposition, type MergeProblem, type ServiceExposition } from "./merge.ts";

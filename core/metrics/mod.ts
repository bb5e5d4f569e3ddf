/**
 * The metrics of AlphaPulse: one registry per process ({@link MetricsRegistry}) whose collectors add to one
 * {@link Exposition}; histograms ({@link BucketHistogram}); the text parsed back and several processes' text
 * merged ({@link parseExposition}, {@link mergeExpositions}). Nothing else writes `# HELP`/`# TYPE` lines.
 *
 * @module
 */

/** Building the text exposition: families, samples, labels, values and the typed refusal of invalid names. */
export {
  escapeLabelValue, Exposition, ExpositionError, formatLabels, formatValue, MetricType, renderFamilies,
  type HistogramValue, type Labels, type MetricFamily, type Sample,
} from "./exposition.ts";
/** One registry per process: collectors rendered together. */
export { MetricsRegistry, type Collector } from "./registry.ts";
/** Fixed-bucket histograms and the default latency buckets. */
export { BucketHistogram, LATENCY_BUCKETS_SECONDS } from "./buckets.ts";
/** The text parsed back, and several processes' texts merged into one. */
export { ExpositionParseError, mergeExpositions, parseExposition, type MergeProblem, type ServiceExposition } from "./merge.ts";

/**
 * The one Prometheus text exposition (format 0.0.4) of every AlphaPulse process: relay, bridge, services and
 * API build their metrics with an {@link Exposition} and render it; each family gets exactly one HELP and one
 * TYPE line, however many times it is added to (several adapters, several relay domains).
 *
 * Hand-written rather than prom-client: the API merges the text of several processes (merge.ts parses it
 * back), which prom-client's registries cannot do for same-named families, and the hot paths here keep their
 * own counters (plain numbers, hdr histograms), so a registry would only copy them at scrape time.
 *
 * @example
 * ```ts
 * const e = new Exposition({ domain: "market-data" });
 * e.counter("alphapulse_relay_dropped_total", "Dropped messages by reason.", [[{ reason: "duplicate" }, 2]]);
 * e.histogram("alphapulse_relay_forward_latency_seconds", "Receipt to hand-off.", {}, buckets.snapshot());
 * e.render(); // "# HELP alphapulse_relay_dropped_total …\n# TYPE … counter\nalphapulse_relay_dropped_total{domain=…,reason=…} 2\n…"
 * ```
 * @module
 */

/** The metric types this exposition writes. */
export const MetricType = { counter: "counter", gauge: "gauge", histogram: "histogram", summary: "summary", untyped: "untyped" } as const;
/** One metric type. */
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

/** Label names to values, rendered in insertion order. */
export type Labels = Readonly<Record<string, string>>;

/** One sample line: `<family><suffix>{labels} value`. */
export interface Sample {
  /** `""` for counters and gauges; `_bucket`, `_sum` or `_count` for histograms. */
  suffix: "" | "_bucket" | "_sum" | "_count";
  labels: Labels;
  value: number | bigint;
}

/** A metric family: its name, type, help and samples. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

/** A histogram's state: cumulative counts at each upper bound (ascending, seconds or bytes), sum and count. */
export interface HistogramValue {
  /** `[le, count of observations ≤ le]`, ascending in `le`; `+Inf` is added from {@link count}. */
  buckets: readonly (readonly [le: number, cumulative: number])[];
  sum: number;
  count: number;
}

/** Thrown when a family is added with another type than before, or a name or label is not valid Prometheus. */
export class ExpositionError extends Error {
  /** @param message what is wrong, naming the metric */
  constructor(message: string) {
    super(message);
    this.name = "ExpositionError";
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value escaped for the text format (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escaped for the text format (backslash, newline). */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value in the text format (`+Inf`, `NaN`, integers without exponent where exact). */
export function formatValue(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** `{a="1",b="2"}` or `""` without labels. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(",")}}`;
}

/** Renders families: one HELP and one TYPE line each, then their samples. */
export function renderFamilies(families: Iterable<MetricFamily>): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/** Families being built; adding to a family twice appends samples under its one HELP/TYPE. */
export class Exposition {
  private readonly common: Labels;
  private readonly families: Map<string, MetricFamily>;

  /**
   * @param common labels put first on every sample (e.g. `{ domain }`)
   * @param families the family table to add to (shared by {@link withLabels}); a new one by default
   */
  constructor(common: Labels = {}, families: Map<string, MetricFamily> = new Map()) {
    for (const k of Object.keys(common)) if (!LABEL.test(k)) throw new ExpositionError(`label name "${k}" is not valid Prometheus`);
    this.common = common;
    this.families = families;
  }

  /**
   * A view that adds `labels` (after this one's common labels) to every sample it adds, writing into the
   * same families: several parts of one process (relay and bridge, several adapters) share one HELP/TYPE
   * per family.
   */
  withLabels(labels: Labels): Exposition {
    return new Exposition({ ...this.common, ...labels }, this.families);
  }

  /** Adds a counter (name ends in `_total`): one value, or `[labels, value]` rows. */
  counter(name: string, help: string, value: number | bigint | readonly (readonly [Labels, number | bigint])[]): this {
    return this.simple(name, MetricType.counter, help, value);
  }

  /** Adds a gauge: one value, or `[labels, value]` rows. */
  gauge(name: string, help: string, value: number | bigint | readonly (readonly [Labels, number | bigint])[]): this {
    return this.simple(name, MetricType.gauge, help, value);
  }

  /** Adds one histogram series (name ends in its unit: `_seconds`, `_bytes`). */
  histogram(name: string, help: string, labels: Labels, h: HistogramValue): this {
    const f = this.family(name, MetricType.histogram, help);
    const l = { ...this.common, ...labels };
    for (const [le, n] of h.buckets) f.samples.push({ suffix: "_bucket", labels: { ...l, le: formatValue(le) }, value: n });
    f.samples.push({ suffix: "_bucket", labels: { ...l, le: "+Inf" }, value: h.count });
    f.samples.push({ suffix: "_sum", labels: l, value: h.sum });
    f.samples.push({ suffix: "_count", labels: l, value: h.count });
    return this;
  }

  /** The families built so far. */
  list(): MetricFamily[] {
    return [...this.families.values()];
  }

  /** The text exposition. */
  render(): string {
    return renderFamilies(this.families.values());
  }

  private simple(name: string, type: MetricType, help: string, value: number | bigint | readonly (readonly [Labels, number | bigint])[]): this {
    const f = this.family(name, type, help);
    const rows = typeof value === "object" ? value : [[{}, value] as const];
    for (const [labels, v] of rows) {
      for (const k of Object.keys(labels)) if (!LABEL.test(k)) throw new ExpositionError(`${name}: label name "${k}" is not valid Prometheus`);
      f.samples.push({ suffix: "", labels: { ...this.common, ...labels }, value: v });
    }
    return this;
  }

  private family(name: string, type: MetricType, help: string): MetricFamily {
    if (!NAME.test(name)) throw new ExpositionError(`metric name "${name}" is not valid Prometheus`);
    const f = this.families.get(name);
    if (f === undefined) {
      const created: MetricFamily = { name, type, help, samples: [] };
      this.families.set(name, created);
      return created;
    }
    if (f.type !== type) throw new ExpositionError(`metric ${name} added as ${type} after ${f.type}`);
    return f;
  }
}

/**
 * Parses the text exposition back into families and merges the texts of several processes into one: the
 * API's `/metrics` aggregates every service, and Prometheus (promtool) wants one HELP/TYPE per family. Series
 * keep their labels (relay `domain`, `adapter`, `strategy`, …); a series two processes both expose with the
 * same labels gets a `service` label so neither is lost.
 *
 * @example
 * ```ts
 * const text = mergeExpositions([{ service: "relay-market-data", text: a }, { service: "relay-signals", text: b }]);
 * ```
 * @module
 */

import { renderFamilies, type Labels, type MetricFamily, type MetricType, type Sample } from "./exposition.ts";

/** Thrown on a line that is not the text exposition format, with its line number. */
export class ExpositionParseError extends Error {
  /** 1-based line number. */
  readonly line: number;
  /** @param line 1-based line number @param why what is wrong */
  constructor(line: number, why: string) {
    super(`metrics text line ${line}: ${why}`);
    this.line = line;
    this.name = "ExpositionParseError";
  }
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function parseLabels(text: string, line: number): Labels {
  const body = text.slice(1, -1);
  const out: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < body.length) {
    const at = LABEL_PAIR.lastIndex;
    const m = LABEL_PAIR.exec(body);
    if (m === null) {
      if (body.slice(at).trim() === "") break;
      throw new ExpositionParseError(line, `bad labels "${text}"`);
    }
    out[m[1]!] = unescape(m[2]!);
  }
  return out;
}

function parseValue(v: string, line: number): number | bigint {
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt(v);
  }
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  const n = Number(v);
  if (Number.isNaN(n) && v !== "NaN") throw new ExpositionParseError(line, `bad value "${v}"`);
  return n;
}

/** The family a sample name belongs to, given the families declared so far (histogram suffixes). */
function familyOf(name: string, declared: Map<string, MetricFamily>): [family: string, suffix: Sample["suffix"]] {
  for (const suffix of ["_bucket", "_sum", "_count"] as const) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = declared.get(base);
      if (f !== undefined && (f.type === "histogram" || f.type === "summary")) return [base, suffix];
    }
  }
  return [name, ""];
}

/** Parses one text exposition into families (samples without HELP/TYPE become `untyped`). */
export function parseExposition(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const get = (name: string): MetricFamily => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: "untyped", help: "", samples: [] }));
    return f;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s?(.*)$/.exec(line);
      if (m === null) continue;
      const f = get(m[2]!);
      if (m[1] === "HELP") f.help = m[3]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      else {
        if (!TYPES.has(m[3]!)) throw new ExpositionParseError(i + 1, `unknown type "${m[3]}"`);
        f.type = m[3] as MetricType;
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new ExpositionParseError(i + 1, `not a sample: "${line.slice(0, 120)}"`);
    const [family, suffix] = familyOf(m[1]!, families);
    get(family).samples.push({ suffix, labels: m[2] ? parseLabels(m[2], i + 1) : {}, value: parseValue(m[3]!, i + 1) });
  }
  return [...families.values()];
}

/** One process's text, and the service name used to tell apart series it shares with another. */
export interface ServiceExposition {
  service: string;
  text: string;
}

/** What went wrong merging, per service (unparsable text, a type clash); the rest is still merged. */
export interface MergeProblem {
  service: string;
  error: string;
}

/**
 * Merges several expositions into one text: one HELP/TYPE per family (the first process's), samples of all,
 * families in first-seen order. A family one process types differently from another is left out of the
 * later process and reported in `problems`.
 */
export function mergeExpositions(inputs: readonly ServiceExposition[], problems: MergeProblem[] = []): string {
  const merged = new Map<string, MetricFamily>();
  const seen = new Map<string, Set<string>>();
  for (const { service, text } of inputs) {
    let families: MetricFamily[];
    try {
      families = parseExposition(text);
    } catch (e) {
      problems.push({ service, error: String(e) });
      continue;
    }
    for (const f of families) {
      let into = merged.get(f.name);
      if (into === undefined) merged.set(f.name, (into = { name: f.name, type: f.type, help: f.help, samples: [] }));
      else if (into.type !== f.type) {
        problems.push({ service, error: `metric ${f.name} is ${f.type} here but ${into.type} elsewhere; left out` });
        continue;
      }
      if (into.help === "") into.help = f.help;
      const keys = seen.get(f.name) ?? new Set<string>();
      seen.set(f.name, keys);
      for (const s of f.samples) {
        const key = s.suffix + JSON.stringify(s.labels);
        const sample = keys.has(key) && !("service" in s.labels) ? { ...s, labels: { ...s.labels, service } } : s;
        keys.add(sample.suffix + JSON.stringify(sample.labels));
        into.samples.push(sample);
      }
    }
  }
  for (const f of merged.values()) if (f.help === "") f.help = f.name.replace(/_/g, " ") + ".";
  return renderFamilies(merged.values());
}

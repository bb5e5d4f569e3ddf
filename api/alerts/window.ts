/**
 * The metrics the API's own alert evaluation reads: the latest scrape of `/metrics` (parsed families) and a
 * bounded history of earlier scrapes, for the `increase(...)` conditions of config/alerts.yml.
 *
 * @module
 */

import { parseExposition, type Labels, type MetricFamily } from "../../core/metrics/mod.ts";

/** One series' value at the latest scrape. */
export interface SeriesValue {
  labels: Labels;
  value: number;
}

interface Point {
  at: number;
  value: number;
}

/** Scrapes over a sliding window (the longest `increase` range the rules use). */
export class MetricsWindow {
  private readonly keepMs: number;
  private latest = new Map<string, MetricFamily>();
  private readonly history = new Map<string, { labels: Labels; points: Point[] }>();
  private now = 0;

  /** @param keepMs how far back the history goes */
  constructor(keepMs: number) {
    this.keepMs = keepMs;
  }

  /** Takes a scrape's text at time `at` (ms). */
  add(text: string, at: number): void {
    this.now = at;
    this.latest = new Map(parseExposition(text).map((f) => [f.name, f]));
    const seen = new Set<string>();
    for (const f of this.latest.values()) {
      for (const s of f.samples) {
        if (s.suffix !== "") continue;
        const key = f.name + JSON.stringify(s.labels);
        seen.add(key);
        let h = this.history.get(key);
        if (h === undefined) this.history.set(key, (h = { labels: s.labels, points: [] }));
        h.points.push({ at, value: Number(s.value) });
        while (h.points.length > 1 && h.points[0]!.at < at - this.keepMs) h.points.shift();
      }
    }
    for (const [key, h] of this.history) if (!seen.has(key) && h.points.at(-1)!.at < at - this.keepMs) this.history.delete(key);
  }

  /** The latest values of `name` (a series with `match` labels only). */
  values(name: string, match: (labels: Labels) => boolean = () => true): SeriesValue[] {
    const f = this.latest.get(name);
    if (f === undefined) return [];
    return f.samples.filter((s) => s.suffix === "" && match(s.labels)).map((s) => ({ labels: s.labels, value: Number(s.value) }));
  }

  /**
   * How much each series of counter `name` grew over the last `rangeMs` (resets counted as a restart from 0).
   * A series appears only once its history covers the whole range, so a fresh start is never "no growth".
   */
  increase(name: string, rangeMs: number, match: (labels: Labels) => boolean = () => true): SeriesValue[] {
    const out: SeriesValue[] = [];
    for (const [key, h] of this.history) {
      if (!key.startsWith(name + "{") || key.slice(name.length) !== JSON.stringify(h.labels) || !match(h.labels)) continue;
      const pts = h.points.filter((p) => p.at >= this.now - rangeMs);
      const older = h.points.filter((p) => p.at < this.now - rangeMs);
      const base = older.at(-1);
      if (base === undefined) continue;
      let grew = 0;
      let prev = base.value;
      for (const p of pts) {
        grew += p.value >= prev ? p.value - prev : p.value;
        prev = p.value;
      }
      out.push({ labels: h.labels, value: grew });
    }
    return out;
  }
}

/**
 * The metrics registry of one process: every part that has figures (a relay, its NATS bridge, an adapter, the
 * API's stream hub) registers a collector once; a scrape builds one {@link Exposition} from all of them, so
 * each family gets one HELP and one TYPE line however many parts add to it, and nobody renders text alone.
 *
 * Collectors read the parts' own counters at scrape time (the hot paths keep plain numbers and hdr
 * histograms; see exposition.ts for why this is not prom-client).
 *
 * @example
 * ```ts
 * const metrics = new MetricsRegistry({ adapter: "binance" });
 * metrics.register((e) => e.counter("alphapulse_adapter_frames_total", "Frames parsed.", adapter.frames));
 * metrics.render(); // "# HELP alphapulse_adapter_frames_total Frames parsed.\n# TYPE … counter\n…"
 * ```
 * @module
 */

import { Exposition, type Labels } from "./exposition.ts";

/** Adds one part's families to the exposition it is given (already carrying the registry's and its labels). */
export type Collector = (e: Exposition) => void;

/** Collectors of one process, rendered together. */
export class MetricsRegistry {
  private readonly common: Labels;
  private readonly collectors = new Set<{ collect: Collector; labels: Labels }>();

  /** @param common labels put first on every sample of this registry (e.g. `{ adapter, venue }`) */
  constructor(common: Labels = {}) {
    this.common = common;
    new Exposition(common); // validates the label names now rather than at the first scrape
  }

  /** Registers `collect` (its samples get `labels` after the common ones); returns a function that unregisters it. */
  register(collect: Collector, labels: Labels = {}): () => void {
    const entry = { collect, labels };
    this.collectors.add(entry);
    return () => void this.collectors.delete(entry);
  }

  /** One exposition of every collector, in registration order. */
  collect(): Exposition {
    const e = new Exposition(this.common);
    for (const { collect, labels } of this.collectors) collect(Object.keys(labels).length === 0 ? e : e.withLabels(labels));
    return e;
  }

  /** The text exposition (format 0.0.4) of every collector. */
  render(): string {
    return this.collect().render();
  }
}

/**
 * The metrics registry (core/metrics/registry.ts): collectors of one process render into one exposition —
 * one HELP/TYPE per family however many parts add to it, each part's labels after the common ones —
 * read their figures at scrape time, can be unregistered, and the result is promtool-clean.
 */
import { describe, expect, it } from "vitest";
import { BucketHistogram, ExpositionError, MetricsRegistry } from "../../core/metrics/mod.ts";
import { promtool, promtoolMissing } from "./promtool.ts";

/** A registry with two relays-like parts adding to the same families. */
function twoParts(): { registry: MetricsRegistry; counts: { a: number; b: number } } {
  const counts = { a: 1, b: 2 };
  const registry = new MetricsRegistry({ service: "relay-market-data" });
  const latency = new BucketHistogram([0.001, 0.01]);
  latency.observe(0.005);
  registry.register((e) => {
    e.counter("alphapulse_test_messages_total", "Messages.", counts.a);
    e.histogram("alphapulse_test_latency_seconds", "Latency.", {}, latency.snapshot());
  }, { part: "a" });
  registry.register((e) => void e.counter("alphapulse_test_messages_total", "Messages.", counts.b), { part: "b" });
  return { registry, counts };
}

describe("MetricsRegistry", () => {
  it("renders every collector under one HELP/TYPE per family, common labels then the collector's", () => {
    const text = twoParts().registry.render();
    expect(text.match(/# TYPE alphapulse_test_messages_total counter/g)).toHaveLength(1);
    expect(text.match(/# HELP alphapulse_test_messages_total/g)).toHaveLength(1);
    expect(text).toContain(`alphapulse_test_messages_total{service="relay-market-data",part="a"} 1\n`);
    expect(text).toContain(`alphapulse_test_messages_total{service="relay-market-data",part="b"} 2\n`);
    expect(text).toContain(`alphapulse_test_latency_seconds_bucket{service="relay-market-data",part="a",le="0.01"} 1\n`);
  });

  it("reads the figures at each scrape, and forgets an unregistered collector", () => {
    const registry = new MetricsRegistry();
    let n = 1;
    const unregister = registry.register((e) => void e.gauge("alphapulse_test_level", "Level.", n));
    expect(registry.render()).toContain("alphapulse_test_level 1\n");
    n = 7;
    expect(registry.render()).toContain("alphapulse_test_level 7\n");
    unregister();
    expect(registry.render()).toBe("");
  });

  it("refuses an invalid common label name at construction, and a type clash between collectors at scrape", () => {
    expect(() => new MetricsRegistry({ "bad-label": "x" })).toThrow(ExpositionError);
    const registry = new MetricsRegistry();
    registry.register((e) => void e.counter("alphapulse_test_x_total", "X.", 1));
    registry.register((e) => void e.gauge("alphapulse_test_x_total", "X.", 1));
    expect(() => registry.render()).toThrow(/alphapulse_test_x_total added as gauge after counter/);
  });
});

describe.skipIf(promtoolMissing !== undefined)("promtool check metrics (registry)", () => {
  it("accepts a registry of several parts adding to the same families", async () => {
    const r = await promtool(["check", "metrics"], twoParts().registry.render());
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  });
});

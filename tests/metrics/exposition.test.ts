/**
 * The exposition module (core/metrics): one HELP/TYPE per family, histograms, escaping, parsing back and
 * merging several processes' text; the relay's and bridge's renderings pass `promtool check metrics`.
 */
import { describe, expect, it } from "vitest";
import type { NatsBridgeSnapshot } from "../../bridge/metrics.ts";
import { renderNatsPrometheus } from "../../bridge/metrics.ts";
import { DropReason, RelayMetrics, renderPrometheus } from "../../relay/server/metrics.ts";
import { BucketHistogram, Exposition, ExpositionError, mergeExpositions, parseExposition, type MergeProblem } from "../../core/metrics/mod.ts";
import { promtool, promtoolMissing } from "./promtool.ts";

const counts = (...keys: string[]) => Object.fromEntries(keys.map((k, i) => [k, i]));

/** A bridge snapshot with every figure set (distinct values), as the bridge's `snapshot()` gives. */
const bridgeSnapshot = {
  domain: "market-data", connected: true, jetStreamReady: true, outages: 1, reconnects: 1, downSeconds: 1.5, bufferedBytes: 10, bufferedBatches: 1,
  heldBytes: 0, invalid: 2, catchUps: 1, catchUpSkipped: 3,
  out: counts("messagesIn", "batches", "sends", "resends", "ackedMessages", "duplicateAcks", "notStored", "droppedBuffer", "droppedTooLarge", "ackTimeouts"),
  in: counts("received", "injected", "duplicates", "echoes", "gapsDetected", "recoveries", "recovered", "lost", "restarts", "recoveryFailures", "originLost"),
  originGaps: { forwarded: 1, received: 2, injected: 3 },
  retransmit: { ...counts("lookups", "messages", "unavailable", "failures", "timeouts", "rejected"), pending: 0, probes: 4 },
  local: { received: 5, skippedControl: 0, injectDropped: 1, relayReconnects: 2 },
} as unknown as NatsBridgeSnapshot;

describe("Exposition", () => {
  it("writes one HELP and TYPE per family however often it is added to, common labels first", () => {
    const e = new Exposition({ domain: "a" });
    e.counter("x_total", "X.", [[{ reason: "r1" }, 1]]).counter("x_total", "X.", [[{ reason: "r2" }, 2]]).gauge("y", "Y.", 3);
    expect(e.render()).toBe('# HELP x_total X.\n# TYPE x_total counter\nx_total{domain="a",reason="r1"} 1\nx_total{domain="a",reason="r2"} 2\n# HELP y Y.\n# TYPE y gauge\ny{domain="a"} 3\n');
  });

  it("refuses a family added with another type, and invalid names", () => {
    const e = new Exposition().counter("x_total", "X.", 1);
    expect(() => e.gauge("x_total", "X.", 1)).toThrow(ExpositionError);
    expect(() => e.gauge("bad-name", "X.", 1)).toThrow(/not valid Prometheus/);
  });

  it("renders a histogram's cumulative buckets, +Inf, sum and count", () => {
    const h = new BucketHistogram([0.001, 0.01, 0.1]);
    h.observe(0.0005);
    h.observe(0.005, 2);
    h.observe(5);
    const text = new Exposition().histogram("t_seconds", "T.", { op: "a" }, h.snapshot()).render();
    expect(text).toContain('t_seconds_bucket{op="a",le="0.001"} 1\nt_seconds_bucket{op="a",le="0.01"} 3\nt_seconds_bucket{op="a",le="0.1"} 3\nt_seconds_bucket{op="a",le="+Inf"} 4\n');
    expect(text).toContain('t_seconds_sum{op="a"} 5.0105');
    expect(text).toContain('t_seconds_count{op="a"} 4');
  });

  it("escapes label values and parses them back unchanged", () => {
    const value = 'a "quoted" \\ back\nslash';
    const text = new Exposition().gauge("g", "G.", [[{ file: value }, 1]]).render();
    const [f] = parseExposition(text);
    expect(f!.samples[0]!.labels.file).toBe(value);
  });
});

describe("mergeExpositions", () => {
  it("merges the same family of several processes under one HELP/TYPE, histograms included", () => {
    const a = new RelayMetrics("market-data");
    const b = new RelayMetrics("signals");
    a.recordForward(5_000, 2);
    b.drop(DropReason.duplicate, 4);
    const text = mergeExpositions([{ service: "relay-market-data", text: renderPrometheus(a.snapshot()) }, { service: "relay-signals", text: renderPrometheus(b.snapshot()) }]);
    expect(text.match(/^# TYPE alphapulse_relay_uptime_seconds gauge$/gm)!.length).toBe(1);
    expect(text.match(/^# HELP /gm)!.length).toBe(text.match(/^# TYPE /gm)!.length);
    expect(text).toContain('alphapulse_relay_dropped_total{domain="signals",reason="duplicate"} 4');
    expect(text).toContain('alphapulse_relay_forward_latency_seconds_count{domain="market-data"} 2');
    expect(text).toContain('alphapulse_relay_forward_latency_seconds_count{domain="signals"} 0');
  });

  it("keeps two processes' identical series apart with a service label, and reports type clashes", () => {
    const problems: MergeProblem[] = [];
    const text = mergeExpositions([
      { service: "one", text: "# TYPE up gauge\nup 1\n" }, { service: "two", text: "# TYPE up gauge\nup 0\n" },
      { service: "three", text: "# TYPE up counter\nup 5\n" }, { service: "four", text: "not a metric line at all\n" },
    ], problems);
    expect(text).toContain("up 1\nup{service=\"two\"} 0\n");
    expect(text).not.toContain("up 5");
    expect(problems.map((p) => p.service)).toEqual(["three", "four"]);
  });
});

describe.skipIf(promtoolMissing !== undefined)("promtool check metrics", () => {
  it("accepts the relay's and the bridge's exposition, merged and alone", async () => {
    const m = new RelayMetrics("market-data");
    m.messagesIn = 7;
    m.recordForward(40_000, 5);
    const relay = renderPrometheus(m.snapshot());
    const bridge = renderNatsPrometheus(bridgeSnapshot);
    for (const text of [relay, bridge, mergeExpositions([{ service: "r", text: relay }, { service: "b", text: bridge }])]) {
      const r = await promtool(["check", "metrics"], text);
      expect(r.output).toBe("");
      expect(r.code).toBe(0);
    }
  }, 60_000);

  it("rejects what /metrics used to serve (a family repeated per service), so the check can fail", async () => {
    const twice = renderPrometheus(new RelayMetrics("a").snapshot()) + renderPrometheus(new RelayMetrics("b").snapshot());
    const r = await promtool(["check", "metrics"], twice);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/second HELP line|second TYPE line/);
  }, 60_000);
});

if (promtoolMissing) console.warn(`tests/metrics/exposition.test.ts: ${promtoolMissing}`);

/**
 * `promtool check metrics` accepts the API's aggregated `/metrics` and every service's own metrics, taken
 * from a real running demo system once it has traded (so histograms and labelled families have data).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callControl } from "../../runtime/control/channel.ts";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until } from "../runtime/helpers.ts";
import { promtool, promtoolMissing } from "./promtool.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-metrics-"));
let system: RunningSystem;

beforeAll(async () => {
  system = await startDemo(join(dir, "run"), "metrics-test", "error");
}, 180_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const metrics = async (): Promise<string> => (await fetch(`${system.apiUrl}/metrics`)).text();

describe("metrics of a running system", () => {
  it("/metrics has one HELP and one TYPE per family, histograms with buckets, and passes promtool check metrics", async (ctx) => {
    const text = await until("fills and adapter latencies in /metrics", async () => {
      const t = await metrics();
      return /^alphapulse_execution_paper_fills_total [1-9]/m.test(t) && /^alphapulse_adapter_latency_seconds_count\{[^}]*\} [1-9]/m.test(t) ? t : undefined;
    }, 120_000, 500);
    const types = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    const helps = [...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1]!);
    expect(types.length).toBeGreaterThan(50);
    expect(new Set(types).size).toBe(types.length);
    expect(new Set(helps).size).toBe(helps.length);
    // Families of several services share one TYPE line; labels tell the services apart.
    expect(text.match(/^alphapulse_relay_uptime_seconds\{domain="[^"]+"\} \d+$/gm)!.length).toBeGreaterThanOrEqual(3);
    expect(text.match(/^alphapulse_adapter_frames_total\{adapter="[^"]+",venue="[^"]+"\} \d+$/gm)!.length).toBeGreaterThanOrEqual(2);
    for (const h of ["alphapulse_relay_forward_latency_seconds", "alphapulse_strategy_processing_seconds", "alphapulse_adapter_latency_seconds"]) {
      expect(text).toContain(`# TYPE ${h} histogram`);
      expect(text).toMatch(new RegExp(`^${h}_bucket\\{[^}]*le="\\+Inf"\\} [1-9]`, "m"));
    }
    expect(text).toMatch(/^alphapulse_service_restarts_total\{service="adapter-coinbase",kind="adapter"\} 0$/m);
    if (promtoolMissing) return ctx.skip(promtoolMissing);
    const r = await promtool(["check", "metrics"], text);
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  }, 180_000);

  it("every service's own metrics (its control socket's `metrics`) pass promtool check metrics", async (ctx) => {
    const paths = system.paths;
    const names = system.services().filter((s) => s.state === "running").map((s) => s.name);
    expect(names).toContain("api");
    expect(names.length).toBeGreaterThanOrEqual(11);
    // A service's control socket opens once it has started (a restarted or slow one a little later).
    const texts = await Promise.all(names.map(async (name) => [name, await until(`${name} metrics`, async () => {
      try {
        return String(await callControl(paths.controlSocket(name), "metrics", {}, 5_000));
      } catch {
        return undefined;
      }
    }, 90_000, 500)] as const));
    for (const [name, text] of texts) expect(text, name).toMatch(/^# TYPE alphapulse_/m);
    if (promtoolMissing) return ctx.skip(promtoolMissing);
    for (const [name, text] of texts) {
      const r = await promtool(["check", "metrics"], text);
      expect(`${name}: ${r.output}`).toBe(`${name}: `);
      expect(r.code).toBe(0);
    }
  }, 120_000);
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatCaptureLine, parseCaptureText } from "../../../adapters/common/capture.ts";
import { replayCapture } from "../../../adapters/common/replay.ts";
import { loadVenue } from "../../../adapters/registry.ts";
import { simulateCapture, SIMULATED_HOST } from "../../../adapters/sim/session.ts";
import { DecodingSink } from "../helpers.ts";

describe.each(["coinbase", "binance", "kraken"])("simulated %s capture", (name) => {
  const path = new URL(`../../../fixtures/captures/${name}.sim.jsonl`, import.meta.url);

  it("is what the seeded simulator produces (regenerate with scripts/sim-captures.sh)", async () => {
    const venue = await loadVenue(name);
    const events = await simulateCapture(venue, { seed: 1, steps: 120, stepMs: 100 });
    const text = readFileSync(path, "utf8");
    expect(events.map(formatCaptureLine).join("")).toBe(text);
    expect(text.length).toBeLessThan(200_000);
    for (const ev of parseCaptureText(text)) expect(new URL(ev.url).host).toBe(SIMULATED_HOST);
  });

  it("normalises cleanly: no parse errors, gaps, resyncs or unknown frames", async () => {
    const venue = await loadVenue(name);
    const sink = new DecodingSink();
    const adapter = await venue.create({ sink, anySymbol: true });
    const summary = await replayCapture(adapter, parseCaptureText(readFileSync(path, "utf8")));
    const m = adapter.metrics.snapshot();
    expect(summary.completed).toBe(true);
    expect([m.parseErrors, m.gaps, m.resyncs, m.unknownFrames, m.unknownInstruments, m.checksumMismatches]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(sink.count("Trade")).toBeGreaterThan(50);
    expect(sink.count("Quote")).toBeGreaterThan(50);
    expect(sink.count("OrderBook")).toBeGreaterThan(50);
  });
});

/**
 * Hostile frames on a live EVM adapter (state warmed by replaying the project's own capture, as
 * `bench/fuzz-adapters.ts` does): a `newHeads` notification or an `eth_subscribe` refusal whose
 * value is nested thousands deep used to throw a stack `RangeError` out of `onFrame` while the
 * adapter printed it (`JSON.stringify`) — found by the 10 M-input fuzz run. Now it is counted and the
 * adapter keeps working.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { AdapterIo } from "../../../adapters/common/adapter.ts";
import { parseCaptureText } from "../../../adapters/common/capture.ts";
import { previewJson } from "../../../adapters/common/preview.ts";
import { replayCapture } from "../../../adapters/common/replay.ts";
import { loadVenue } from "../../../adapters/registry.ts";
import { validateMessage } from "../../../protocol/mod.ts";

const FIXTURES = new URL("../../../fixtures/", import.meta.url);

class Io implements AdapterIo {
  nowMs = 0;
  readonly replaying = false;
  readonly logs: string[] = [];
  send(): void {}
  requestRest(): void {}
  touch(): void {}
  reconnect(): void {}
  log(line: string): void {
    this.logs.push(line);
  }
}

describe("previewJson", () => {
  it("prints JSON cut to the limit, and a placeholder where JSON.stringify would throw", () => {
    expect(previewJson({ number: "0x1" })).toBe('{"number":"0x1"}');
    expect(previewJson("x".repeat(500), 10)).toBe(`"${"x".repeat(9)}`);
    expect(previewJson({ toJSON: () => { throw new RangeError("Maximum call stack size exceeded"); } })).toBe("(not printable: RangeError)");
    // Whether this nesting overflows JSON.stringify depends on the runtime's stack: never previewJson.
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => previewJson(deep)).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(previewJson(cyclic)).toBe("(not printable: TypeError)");
  });
});

describe("EVM adapter on deeply nested notification values", () => {
  it("counts them and keeps publishing valid messages", async () => {
    const venue = await loadVenue("ethereum");
    const published: Uint8Array[] = [];
    const adapter = await venue.create({
      sink: { publish: (b: Uint8Array) => void published.push(b.slice()) },
      symbols: venue.defaultSymbols,
      poolCache: new URL("evm/ethereum.sim.pool-cache.json", FIXTURES).pathname,
    });
    const events = parseCaptureText(fs.readFileSync(new URL("evm/ethereum.sim.capture.jsonl", FIXTURES), "utf8"));
    const warm = await replayCapture(adapter, events, { pace: "fast" });
    expect(warm.completed).toBe(true);
    const io = new Io();
    io.nowMs = Number(events[events.length - 1]!.t / 1_000_000n);
    // The subscription ids the node answered in the capture: one of them is the live newHeads one.
    const subIds = new Set<string>();
    for (const ev of events) {
      if (ev.kind !== "recv" || !ev.data) continue;
      const m = /"subscription":"(0x[0-9a-f]+)"/.exec(ev.data);
      if (m) subIds.add(m[1]!);
    }
    expect(subIds.size).toBeGreaterThan(0);
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const before = published.length;
    const metrics = adapter.metrics as unknown as { parseErrors: number; badHeads: number; unknownFrames: number };
    const problems = (): number => metrics.parseErrors + metrics.badHeads + metrics.unknownFrames;
    const problemsBefore = problems();
    for (const id of subIds) {
      const frame = `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":{"number":${deep},"topics":${deep}}}}`;
      expect(() => adapter.onFrame(frame, io)).not.toThrow();
    }
    expect(() => adapter.onFrame(`{"jsonrpc":"2.0","id":2,"error":${deep}}`, io)).not.toThrow();
    // Each hostile notification was counted: a bad log, a bad head, or (a past session's subscription) unknown.
    expect(problems()).toBeGreaterThanOrEqual(problemsBefore + subIds.size);
    // Still alive: the capture's own frames go through again and publish valid messages.
    for (const ev of events) if (ev.kind === "recv" && ev.data?.includes("eth_subscription")) adapter.onFrame(ev.data, io);
    expect(published.length).toBeGreaterThan(before);
    for (const b of published) expect(validateMessage(b, 0, b.length)).toBeUndefined();
  });
});

/**
 * The demo's Polygon capture is paced by its chain: replayed at the recorded pace it delivers a block every
 * block interval for the whole pass, not the whole session in its first second (which left a subscriber
 * that connected a second late without a single pool for four minutes).
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCaptureText, type CaptureEvent } from "../../../adapters/common/capture.ts";
import { blockTimeOf, retimeToChain } from "../../../fixtures/demo/chain-time.ts";

const DEMO = fileURLToPath(new URL("../../../fixtures/demo/polygon.sim.jsonl", import.meta.url));
const S = 1_000_000_000n;

/** The capture time of the first frame of each new (higher) block time. */
function blockArrivals(events: readonly CaptureEvent[]): { block: number; t: bigint }[] {
  const out: { block: number; t: bigint }[] = [];
  for (const ev of events) {
    const block = blockTimeOf(ev);
    if (block !== undefined && (out.length === 0 || block > out[out.length - 1]!.block)) out.push({ block, t: ev.t });
  }
  return out;
}

describe("the demo Polygon capture follows its chain's clock", () => {
  it("the committed capture: each new block arrives its block interval after the one before", () => {
    const events = parseCaptureText(readFileSync(DEMO, "utf8"));
    const arrivals = blockArrivals(events);
    expect(arrivals.length).toBeGreaterThan(60); // 124 blocks, some only in one backfill frame
    for (let i = 1; i < arrivals.length; i++) {
      const chain = BigInt(arrivals[i]!.block - arrivals[i - 1]!.block) * S;
      const capture = arrivals[i]!.t - arrivals[i - 1]!.t;
      // The frames of one block keep their recorded spacing (milliseconds), so allow less than a second.
      expect(capture >= chain && capture < chain + S, `block ${i}: ${capture} ns apart for ${chain} ns of chain`).toBe(true);
    }
    const span = events[events.length - 1]!.t - events[0]!.t;
    expect(span).toBeGreaterThan(200n * S);
    for (let i = 1; i < events.length; i++) expect(events[i]!.t >= events[i - 1]!.t).toBe(true);
  });

  it("retimeToChain keeps order and data, moves only times, and never steps back", () => {
    const frame = (t: bigint, ts: number | undefined, n: number): CaptureEvent => ({
      t, kind: "recv", url: "ws://node/",
      data: ts === undefined ? `{"id":${n},"result":"0x1"}` : `{"params":{"result":{"blockTimestamp":"0x${ts.toString(16)}","n":${n}}}}`,
    });
    const input = [
      { t: 100n, kind: "connect", url: "ws://node/" } as CaptureEvent,
      frame(200n, 1_000, 1), frame(250n, undefined, 2), frame(300n, 1_002, 3), frame(310n, 1_002, 4),
      frame(400n, 1_010, 5), frame(390n, undefined, 6),
    ];
    const out = retimeToChain(input);
    expect(out.map((e) => e.data)).toEqual(input.map((e) => e.data));
    expect(out.map((e) => e.t)).toEqual([100n, 200n, 250n, 200n + 2n * S, 210n + 2n * S, 200n + 10n * S, 200n + 10n * S]);
  });
});

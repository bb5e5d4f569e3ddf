/**
 * Fuzzing the ring transport with the relay's framing (issue 19): protocol messages of random sizes written
 * as torn writes (each message cut at random points over separate `write` calls, tails and heads of
 * neighbours sharing a batch), small rings so every batch wraps around at shifting offsets, and a reader
 * that stalls (`pause`) and resumes at random moments. Whatever the schedule, every message comes out
 * whole, byte for byte and in order, through the relay's StreamFramer — or, when the producer aborts mid-
 * message, what came out is a prefix of what was sent and the close is seen exactly once. Across threads, a
 * producer worker terminated at random moments while writing torn frames of random sizes leaves whole
 * frames followed by at most a prefix of the next one, then a close.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { AssetType, MessageBuilder, pairAssetId, RelayDomain, Side, StreamFramer, validateMessage, Venue } from "../../../protocol/mod.ts";
import { platform } from "../../../core/platform.ts";
import { Rng } from "../../../core/prng.ts";
import { ringTransport, serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS } from "../../../relay/transport/threads.ts";
import type { Connection, Listener } from "../../../relay/transport/types.ts";

const until = async (cond: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Market-data messages of source 1 (sequences from 1), the i-th with `trades[i]` Trade TLVs. */
function messages(trades: readonly number[]): Uint8Array[] {
  const b = new MessageBuilder(64 * 1024);
  return trades.map((n, seq) => {
    b.begin(RelayDomain.MarketData, 1);
    for (let i = 0; i < n; i++) b.addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, BigInt(seq * 1000 + i), 1n, 0n);
    return b.finish().slice();
  });
}

let names = 0;

describe("ring transport fuzz, one thread", () => {
  it("property: torn writes of random messages, wrap-around, reader stalls: every message whole and in order, or a prefix then the close", async () => {
    const name = `fuzz-${names++}`;
    let accepted: Connection | undefined;
    const l: Listener = await ringTransport.listen({ kind: "ring", name }, (c) => (accepted = c));
    cleanups.push(() => l.close());

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1024, 2048, 4096),
        fc.array(fc.record({ trades: fc.integer({ min: 1, max: 60 }), cuts: fc.array(fc.nat(), { maxLength: 3 }), sameBatchAsNext: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ afterWrite: fc.nat(), stallMs: fc.integer({ min: 0, max: 3 }) }), { maxLength: 6 }),
        fc.option(fc.record({ atMessage: fc.nat(), keepBytes: fc.nat() }), { nil: undefined }),
        async (ringBytes, plan, stalls, abort) => {
          accepted = undefined;
          const writer = await ringTransport.connect({ kind: "ring", name, ringBytes });
          await until(() => accepted !== undefined, 5000, "accept");
          const reader = accepted!;
          const framer = new StreamFramer();
          const got: Uint8Array[] = [];
          let closes = 0;
          reader.setHandlers({ data: (c) => framer.push(c, (b, o, n) => got.push(b.slice(o, o + n))), close: () => void closes++ });

          const sent = messages(plan.map((p) => p.trades));
          const abortAt = abort && Math.min(abort.atMessage, sent.length - 1);
          let batch: Uint8Array[] = [];
          let writes = 0;
          for (const [i, p] of plan.entries()) {
            const bytes = sent[i]!;
            const cuts = [0, ...p.cuts.map((c) => c % (bytes.length + 1)), bytes.length].sort((a, b) => a - b);
            const end = abortAt === i ? abort!.keepBytes % bytes.length : bytes.length;
            for (let c = 0; c + 1 < cuts.length; c++) {
              const piece = bytes.subarray(Math.min(cuts[c]!, end), Math.min(cuts[c + 1]!, end));
              if (piece.length === 0) continue;
              batch.push(piece);
              // A torn write: each cut ends a batch, except the last piece may ride with the next message's head.
              if (c + 2 < cuts.length || !p.sameBatchAsNext) {
                writer.write(batch);
                batch = [];
                writes++;
                for (const s of stalls) {
                  if (s.afterWrite % 50 !== writes) continue;
                  reader.pause();
                  await new Promise((r) => setTimeout(r, s.stallMs));
                  reader.resume();
                }
              }
            }
            if (abortAt === i) break;
          }
          if (batch.length > 0) writer.write(batch);
          if (abortAt === undefined) {
            writer.close();
            await until(() => closes === 1, 10_000, "the reader to see the orderly close");
            expect(got.length).toBe(sent.length);
          } else {
            // Give what was accepted a moment to cross, then abort: bytes not yet in the ring may be lost.
            await until(() => writer.pendingBytes === 0, 10_000, "the writer to hand its bytes to the ring");
            writer.close(true);
            await until(() => closes === 1, 10_000, "the reader to see the abort");
            expect(got.length).toBeLessThanOrEqual(abortAt);
            // What is held is a prefix of the next message, never more.
            expect(framer.buffered).toBeLessThan(sent[got.length]!.length);
          }
          for (const [i, m] of got.entries()) {
            expect(validateMessage(m, 0, m.length)).toBeUndefined();
            expect(m).toEqual(sent[i]);
          }
          await new Promise((r) => setTimeout(r, 1));
          expect(closes).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe("ring transport fuzz, across threads", () => {
  it("a producer worker terminated at random moments while writing torn frames of random sizes: whole frames, then at most a prefix, then the close", async () => {
    const threads = await platform().load(THREADS);
    const seeds = [11, 23, 37];
    for (const seed of seeds) {
      const name = `fuzz-flood-${names++}`;
      let conn: Connection | undefined;
      const l = await ringTransport.listen({ kind: "ring", name }, (c) => (conn = c));
      const { port1, port2 } = new MessageChannel();
      const thread = threads.start(new URL("./ring-thread.ts", import.meta.url), port2, "ring-fuzz");
      try {
        await new Promise<void>((resolve) => {
          port1.onmessage = (e: MessageEvent) => {
            if ((e.data as { started?: boolean } | undefined)?.started === true) resolve();
          };
        });
        port1.onmessage = null;
        serveRingPort(port1);
        const maxFrame = 2000;
        port1.postMessage({ mode: "flood-random", name, seed, maxFrame, ringBytes: 4096 });
        await until(() => conn !== undefined, 20_000, "flood connection");
        const bytes: number[] = [];
        let closes = 0;
        conn!.setHandlers({ data: (c) => { for (const b of c) bytes.push(b); }, close: () => void closes++ });
        // Kill at a point drawn per seed: after some bytes, plus a random few milliseconds.
        const when = new Rng(seed * 7919);
        const threshold = when.int(5_000, 200_000);
        await until(() => bytes.length > threshold, 30_000, `${threshold} bytes`);
        await new Promise((r) => setTimeout(r, when.int(0, 20)));
        await thread.terminate();
        await until(() => closes === 1, 20_000, "close after the producer thread ended");

        // The same draws as the worker: sizes, and two cut points per frame (not needed here).
        const rng = new Rng(seed);
        const got = Uint8Array.from(bytes);
        const dv = new DataView(got.buffer);
        let at = 0;
        let frames = 0;
        for (;;) {
          const n = rng.int(1, maxFrame);
          rng.int(0, 4 + n);
          rng.int(0, 4 + n);
          if (got.length - at < 4 + n) {
            // The torn tail: a prefix of this frame, nothing else.
            if (got.length - at >= 4) expect(dv.getUint32(at)).toBe(n);
            for (let i = at + 4; i < got.length; i++) if (got[i] !== (frames & 0xff)) throw new Error(`seed ${seed}: torn frame ${frames} wrong at byte ${i - at}`);
            break;
          }
          expect(dv.getUint32(at)).toBe(n);
          for (let i = 0; i < n; i++) if (got[at + 4 + i] !== (frames & 0xff)) throw new Error(`seed ${seed}: frame ${frames} torn at byte ${i}`);
          at += 4 + n;
          frames++;
        }
        expect(frames).toBeGreaterThan(2);
        expect(closes).toBe(1);
      } finally {
        port1.close();
        await thread.terminate();
        await l.close();
      }
    }
  }, 180_000);
});

/**
 * RetransmitFallback without sockets: a ring hit is answered at once without the store; a miss is
 * answered after the store in sequence order with Gaps only for what neither holds (property over
 * random rings, stores and ranges); timeouts, store errors, the concurrency bound and close() end in Gaps,
 * never in silence; the anchor names the message after the range.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssetType, HEADER_SIZE, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../../protocol/mod.ts";
import { encodeGap, readGap } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { type FallbackRequest, RetransmitFallback, type RetransmitSource, type RunAnchor } from "../../relay/server/retransmit-source.ts";
import { SourceRing } from "../../relay/server/source-ring.ts";

const builder = new MessageBuilder(256);
const BTC = pairAssetId("BTC", "USD");
const SOURCE = 3;

function msg(seq: bigint): Uint8Array {
  const m = builder.begin(RelayDomain.MarketData, SOURCE).addTrade(BTC, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, seq, 1n, 0n).finish().slice();
  const dv = new DataView(m.buffer);
  dv.setBigUint64(HeaderOffset.sequence, seq, true);
  dv.setBigUint64(HeaderOffset.timestamp, 1000n + seq, true);
  return m;
}

function ringOf(seqs: readonly bigint[]): SourceRing {
  const ring = new SourceRing(1 << 20);
  for (const s of seqs) {
    const m = msg(s);
    ring.push(m.buffer, 0, m.length, Number(s >> 32n), Number(s & 0xffffffffn));
  }
  return ring;
}

/** What a subscriber would see: a message's sequence, or a Gap's range. */
type Item = { seq: bigint } | { gap: [bigint, bigint] };

function decode(parts: Uint8Array[]): Item[] {
  return parts.map((p) => {
    const g = readGap(p, 0);
    if (g !== undefined) return { gap: [g.from, g.to] as [bigint, bigint] };
    expect(p.length).toBe(HEADER_SIZE + new DataView(p.buffer, p.byteOffset).getUint32(HeaderOffset.payloadSize, true));
    return { seq: new DataView(p.buffer, p.byteOffset).getBigUint64(HeaderOffset.sequence, true) };
  });
}

function request(ring: SourceRing | undefined, from: bigint, to: bigint, last: bigint, answers: Item[][]): FallbackRequest {
  return {
    source: SOURCE, from, to, last, lastTimestamp: 1000n + last, ring, accept: undefined,
    gap: (a, b) => encodeGap(RelayDomain.MarketData, 80, 1n, 0n, SOURCE, 1, a, b),
    send: (parts) => answers.push(decode(parts)),
  };
}

class MapStore implements RetransmitSource {
  calls: { from: bigint; to: bigint; anchor: RunAnchor }[] = [];
  private readonly held: Set<bigint>;
  private readonly delayMs: number;
  constructor(held: Set<bigint>, delayMs = 0) {
    this.held = held;
    this.delayMs = delayMs;
  }
  async fetch(_source: number, from: bigint, to: bigint, anchor: RunAnchor): Promise<Uint8Array[]> {
    this.calls.push({ from, to, anchor });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const out: Uint8Array[] = [];
    for (let s = from; s <= to; s++) if (this.held.has(s)) out.push(msg(s));
    return out;
  }
}

const range = (a: number, b: number): bigint[] => Array.from({ length: b - a + 1 }, (_, i) => BigInt(a + i));

describe("RetransmitFallback", () => {
  it("answers a range the ring holds at once, without the store", () => {
    const store = new MapStore(new Set());
    const fb = new RetransmitFallback(store, { logger: silentLogger });
    const answers: Item[][] = [];
    fb.answer(request(ringOf(range(1, 20)), 5n, 9n, 20n, answers));
    expect(answers).toEqual([range(5, 9).map((seq) => ({ seq }))]);
    expect(store.calls.length).toBe(0);
    expect(fb.stats.lookups).toBe(0);
  });

  it("fills the evicted head from the store, anchored at the first held message, then the ring's part", async () => {
    const store = new MapStore(new Set(range(3, 49)));
    const fb = new RetransmitFallback(store, { logger: silentLogger });
    const answers: Item[][] = [];
    fb.answer(request(ringOf(range(50, 60)), 1n, 55n, 60n, answers));
    expect(answers.length).toBe(0); // waits for the store
    await until(() => answers.length === 1);
    expect(answers[0]).toEqual([{ gap: [1n, 2n] }, ...range(3, 55).map((seq) => ({ seq }))]);
    expect(store.calls).toEqual([{ from: 1n, to: 49n, anchor: { sequence: 50n, timestamp: 1050n } }]);
    expect(fb.stats).toMatchObject({ lookups: 1, messages: 47, unavailable: 2 });
  });

  it("answers in order with Gaps for exactly what neither the ring nor the store holds (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 70 }),
        async (ringSeqs, storeSeqs, from, span) => {
          const ringSorted = [...ringSeqs, 60].sort((a, b) => a - b).filter((v, i, a) => a.indexOf(v) === i).map(BigInt);
          const ring = ringOf(ringSorted);
          const store = new MapStore(new Set(storeSeqs.map(BigInt)));
          const fb = new RetransmitFallback(store, { logger: silentLogger });
          const answers: Item[][] = [];
          const to = BigInt(from + span);
          fb.answer(request(ring, BigInt(from), to, 60n, answers));
          await until(() => answers.length === 1);
          // Every sequence from..min(to, 60) exactly once, in order: as a message if ring or store has it.
          const end = to < 60n ? to : 60n;
          const seen: bigint[] = [];
          for (const it of answers[0]!) {
            if ("seq" in it) {
              expect(ringSorted.includes(it.seq) || storeSeqs.includes(Number(it.seq))).toBe(true);
              seen.push(it.seq);
            } else {
              for (let s = it.gap[0]; s <= it.gap[1]; s++) {
                expect(ringSorted.includes(s) || storeSeqs.includes(Number(s))).toBe(false);
                seen.push(s);
              }
            }
          }
          const want: bigint[] = [];
          for (let s = BigInt(from); s <= end; s++) want.push(s);
          expect(seen).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("answers Gap after the timeout, and for a store error", async () => {
    const slow = new MapStore(new Set(range(1, 10)), 10_000);
    const fb = new RetransmitFallback(slow, { logger: silentLogger, timeoutMs: 30 });
    const answers: Item[][] = [];
    fb.answer(request(ringOf([11n]), 1n, 11n, 11n, answers));
    await until(() => answers.length === 1);
    expect(answers[0]).toEqual([{ gap: [1n, 10n] }, { seq: 11n }]);
    expect(fb.stats.timeouts).toBe(1);
    fb.close();

    const failing: RetransmitSource = { fetch: () => Promise.reject(new Error("no stream")) };
    const fb2 = new RetransmitFallback(failing, { logger: silentLogger });
    fb2.answer(request(undefined, 4n, 8n, 8n, answers));
    await until(() => answers.length === 2);
    expect(answers[1]).toEqual([{ gap: [4n, 8n] }]);
    expect(fb2.stats.failures).toBe(1);
    const throwing: RetransmitSource = { fetch: () => { throw new Error("sync throw"); } };
    const fb3 = new RetransmitFallback(throwing, { logger: silentLogger });
    fb3.answer(request(undefined, 1n, 2n, 2n, answers));
    await until(() => answers.length === 3);
    expect(answers[2]).toEqual([{ gap: [1n, 2n] }]);
  });

  it("bounds lookups: past maxConcurrent they wait, past maxQueued the ring answers alone; close answers the waiting", async () => {
    const store = new MapStore(new Set(range(1, 100)), 10_000);
    const fb = new RetransmitFallback(store, { logger: silentLogger, maxConcurrent: 1, maxQueued: 1, timeoutMs: 60_000 });
    const answers: Item[][] = [];
    const ring = ringOf([100n]);
    fb.answer(request(ring, 1n, 5n, 100n, answers)); // runs
    fb.answer(request(ring, 6n, 10n, 100n, answers)); // waits
    fb.answer(request(ring, 11n, 12n, 100n, answers)); // rejected: answered now
    expect(store.calls.length).toBe(1);
    expect(fb.pending).toBe(2);
    expect(answers).toEqual([[{ gap: [11n, 12n] }]]);
    expect(fb.stats.rejected).toBe(1);
    fb.close();
    await until(() => answers.length === 3);
    expect(answers[1]).toEqual([{ gap: [6n, 10n] }]); // the waiting one, at once
    expect(answers[2]).toEqual([{ gap: [1n, 5n] }]); // the running one, without waiting for the store
    fb.answer(request(ring, 20n, 21n, 100n, answers)); // closed: the ring alone, at once
    expect(answers[3]).toEqual([{ gap: [20n, 21n] }]);
    expect(store.calls.length).toBe(1);
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * The retransmission rings' copies of lent messages (relay/server/source-ring.ts `pushCopy`, slabs
 * pooled by relay/server/copy-slabs.ts): whatever mix of lent and fresh chunks, sources, sizes, restarts
 * and evictions, a ring answers exactly the bytes that were pushed, after the lent array was rewritten —
 * so no slab goes back to the pool while a ring still reads it, and no copy lands in a slab another ring
 * took meanwhile.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COPY_SLAB_BYTES, CopySlabs } from "../../relay/server/copy-slabs.ts";
import { RingStore } from "../../relay/server/ring-store.ts";
import { SourceRing } from "../../relay/server/source-ring.ts";

/** Byte `i` of message `seq` of `source`: a pattern no other message repeats at the same place. */
function byteOf(source: number, seq: number, i: number): number {
  return (source * 131 + seq * 31 + i * 7 + ((seq * i) >>> 3)) & 0xff;
}

function messageBytes(source: number, seq: number, len: number): Uint8Array {
  const m = new Uint8Array(len);
  for (let i = 0; i < len; i++) m[i] = byteOf(source, seq, i);
  return m;
}

const message = fc.record({ source: fc.integer({ min: 1, max: 3 }), len: fc.integer({ min: 20, max: 1500 }) });
// Enough bytes a run that full-size slabs are filled, evicted and taken from the pool again.
const messages = fc.array(message, { minLength: 5, maxLength: 60 });
const step = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("chunk" as const), lent: fc.boolean(), messages }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), source: fc.integer({ min: 1, max: 3 }) }) },
);

describe("retransmission rings over lent chunks", () => {
  it("answer exactly what was pushed, whatever the mix of lent and fresh chunks, restarts and evictions", () => {
    let reused = 0;
    fc.assert(fc.property(fc.array(step, { minLength: 40, maxLength: 120 }), (steps) => {
      // 160 KiB a source (full-size 32 KiB slabs, pooled), 384 KiB in all: budget evictions across sources.
      const store = new RingStore({ bytesPerSource: 160 * 1024, bytesTotal: 384 * 1024 });
      const lentArray = new Uint8Array(128 * 1024);
      const last = [0, 0, 0, 0];
      const lens = new Map<string, number>();
      /** Every ring answers exactly what was pushed of what it holds, the newest message always held. */
      const check = (): void => {
        for (let source = 1; source <= 3; source++) {
          const ring = store.get(source);
          if (last[source] === 0 || ring === undefined) continue;
          const r = ring.collect(1n, BigInt(last[source]!), BigInt(last[source]!));
          const missing = new Set<number>();
          for (const [a, b] of r.missing) for (let q = Number(a); q <= Number(b); q++) missing.add(q);
          let p = 0;
          for (let seq = 1; seq <= last[source]!; seq++) {
            if (missing.has(seq)) continue;
            const len = lens.get(`${source}:${seq}`)!;
            for (let i = 0; i < len; i++) {
              if (r.bytes[p + i] !== byteOf(source, seq, i)) throw new Error(`source ${source} seq ${seq}: byte ${i} is ${r.bytes[p + i]}, pushed ${byteOf(source, seq, i)}`);
            }
            p += len;
          }
          expect(p).toBe(r.bytes.length);
          // What is held is the newest stretch: the last message is always there.
          expect(missing.has(last[source]!)).toBe(false);
        }
      };
      for (const s of steps) {
        if (s.kind === "restart") {
          store.clear(s.source);
          last[s.source] = 0;
          continue;
        }
        const src = s.lent ? lentArray : new Uint8Array(s.messages.reduce((n, m) => n + m.len, 0));
        let at = 0;
        for (const m of s.messages) {
          const seq = ++last[m.source]!;
          lens.set(`${m.source}:${seq}`, m.len);
          src.set(messageBytes(m.source, seq, m.len), at);
          const ring = store.touch(m.source);
          if (s.lent) ring.pushCopy(src, at, m.len, 0, seq);
          else ring.push(src.buffer, at, m.len, 0, seq);
          if (store.overBudget) store.enforceBudget(m.source);
          at += m.len;
        }
        store.flushCopies();
        if (s.lent) lentArray.fill(0xee);
        check();
      }
      reused += store.copySlabs.reuses;
    }), { numRuns: 40, endOnFailure: true });
    // The runs did take slabs back from the pool (else this would prove nothing about reuse).
    expect(reused).toBeGreaterThan(100);
  });

  it("reuses full-size slabs: one source streaming through its ring allocates none once warm", () => {
    const slabs = new CopySlabs(8);
    const ring = new SourceRing(256 * 1024, undefined, slabs);
    const src = new Uint8Array(COPY_SLAB_BYTES);
    let seq = 0;
    const pushChunk = (): void => {
      for (let at = 0; at + 74 <= src.length; at += 74) ring.pushCopy(src, at, 74, 0, ++seq);
      ring.flushCopies();
    };
    for (let i = 0; i < 20; i++) pushChunk();
    const before = slabs.reuses;
    for (let i = 0; i < 100; i++) pushChunk();
    // ~100 slabs' worth went through; each new slab came from the pool.
    expect(slabs.reuses - before).toBeGreaterThanOrEqual(95);
    expect(ring.pinnedBytes).toBeLessThanOrEqual(256 * 1024);
  });

  it("a ring emptied by clear() starts a new slab: the one it gave back may be another's by then", () => {
    const slabs = new CopySlabs(8);
    const ring = new SourceRing(1 << 20, undefined, slabs);
    const src = new Uint8Array(74);
    let seq = 0;
    const push = (): void => {
      src.fill(++seq & 0xff);
      ring.pushCopy(src, 0, 74, 0, seq);
      ring.flushCopies();
    };
    for (let i = 0; i < 500; i++) push(); // slabs of 1, 2, 4, 8, 16 KiB, then a full-size one
    ring.clear();
    expect(slabs.size).toBe(1);
    const another = slabs.take(COPY_SLAB_BYTES);
    for (let i = 0; i < 3; i++) push();
    another.fill(0xdd);
    const r = ring.collect(BigInt(seq - 2), BigInt(seq), BigInt(seq));
    expect(r.count).toBe(3);
    expect([...r.bytes]).toEqual([...new Array(74).fill((seq - 2) & 0xff), ...new Array(74).fill((seq - 1) & 0xff), ...new Array(74).fill(seq & 0xff)]);
  });

  it("collect makes the copies still pending (a request in the same chunk as the messages it asks for)", () => {
    const ring = new SourceRing(1 << 20, undefined, new CopySlabs());
    const src = new Uint8Array(3 * 74);
    for (let i = 0; i < 3; i++) src.fill(i + 1, i * 74, (i + 1) * 74);
    for (let i = 0; i < 3; i++) ring.pushCopy(src, i * 74, 74, 0, i + 1);
    expect([...ring.collect(1n, 3n, 3n).bytes]).toEqual([...src]);
  });
});

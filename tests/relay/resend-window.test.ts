import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ResendWindow } from "../../relay/client/resend-window.ts";

/** Concatenates chunks. */
function concat(chunks: readonly Uint8Array[]): number[] {
  return chunks.flatMap((c) => [...c]);
}

describe("ResendWindow", () => {
  it("holds a suffix of what was written, at least `limit` bytes of it, as one segment per buffer (property)", () => {
    fc.assert(fc.property(
      // Writes: [bytes, new buffer?]. Each buffer is written front to back, as the client's batch is.
      fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 4000 }),
      (writes, limit) => {
        const w = new ResendWindow(limit);
        const written: number[] = [];
        let buf = new Uint8Array(0);
        let pos = 0;
        let buffers = 0;
        for (const [n, fresh] of writes) {
          if (fresh || pos + n > buf.length) {
            buf = new Uint8Array(Math.max(1024, n));
            pos = 0;
            buffers++;
          }
          for (let i = 0; i < n; i++) buf[pos + i] = (written.length + i) & 0xff;
          const chunk = buf.subarray(pos, pos + n);
          pos += n;
          w.add(chunk);
          for (const b of chunk) written.push(b);
        }
        expect(w.segments).toBeLessThanOrEqual(buffers);
        const held = w.bytes;
        const all = w.takeAll();
        const got = concat(all);
        expect(got.length).toBe(held);
        expect(got).toEqual(written.slice(written.length - got.length));
        expect(got.length).toBeGreaterThanOrEqual(Math.min(limit, written.length));
        expect(w.bytes).toBe(0);
        expect(w.segments).toBe(0);
      },
    ), { numRuns: 300 });
  });

  it("keeps one segment for a buffer written one message at a time", () => {
    const w = new ResendWindow(1 << 20);
    const batch = new Uint8Array(256 * 1024);
    for (let p = 0; p + 80 <= batch.length; p += 80) w.add(batch.subarray(p, p + 80));
    expect(w.segments).toBe(1);
    expect(w.bytes).toBe(Math.floor(batch.length / 80) * 80);
  });

  it("forgets the oldest segments beyond the bound, never the newest", () => {
    const w = new ResendWindow(1000);
    const a = new Uint8Array(800).fill(1);
    const b = new Uint8Array(800).fill(2);
    const c = new Uint8Array(300).fill(3);
    w.add(a);
    w.add(b);
    expect(w.segments).toBe(2); // b alone is under the bound: a stays
    w.add(c);
    expect(w.segments).toBe(2); // b + c hold 1100 ≥ 1000: a goes
    expect(concat(w.takeAll())).toEqual([...b, ...c]);
  });
});

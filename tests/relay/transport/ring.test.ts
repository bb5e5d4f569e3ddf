/**
 * The shared-memory byte ring (relay/transport/ring.ts) in one thread: every byte comes out once, in
 * order, whatever the write sizes, read sizes and interleavings, across the wrap-around at every offset;
 * chunks handed out are never rewritten; a closed producer leaves whole batches only.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRingBuffer, RingReader, RingSizeError, RingState, RingWriter, ringWakeStats } from "../../../relay/transport/ring.ts";

function pattern(start: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (start + i * 7) & 0xff;
  return b;
}

describe("ring", () => {
  it("refuses sizes that are not a power of two in range", () => {
    for (const bad of [0, 63, 100, 3000, 2 ** 31]) expect(() => createRingBuffer(bad)).toThrow(RingSizeError);
    expect(createRingBuffer(64).byteLength).toBe(256 + 64);
  });

  it("carries a batch straddling the end at every offset, as a fresh copy", () => {
    const cap = 64;
    for (let offset = 0; offset < cap; offset++) {
      for (const size of [1, 17, 63, 64]) {
        const buf = createRingBuffer(cap);
        const w = new RingWriter(buf);
        const r = new RingReader(buf);
        if (offset > 0) {
          expect(w.writeBatch([pattern(0, offset)], offset)).toBe(true);
          expect(r.take(cap).length).toBe(offset);
        }
        const msg = pattern(offset, size);
        expect(w.writeBatch([msg.subarray(0, size >> 1), msg.subarray(size >> 1)], size)).toBe(true);
        const got = r.take(cap);
        expect(Array.from(got)).toEqual(Array.from(msg));
        // Overwrite the whole ring: the chunk handed out must not change.
        expect(w.writeBatch([new Uint8Array(cap).fill(0xee)], cap)).toBe(true);
        expect(Array.from(got)).toEqual(Array.from(msg));
      }
    }
  });

  it("never accepts a batch larger than its free space, and never loses one it accepted", () => {
    const buf = createRingBuffer(64);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    expect(w.writeBatch([pattern(0, 40)], 40)).toBe(true);
    expect(w.writeBatch([pattern(40, 30)], 30)).toBe(false);
    expect(w.free()).toBe(24);
    expect(w.writeSome(pattern(40, 30))).toBe(24);
    expect(w.free()).toBe(0);
    expect(Array.from(r.take(1000))).toEqual([...pattern(0, 40), ...pattern(40, 24)]);
  });

  it("property: random batches and reads at random moments come out whole and in order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(64, 128, 256, 1024),
        fc.array(fc.record({ sizes: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 4 }), readMax: fc.integer({ min: 1, max: 2048 }), readFirst: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        (cap, steps) => {
          const buf = createRingBuffer(cap);
          const w = new RingWriter(buf);
          const r = new RingReader(buf);
          const sent: number[] = [];
          const received: Uint8Array[] = [];
          const pending: Uint8Array[][] = [];
          let counter = 0;
          const drainSome = (max: number): void => {
            const c = r.take(max);
            if (c.length > 0) received.push(c);
          };
          for (const s of steps) {
            if (s.readFirst) drainSome(s.readMax);
            const batch = s.sizes.map((n) => pattern(counter++, Math.min(n, cap / 4)));
            pending.push(batch);
            // Write queued batches in order while they fit (as the connection does).
            while (pending.length > 0) {
              const b = pending[0]!;
              const bytes = b.reduce((a, c) => a + c.length, 0);
              if (!w.writeBatch(b, bytes)) break;
              for (const c of b) sent.push(...c);
              pending.shift();
            }
            if (!s.readFirst) drainSome(s.readMax);
            expect(r.available()).toBe(w.capacity - w.free());
          }
          while (pending.length > 0 || r.available() > 0) {
            drainSome(cap);
            const b = pending[0];
            if (b && w.writeBatch(b, b.reduce((a, c) => a + c.length, 0))) {
              for (const c of b) sent.push(...c);
              pending.shift();
            }
          }
          const flat = received.flatMap((c) => Array.from(c));
          expect(flat).toEqual(sent);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a closed producer leaves exactly what it published, and the reader sees the close", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), fc.boolean(), (sizes, abort) => {
        const buf = createRingBuffer(256);
        const w = new RingWriter(buf);
        const r = new RingReader(buf);
        const published: number[] = [];
        let k = 0;
        for (const n of sizes) {
          const m = pattern(k++, n);
          if (w.writeBatch([m], n)) published.push(...m);
        }
        w.close(abort);
        expect(r.state() & (abort ? RingState.WriterAborted : RingState.WriterClosed)).not.toBe(0);
        expect(Array.from(r.take(1 << 20))).toEqual(published);
        expect(r.available()).toBe(0);
        expect(r.waitForData()).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it("a parked reader is woken by a publish, a parked writer by a read", async () => {
    const buf = createRingBuffer(64);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    // Parked (the wait is registered when waitForData returns): the publish must wake it, not its timeout.
    const parked = r.waitForData();
    expect(parked).toBeDefined();
    w.writeBatch([pattern(1, 5)], 5);
    expect(await parked).toBe("ok");
    expect(r.available()).toBe(5);
    expect(w.writeBatch([pattern(0, 59)], 59)).toBe(true);
    const space = w.waitForSpace(10);
    expect(space).toBeDefined();
    r.take(10);
    expect(await space).toBe("ok");
    expect(w.free()).toBe(10);
  });

  it("rings a parked side's bell once per park, however many batches arrive before it wakes", async () => {
    const buf = createRingBuffer(1024);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    for (let park = 1; park <= 3; park++) {
      const before = ringWakeStats.bellsRung;
      const parked = r.waitForData();
      expect(parked).toBeDefined();
      // The reader's wake-up runs only after this synchronous burst: each batch finds it still parked.
      for (let i = 0; i < 20; i++) expect(w.writeBatch([pattern(i, 8)], 8)).toBe(true);
      expect(ringWakeStats.bellsRung - before).toBe(1);
      expect(await parked).toBe("ok");
      expect(r.take(1024).length).toBe(160);
      // Awake and running: publishing rings no bell at all.
      expect(w.writeBatch([pattern(0, 8)], 8)).toBe(true);
      expect(ringWakeStats.bellsRung - before).toBe(1);
      r.take(1024);
    }
  });

  it("a parked side with nothing to do looks again by itself, sooner while it was busy", async () => {
    const buf = createRingBuffer(64);
    const r = new RingReader(buf);
    // Nothing is published: each wait ends by its timeout, and each timeout is longer than the last.
    const took: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      expect(await r.waitForData()).toBe("timed-out");
      took.push(performance.now() - t0);
    }
    expect(took.reduce((a, b) => a + b, 0)).toBeLessThan(30_000);
    expect(took[3]!).toBeGreaterThanOrEqual(7);
  });
});

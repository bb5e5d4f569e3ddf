/**
 * The relay-wide ring budget: chunks kept for retransmission are counted once however many sources'
 * rings reference them (plus each ring's index structures), the total stays under the budget by evicting the least recently written sources'
 * oldest messages, and what was evicted is answered with Gap reason 1 over a real socket.
 */

import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GapReason, HeaderOffset, RelayDomain } from "../../protocol/mod.ts";
import { encodeRetransmitRequest, readGap } from "../../relay/wire/control.ts";
import { RelayMetrics } from "../../relay/server/metrics.ts";
import { CHUNK_OVERHEAD_BYTES, RingStore } from "../../relay/server/ring-store.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { firstType, headerOf, rawPeer, Role, startTestRelay, tempDir, TradeSource, until, type RawPeer } from "./helpers.ts";

/** A received chunk of `size` bytes (its contents do not matter to the store). */
function chunkOf(size: number): ArrayBuffer {
  return new ArrayBuffer(size);
}

describe("RingStore", () => {
  it("counts a chunk shared by many sources once, and frees it when the last entry goes", () => {
    const store = new RingStore({ bytesPerSource: 1 << 20, bytesTotal: 4 << 20 });
    const chunk = chunkOf(65536);
    for (let s = 0; s < 800; s++) store.push(s, chunk, s * 74, 74, 0, 1);
    expect(store.chunkBytes).toBe(65536);
    expect(store.bytes).toBe(65536 + CHUNK_OVERHEAD_BYTES + 800 * store.get(0)!.indexBytes);
    expect(store.sources).toBe(800);
    for (let s = 0; s < 799; s++) store.clear(s);
    expect(store.chunkBytes).toBe(65536); // still pinned by the one message left
    store.clear(799);
    expect(store.bytes).toBe(0);
    expect(store.chunkBytes).toBe(0);
    expect(store.sources).toBe(0);
  });

  it("counts a big chunk kept by one small message at its whole size", () => {
    const store = new RingStore({ bytesPerSource: 1 << 20, bytesTotal: 1 << 20 });
    store.push(1, chunkOf(65536), 100, 74, 0, 1);
    expect(store.chunkBytes).toBe(65536);
    expect(store.bytes).toBe(65536 + CHUNK_OVERHEAD_BYTES + store.get(1)!.indexBytes);
  });

  it("evicts the least recently written sources first, keeps the newest message, stays under budget (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ source: fc.integer({ min: 0, max: 40 }), size: fc.constantFrom(74, 4096, 65536), shared: fc.boolean() }), { minLength: 1, maxLength: 400 }),
        (writes) => {
          const metrics = new RelayMetrics("test");
          const budget = 256 * 1024;
          const store = new RingStore({ bytesPerSource: 128 * 1024, bytesTotal: budget, metrics });
          const seq = new Map<number, number>();
          let shared = chunkOf(65536);
          let sharedUsed = 0;
          let largest = 0;
          for (const w of writes) {
            let buf: ArrayBuffer;
            let at = 0;
            if (w.shared) {
              if (sharedUsed + 74 > 65536) {
                shared = chunkOf(65536);
                sharedUsed = 0;
              }
              buf = shared;
              at = sharedUsed;
              sharedUsed += 74;
            } else {
              buf = chunkOf(w.size);
            }
            largest = Math.max(largest, buf.byteLength);
            const n = (seq.get(w.source) ?? 0) + 1;
            seq.set(w.source, n);
            store.push(w.source, buf, at, 74, 0, n);
            // Over the budget only while the newest source alone holds more than it (its last message).
            if (store.bytes > budget) expect(store.sources).toBe(1);
            expect(store.get(w.source)!.size).toBeGreaterThanOrEqual(1);
            const newest = store.get(w.source)!.collect(BigInt(n), BigInt(n), BigInt(n));
            expect(newest.count).toBe(1);
            expect(metrics.ringBytes).toBe(store.bytes);
            expect(metrics.ringSources).toBe(store.sources);
          }
          for (const s of seq.keys()) store.clear(s);
          expect(store.bytes).toBe(0);
          expect(store.chunkBytes).toBe(0);
          expect(store.sources).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("evicts the least recently written source, not the busiest", () => {
    const store = new RingStore({ bytesPerSource: 1 << 20, bytesTotal: 64 * 1024 * 3 + 8192 });
    store.push(1, chunkOf(65536), 0, 74, 0, 1); // source 1: written once, long ago
    store.push(2, chunkOf(65536), 0, 74, 0, 1);
    store.push(2, chunkOf(65536), 0, 74, 0, 2);
    store.push(2, chunkOf(65536), 0, 74, 0, 3); // over budget: source 1 goes first
    expect(store.get(1)).toBeUndefined();
    expect(store.get(2)!.size).toBe(3);
    expect(store.budgetEvictions).toBe(1);
  });
});

describe("relay-wide ring budget over a socket", () => {
  let env: ReturnType<typeof tempDir>;
  let server: RelayServer;
  const peers: RawPeer[] = [];
  const BUDGET = 256 * 1024;

  beforeEach(async () => {
    env = tempDir();
    server = await startTestRelay(env.dir, { ringBytesTotal: BUDGET });
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.conn.close(true);
    await server.close();
    env.cleanup();
  });

  it("keeps 10 000 one-message sources within the budget and answers an evicted one with Gap reason 1", async () => {
    const pub = await rawPeer(server.socketPath, { serviceId: 7, role: Role.Publisher });
    const sub = await rawPeer(server.socketPath, { serviceId: 60, role: Role.Subscriber });
    peers.push(pub, sub);
    await until(() => server.relay.metrics.publishers === 1 && server.relay.metrics.subscribers === 1);
    const SOURCES = 10_000;
    let batch: Uint8Array[] = [];
    for (let s = 1000; s < 1000 + SOURCES; s++) {
      batch.push(new TradeSource(s).next().slice());
      if (batch.length === 250) {
        pub.conn.write(batch);
        batch = [];
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    if (batch.length > 0) pub.conn.write(batch);
    await until(() => sub.messages.length === SOURCES, 10_000, "every message forwarded");
    const m = server.relay.metrics;
    expect(m.ringBytes).toBeGreaterThan(0);
    expect(m.ringBytes).toBeLessThanOrEqual(BUDGET);
    expect(m.ringBudgetEvictions).toBeGreaterThan(0);
    expect(m.ringSources).toBeLessThan(SOURCES);
    expect(m.snapshot().ringBytes).toBe(m.ringBytes);

    // The first source was evicted: asking for it gives a Gap (reason 1); the newest is still held.
    sub.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 60, 1000, 1n, 1n)]);
    sub.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 60, 1000 + SOURCES - 1, 1n, 1n)]);
    await until(() => sub.messages.length === SOURCES + 2);
    const [a, b] = sub.messages.slice(SOURCES);
    const gap = readGap(a!, 0)!;
    expect(gap).toEqual({ source: 1000, reason: GapReason.Evicted, from: 1n, to: 1n });
    expect(firstType(b!)).toBe(1);
    expect(headerOf(b!)).toMatchObject({ source: 1000 + SOURCES - 1, sequence: 1n });
    expect(new DataView(b!.buffer, b!.byteOffset).getUint16(HeaderOffset.source, true)).toBe(1000 + SOURCES - 1);
  });
});

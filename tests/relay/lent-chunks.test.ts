/**
 * Lent reads (relay/transport/types.ts `acceptsLent`): the ring transport reads into one reused array
 * for handlers that copy what they keep. What must hold: the relay keeps exact copies for retransmission
 * and for subscribers that wait (a paused Unix-socket subscriber, whose socket may hold what it is
 * given; a paused ring subscriber), the ring connection's writes never hold the caller's arrays, and a
 * client with `lentMessages` copies what it queues for its iterator. Each check reads messages after the
 * lent array was rewritten by many later reads, so a missing copy shows as wrong sequences or checksums.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RelayDomain, validateMessage } from "../../protocol/mod.ts";
import { RingConnection } from "../../relay/transport/ring-connection.ts";
import { createRingBuffer } from "../../relay/transport/ring.ts";
import { encodeRetransmitRequest } from "../../relay/wire/control.ts";
import { headerOf, rawPeer, Role, TradeSource, until } from "./helpers.ts";
import { startCase, TRANSPORT_CASES, type RelayFixture } from "./transports.ts";

const RING_CASE = TRANSPORT_CASES.find((c) => c.name === "ring")!;
const fixtures: RelayFixture[] = [];

afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

/** True when `m` is a whole valid message (checksum included) with sequence `seq`. */
function intact(m: Uint8Array, seq: bigint): boolean {
  return validateMessage(m, 0, m.length, { verifyChecksum: true }) === undefined && headerOf(m).sequence === seq;
}

/** `n` Trades of source 1 published over the ring in batches of `batch`, each flushed (many ring reads). */
async function publishOverRing(f: RelayFixture, n: number, batch = 200): Promise<void> {
  const pub = await f.client(1, Role.Publisher);
  const src = new TradeSource(1);
  for (let sent = 0; sent < n;) {
    for (let i = 0; i < batch && sent < n; i++) pub.publish(src.next(sent++));
    await pub.flush();
  }
  await until(() => f.server.relay.metrics.messagesIn >= n + 1, 30_000, "relay to take everything");
  await pub.close();
}

describe("lent reads on the ring transport", () => {
  it("lends one reused array to handlers that accept it, and fresh memory to the others", async () => {
    const a = createRingBuffer(1 << 16);
    const b = createRingBuffer(1 << 16);
    const writer = new RingConnection("ring:w", a, b, undefined);
    const lending = new RingConnection("ring:r", b, a, undefined);
    const seen: { buffer: ArrayBufferLike; first: number; lent: boolean | undefined }[] = [];
    lending.setHandlers({ acceptsLent: true, data: (c, lent) => seen.push({ buffer: c.buffer, first: c[0]!, lent }), close: () => {} });
    writer.setHandlers({ data: () => {}, close: () => {} });
    for (let i = 1; i <= 3; i++) {
      writer.write([new Uint8Array(100).fill(i)]);
      await until(() => seen.length >= i, 5000, `read ${i}`);
    }
    expect(seen.map((s) => s.lent)).toEqual([true, true, true]);
    expect(seen.map((s) => s.first)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.buffer)).size).toBe(1);

    const fresh: { lent: boolean | undefined; bytes: Uint8Array }[] = [];
    writer.setHandlers({ data: (c, lent) => fresh.push({ lent, bytes: c }), close: () => {} });
    for (let i = 1; i <= 3; i++) {
      lending.write([new Uint8Array(20_000).fill(i)]);
      await until(() => fresh.reduce((n, f) => n + f.bytes.length, 0) >= 20_000 * i, 5000, `fresh read ${i}`);
    }
    expect(fresh.every((f) => f.lent === undefined)).toBe(true);
    // Every kept chunk still holds what was read into it: fresh memory is never written again.
    const all = fresh.flatMap((f) => [...f.bytes]);
    expect(all.length).toBe(60_000);
    expect(all.every((x, i) => x === Math.floor(i / 20_000) + 1)).toBe(true);
    writer.close(true);
    lending.close(true);
  });

  it("a write that has to wait is copied: the caller may reuse its array at once", async () => {
    const a = createRingBuffer(1 << 12);
    const b = createRingBuffer(1 << 12);
    const writer = new RingConnection("ring:w", a, b, undefined);
    const reader = new RingConnection("ring:r", b, a, undefined);
    expect(writer.copiesWrites).toBe(true);
    writer.setHandlers({ data: () => {}, close: () => {} });
    const buf = new Uint8Array(3000);
    writer.write([buf.fill(1)]);
    writer.write([buf.fill(2)]); // the ring (4 KiB) is full: this batch waits
    expect(writer.pendingBytes).toBe(3000);
    buf.fill(9);
    const got: number[] = [];
    reader.setHandlers({ data: (c) => got.push(...c), close: () => {} });
    await until(() => got.length >= 6000, 5000, "both batches");
    expect(got.slice(0, 3000).every((x) => x === 1)).toBe(true);
    expect(got.slice(3000).every((x) => x === 2)).toBe(true);
    writer.close(true);
    reader.close(true);
  });
});

describe("the relay over lent ring reads", () => {
  async function start(): Promise<RelayFixture> {
    const f = await startCase(RING_CASE, { subscriberQueueBytes: 64 << 20, writeWindowBytes: 4096, overflowDisconnectMs: 60_000 });
    fixtures.push(f);
    return f;
  }

  it("keeps exact copies for waiting subscribers on a Unix socket and on a ring, and for retransmission", async () => {
    const f = await start();
    const unixSub = await rawPeer(f.server.socketPath, { serviceId: 62, role: Role.Subscriber, domain: RelayDomain.MarketData });
    const ringSub = await f.raw({ serviceId: 63, role: Role.Subscriber }, 64 * 1024);
    unixSub.conn.pause();
    ringSub.conn.pause();
    await until(() => f.server.relay.metrics.subscribers === 2, 10_000, "subscribers");
    const N = 20_000; // ~1.5 MB through one 32 KiB lent array
    await publishOverRing(f, N);
    unixSub.conn.resume();
    ringSub.conn.resume();
    for (const [name, sub] of [["unix", unixSub], ["ring", ringSub]] as const) {
      await until(() => sub.messages.length >= N, 30_000, `${name} subscriber: all ${N}`).catch((e: Error) => {
        throw new Error(`${e.message}: got ${sub.messages.length}`);
      });
      const bad = sub.messages.findIndex((m, i) => !intact(m, BigInt(i + 1)));
      expect(bad, `${name} subscriber: first damaged message`).toBe(-1);
    }
    expect(f.server.relay.metrics.drops.slowConsumer).toBe(0);
    // The oldest held messages were copied out of the lent array hundreds of reads ago.
    const asker = await rawPeer(f.server.socketPath, { serviceId: 64, role: Role.Subscriber, domain: RelayDomain.MarketData });
    asker.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 64, 1, 1n, 500n)]);
    asker.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 64, 1, 10_001n, 10_500n)]);
    await until(() => asker.messages.length >= 1000, 10_000, "retransmissions");
    const want = [...Array.from({ length: 500 }, (_, i) => BigInt(i + 1)), ...Array.from({ length: 500 }, (_, i) => BigInt(10_001 + i))];
    expect(asker.messages.findIndex((m, i) => !intact(m, want[i]!))).toBe(-1);
    for (const p of [unixSub, ringSub, asker]) p.conn.close();
  }, 90_000);

  it("a client with lentMessages queues copies for its iterator", async () => {
    const f = await start();
    const sub = await f.client(65, Role.Subscriber, { lentMessages: true });
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const N = 5_000;
    await publishOverRing(f, N);
    const it = sub.subscribe();
    const got: Uint8Array[] = [];
    while (got.length < N) got.push((await it.next()).value as Uint8Array);
    expect(got.findIndex((m, i) => !intact(m, BigInt(i + 1)))).toBe(-1);
    await sub.close();
  }, 60_000);
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GapReason, RelayDomain, TlvType } from "../../protocol/mod.ts";
import { encodeRetransmitRequest } from "../../relay/wire/control.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, firstType, headerOf, rawPeer, Role, sleep, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

let env: { dir: string; cleanup: () => void };
let server: RelayServer | undefined;

beforeEach(() => {
  env = tempDir();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  env.cleanup();
});

function gapOf(m: Uint8Array): { source: number; reason: number; from: bigint; to: bigint } {
  const dv = new DataView(m.buffer, m.byteOffset + 34);
  return { source: dv.getUint16(0, true), reason: dv.getUint8(2), from: dv.getBigUint64(8, true), to: dv.getBigUint64(16, true) };
}

async function publishRaw(socketPath: string, source: number, n: number): Promise<void> {
  const pub = await rawPeer(socketPath, { serviceId: source, role: Role.Publisher });
  const src = new TradeSource(source);
  pub.conn.write(Array.from({ length: n }, (_, i) => src.next(i + 1).slice()));
  await sleep(50);
  pub.conn.close();
}

describe("retransmission", () => {
  it("answers with Gap (reason 1) for what it never had and what the ring evicted", async () => {
    server = await startTestRelay(env.dir, { ringBytesPerSource: 1024 });
    await publishRaw(server.socketPath, 4, 200);
    await until(() => server!.relay.metrics.messagesIn >= 201, 3000, "messages in");
    const sub = await rawPeer(server.socketPath, { serviceId: 65, role: Role.Subscriber });
    sub.conn.write([
      encodeRetransmitRequest(RelayDomain.MarketData, 65, 4, 1n, 200n),
      encodeRetransmitRequest(RelayDomain.MarketData, 65, 77, 1n, 5n), // a source never seen: nothing to send
    ]);
    await until(() => sub.messages.length >= 2, 3000, "answer");
    await sleep(100);
    const [first, ...rest] = sub.messages;
    expect(firstType(first!)).toBe(TlvType.Gap);
    const gap = gapOf(first!);
    expect(gap).toMatchObject({ source: 4, reason: GapReason.Evicted, from: 1n });
    expect(gap.to).toBeGreaterThan(1n);
    expect(gap.to).toBeLessThan(200n);
    // Then the held tail, contiguous up to the last one.
    expect(rest.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: Number(200n - gap.to) }, (_, i) => gap.to + 1n + BigInt(i)));
    sub.conn.close();
  });

  it("the client requests a gap by itself and delivers in order", async () => {
    server = await startTestRelay(env.dir);
    const sub = await client(server.socketPath, 66, Role.Subscriber);
    const col = collector(sub);
    const pub = await rawPeer(server.socketPath, { serviceId: 5, role: Role.Publisher });
    await until(() => server!.relay.metrics.subscribers === 1, 2000, "subscriber");
    const src = new TradeSource(5);
    const msgs = Array.from({ length: 30 }, (_, i) => src.next(i + 1).slice());
    // 1–10 arrive live; then the consumer resumes from 5 (as a restarted one would, from its persisted
    // position) while 11–30 keep coming: 5–10 are sent again, then 11–30, in order.
    pub.conn.write(msgs.slice(0, 10));
    await col.waitFor(10);
    sub.resumeFrom(5, 5n);
    pub.conn.write(msgs.slice(10));
    await col.waitFor(10 + 6 + 20);
    await sleep(100);
    const seqs = col.messages.map((m) => headerOf(m).sequence);
    expect(seqs).toEqual([
      ...Array.from({ length: 10 }, (_, i) => BigInt(i + 1)),
      ...Array.from({ length: 26 }, (_, i) => BigInt(i + 5)),
    ]);
    expect(sub.stats.retransmitRequests).toBe(1);
    expect(sub.stats.lost).toBe(0);
    pub.conn.close();
    await sub.close();
  });

  it("a resume from an evicted position yields a Gap then the held messages", async () => {
    server = await startTestRelay(env.dir, { ringBytesPerSource: 1024 });
    await publishRaw(server.socketPath, 6, 100);
    await until(() => server!.relay.metrics.messagesIn >= 101, 3000, "messages in");
    const sub = await client(server.socketPath, 67, Role.Subscriber);
    const col = collector(sub);
    sub.resumeFrom(6, 1n);
    await until(() => col.messages.length > 0 && headerOf(col.messages.at(-1)!).sequence === 100n && firstType(col.messages.at(-1)!) === TlvType.Trade, 3000, "tail");
    const [gap, ...rest] = col.messages;
    expect(firstType(gap!)).toBe(TlvType.Gap);
    const g = gapOf(gap!);
    expect(rest.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: Number(100n - g.to) }, (_, i) => g.to + 1n + BigInt(i)));
    expect(sub.stats.lost).toBe(Number(g.to));
    await sub.close();
  });
});

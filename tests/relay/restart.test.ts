import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TlvType } from "../../protocol/mod.ts";
import { client, collector, firstType, headerOf, Role, sleep, spawnRelay, steadyPublisher, tempDir, TradeSource, until, type RelayProcess } from "./helpers.ts";

let env: { dir: string; cleanup: () => void };
let relay: RelayProcess | undefined;

beforeEach(() => {
  env = tempDir();
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  env.cleanup();
});

describe("relay restart", () => {
  it("kill -9 mid-stream and restart: zero loss for a publisher whose outage fits its buffer", async () => {
    const socketPath = `${env.dir}/md.sock`;
    relay = await spawnRelay(socketPath);
    const sub = await client(socketPath, 61, Role.Subscriber, { reconnect: { initialMs: 20, maxMs: 100 } });
    const col = collector(sub);
    const pub = await client(socketPath, 1, Role.Publisher, { reconnect: { initialMs: 20, maxMs: 100 } });
    await sleep(100);
    const steady = steadyPublisher(pub, new TradeSource(1));
    await steady.publishFor(400);
    await relay.kill9();
    // Both clients notice the relay is gone (the kernel closes its sockets with the process).
    await until(() => !pub.connected && !sub.connected, 15_000, "both clients to see the relay gone");
    // The publisher keeps going while the relay is away; its messages wait in its buffer.
    await steady.publishFor(300);
    expect(pub.connected).toBe(false);
    relay = await spawnRelay(socketPath);
    await steady.publishFor(300);
    await pub.flush();
    await until(() => {
      const last = col.messages.at(-1);
      return last !== undefined && firstType(last) === TlvType.Trade && headerOf(last).sequence === BigInt(steady.sent);
    }, 15_000, `all ${steady.sent} messages`).catch((e: Error) => {
      const trades = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
      throw new Error(`${e.message}: got ${trades.length}, last ${trades.at(-1)}, sub ${JSON.stringify(sub.stats)}, pub ${JSON.stringify(pub.stats)} ${pub.connected}/${sub.connected}; gaps ${col.messages.filter((m) => firstType(m) !== TlvType.Trade).length}`);
    });
    await sleep(200);
    const seqs = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
    expect(seqs.length).toBe(steady.sent);
    expect(seqs).toEqual(Array.from({ length: steady.sent }, (_, i) => BigInt(i + 1)));
    expect(pub.stats.droppedOutgoing).toBe(0);
    expect(pub.stats.reconnects).toBe(1);
    expect(sub.stats.reconnects).toBe(1);
    expect(sub.stats.lost).toBe(0);
    expect(sub.stats.retransmitRequests).toBeGreaterThanOrEqual(1);
    await Promise.all([sub.close(), pub.close()]);
  }, 60_000);

  it("past its buffer the publisher drops its oldest messages and counts them", async () => {
    const socketPath = `${env.dir}/md2.sock`;
    const pub = await client(socketPath, 1, Role.Publisher, { waitForRelay: false, outBufferBytes: 74 * 100, resendBytes: 0 }).catch((e: Error) => e);
    expect(pub).toBeInstanceOf(Error); // nothing listens yet: the first connect fails loudly
    relay = await spawnRelay(socketPath);
    const p = await client(socketPath, 1, Role.Publisher, { outBufferBytes: 74 * 100, resendBytes: 0, reconnect: { initialMs: 20, maxMs: 50 } });
    await relay.kill9();
    await until(() => !p.connected, 5000, "disconnect noticed");
    const src = new TradeSource(1);
    for (let i = 0; i < 250; i++) p.publish(src.next(i));
    p.flushBatch();
    expect(p.stats.published).toBe(250);
    expect(p.stats.droppedOutgoing).toBe(150);
    expect(p.queuedBytes).toBe(74 * 100);
    relay = await spawnRelay(socketPath);
    const sub = await client(socketPath, 61, Role.Subscriber);
    const col = collector(sub);
    sub.resumeFrom(1, 1n);
    await until(() => p.connected, 5000, "publisher reconnect");
    await p.flush();
    // The 100 newest arrive (after a Gap for the 150 dropped, which the new relay never had).
    await until(() => col.messages.filter((m) => firstType(m) === TlvType.Trade).length === 100, 5000, "the buffered 100");
    const seqs = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(151 + i)));
    await Promise.all([sub.close(), p.close()]);
  }, 60_000);
});

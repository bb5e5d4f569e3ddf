/**
 * Remembered discards: a subscriber whose link breaks with messages still queued for it at the relay
 * gets, when it says Hello again under the same service id, those ranges answered from the rings (Gap
 * reason 1 for what is gone) — also for a source it never saw and that went silent after the cut, which
 * its own resume requests cannot cover. Duplicates with its own resume requests are dropped by sequence.
 */

import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiscardedRanges, DiscardMemory } from "../../relay/server/discard-memory.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, Role, startTestRelay, tempDir, TradeSource, tradeSequencesBySource, unixProxy, until } from "./helpers.ts";

describe("DiscardMemory", () => {
  it("merges ranges per source, hands them out once, forgets them after the time limit", () => {
    const memory = new DiscardMemory({ ttlMs: 1000 });
    const a = new DiscardedRanges();
    a.note(7, 5n, 5n);
    a.note(7, 9n, 9n);
    a.note(8, 1n, 3n);
    memory.remember(61, a, 0);
    const b = new DiscardedRanges();
    b.note(7, 2n, 4n);
    memory.remember(61, b, 500);
    expect(memory.take(61, 600)).toEqual([{ source: 7, from: 2n, to: 9n }, { source: 8, from: 1n, to: 3n }]);
    expect(memory.take(61, 600)).toBeUndefined();
    memory.remember(62, a, 0);
    expect(memory.take(62, 1001)).toBeUndefined();
    memory.remember(63, a, 0);
    memory.expire(2000);
    expect(memory.size).toBe(0);
  });

  it("is bounded in subscribers (oldest forgotten) and in sources per subscriber", () => {
    const memory = new DiscardMemory({ maxSubscribers: 2, maxSources: 2 });
    const r = new DiscardedRanges();
    for (let s = 1; s <= 3; s++) r.note(s, 1n, 1n);
    expect(memory.remember(1, r, 0)).toBe(1);
    memory.remember(2, r, 0);
    memory.remember(3, r, 0);
    expect(memory.size).toBe(2);
    expect(memory.take(1, 0)).toBeUndefined();
    expect(memory.take(3, 0)!.map((x) => x.source)).toEqual([1, 2]);
  });
});

describe("a subscriber cut with a queued backlog", () => {
  let env: ReturnType<typeof tempDir>;
  let server: RelayServer | undefined;
  const clients: RelayClient[] = [];

  beforeEach(() => {
    env = tempDir();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await server?.close();
    env.cleanup();
  });

  /**
   * Source 7 is known to the subscriber; then, with the subscriber's link stalled, source 7 sends a
   * backlog and source 8 (never seen before) its only messages; the link is cut and comes back; nothing
   * more is published. Returns what the subscriber got per source.
   */
  async function scenario(discardMemoryMs: number, ringBytesPerSource?: number): Promise<{ got: Map<number, number[]>; sub: RelayClient; relay: RelayServer }> {
    const relay = (server = await startTestRelay(env.dir, {
      writeWindowBytes: 16 * 1024, discardMemoryMs, overflowDisconnectMs: 60_000, ...(ringBytesPerSource ? { ringBytesPerSource } : {}),
    }));
    const proxyPath = path.join(env.dir, "proxy.sock");
    const proxy = await unixProxy(proxyPath, relay.socketPath);
    const sub = await client(proxyPath, 61, Role.Subscriber, { reconnect: { initialMs: 20, maxMs: 50 } });
    clients.push(sub);
    const got = tradeSequencesBySource(sub);
    const pub = await client(relay.socketPath, 7, Role.Publisher);
    clients.push(pub);
    await until(() => relay.relay.metrics.subscribers === 1 && relay.relay.metrics.publishers === 1);
    const s7 = new TradeSource(7);
    const s8 = new TradeSource(8);
    for (let i = 0; i < 10; i++) pub.publish(s7.next());
    await pub.flush();
    await until(() => (got.get(7)?.length ?? 0) === 10);

    proxy.stall();
    const BACKLOG = 20_000;
    for (let i = 0; i < BACKLOG; i++) {
      pub.publish(s7.next());
      if (i % 1000 === 999) await pub.flush();
    }
    for (let i = 0; i < 10; i++) pub.publish(s8.next());
    await pub.flush();
    const total = 10 + BACKLOG + 10 + 1; // + the subscriber's Hello
    await until(() => relay.relay.metrics.messagesIn >= total + 1, 10_000, "the relay took every message");
    await proxy.drop();
    await until(() => relay.relay.metrics.subscribers === 0);
    expect(relay.relay.metrics.drops.disconnected).toBeGreaterThan(0);
    await proxy.open();
    await until(() => relay.relay.metrics.subscribers === 1);
    const settled = ringBytesPerSource
      ? () => (got.get(7) ?? []).at(-1) === 10 + BACKLOG && (got.get(8) ?? []).at(-1) === 10
      : () => (got.get(7)?.length ?? 0) >= 10 + BACKLOG && (discardMemoryMs === 0 || (got.get(8)?.length ?? 0) >= 10);
    await until(settled, 10_000, "the backlog is recovered");
    await new Promise((r) => setTimeout(r, 100)); // anything more (duplicates) would show now
    await proxy.drop();
    return { got, sub, relay };
  }

  it("gets the discarded ranges answered on its next Hello, also of a source it never saw that went silent", async () => {
    const { got, sub, relay } = await scenario(60_000);
    expect(got.get(7)).toEqual(Array.from({ length: 20_010 }, (_, i) => i + 1));
    expect(got.get(8)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(relay.relay.metrics.recalledRanges).toBeGreaterThanOrEqual(2);
    // Source 7 was asked for by the client's own resume too: the overlap arrived twice, delivered once.
    expect(sub.stats.duplicates).toBeGreaterThan(0);
    expect(sub.stats.lost).toBe(0);
    expect(sub.stats.reconnects).toBe(1);
  });

  it("learns of what the rings no longer hold as lost (Gap reason 1): every message delivered or counted", async () => {
    const { got, sub } = await scenario(60_000, 1024);
    const g7 = got.get(7)!;
    const g8 = got.get(8)!;
    // In order without repeats, ending with each source's last message; the rest is reported lost.
    for (const g of [g7, g8]) expect(g.every((v, i) => i === 0 || v > g[i - 1]!)).toBe(true);
    expect(g8.length).toBeLessThan(10);
    expect(sub.stats.lost).toBe(20_010 - g7.length + (10 - g8.length));
  });

  it("a fresh process under the same service id (no resume request) is not handed the old messages", async () => {
    // Subscriber 61 loses a queued backlog (its discarded ranges are remembered), then a new process
    // with the same service id connects and asks for nothing.
    server = await startTestRelay(env.dir, { writeWindowBytes: 16 * 1024, overflowDisconnectMs: 60_000 });
    const proxyPath = path.join(env.dir, "proxy2.sock");
    const proxy = await unixProxy(proxyPath, server.socketPath);
    const sub = await client(proxyPath, 61, Role.Subscriber);
    clients.push(sub);
    const pub = await client(server.socketPath, 7, Role.Publisher);
    clients.push(pub);
    await until(() => server!.relay.metrics.subscribers === 1 && server!.relay.metrics.publishers === 1);
    proxy.stall();
    const s9 = new TradeSource(9);
    for (let i = 0; i < 20_000; i++) pub.publish(s9.next());
    await pub.flush();
    await until(() => server!.relay.metrics.messagesIn >= 20_002);
    await proxy.drop();
    await sub.close();
    await until(() => server!.relay.metrics.subscribers === 0 && server!.relay.metrics.drops.disconnected > 0);
    const fresh = await client(server.socketPath, 61, Role.Subscriber);
    clients.push(fresh);
    let got = 0;
    fresh.onMessage(() => got++);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(0);
    expect(server.relay.metrics.recalledRanges).toBe(0);
  });

  it("without the memory, the silent source's messages are lost with no Gap (the defect this fixes)", async () => {
    const { got, sub, relay } = await scenario(0);
    expect(got.get(7)).toEqual(Array.from({ length: 20_010 }, (_, i) => i + 1));
    expect(got.get(8)).toBeUndefined();
    expect(sub.stats.lost).toBe(0);
    expect(relay.relay.metrics.recalledRanges).toBe(0);
  });
});

/**
 * A source is bound to the open connection that publishes it: another connection's messages of it are
 * dropped (`sourceOwned`, in the metrics and the Prometheus text), unless that connection announced the
 * same service id (a publisher back on a new connection while the old one is half-open takes over);
 * when the owner closes the source is free. Gap notices about a source follow the same ownership.
 */

import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GapReason, RelayDomain } from "../../protocol/mod.ts";
import { encodeGap } from "../../relay/wire/control.ts";
import { renderPrometheus } from "../../relay/server/metrics.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, firstType, headerOf, rawPeer, Role, startTestRelay, tempDir, TradeSource, unixProxy, until, type RawPeer } from "./helpers.ts";

/** Sequences of `source`'s Trades among `messages`. */
function seqsOf(messages: Uint8Array[], source: number): number[] {
  return messages.filter((m) => firstType(m) === 1 && headerOf(m).source === source).map((m) => Number(headerOf(m).sequence));
}

/** Writes the next `n` messages of `src` on `peer` (or skips them when `peer` is undefined). */
function send(peer: RawPeer | undefined, src: TradeSource, n: number): void {
  for (let i = 0; i < n; i++) {
    const m = src.next();
    peer?.conn.write([m.slice()]);
  }
}

describe("source ownership", () => {
  let env: ReturnType<typeof tempDir>;
  let server: RelayServer;
  const peers: RawPeer[] = [];

  beforeEach(async () => {
    env = tempDir();
    server = await startTestRelay(env.dir);
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.conn.close(true);
    await server.close();
    env.cleanup();
  });

  const peer = async (serviceId: number, role: number): Promise<RawPeer> => {
    const p = await rawPeer(server.socketPath, { serviceId, role });
    peers.push(p);
    return p;
  };

  it("drops another service's messages of an owned source and counts them; the owner goes on undisturbed", async () => {
    const sub = await peer(60, Role.Subscriber);
    const owner = await peer(7, Role.Publisher);
    const stranger = await peer(9, Role.Publisher);
    await until(() => server.relay.metrics.publishers === 2 && server.relay.metrics.subscribers === 1);
    const real = new TradeSource(7);
    send(owner, real, 5);
    await until(() => seqsOf(sub.messages, 7).length === 5);
    // The stranger claims source 7 with higher sequences: every one is refused.
    const forged = new TradeSource(7);
    send(undefined, forged, 5);
    send(stranger, forged, 5);
    await until(() => server.relay.metrics.drops.sourceOwned === 5);
    send(owner, real, 3);
    await until(() => seqsOf(sub.messages, 7).length === 8);
    expect(seqsOf(sub.messages, 7)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.relay.metrics.drops.duplicate).toBe(0);
    expect(renderPrometheus(server.relay.metrics.snapshot())).toContain('alphapulse_relay_dropped_total{domain="market-data",reason="sourceOwned"} 5');
  });

  it("lets a new connection with the owner's service id take over (half-open old connection), and frees a closed owner's sources", async () => {
    const sub = await peer(60, Role.Subscriber);
    const first = await peer(7, Role.Publisher);
    const src = new TradeSource(7);
    await until(() => server.relay.metrics.subscribers === 1 && server.relay.metrics.publishers === 1);
    send(first, src, 3);
    await until(() => seqsOf(sub.messages, 7).length === 3);
    // The same service on a new connection while the old one still looks open: takes over.
    const second = await peer(7, Role.Publisher);
    send(second, src, 3);
    await until(() => seqsOf(sub.messages, 7).length === 6);
    expect(server.relay.metrics.drops.sourceOwned).toBe(0);
    // Another service while the owner is open: refused.
    const other = await peer(11, Role.Publisher);
    const next = new TradeSource(7);
    send(undefined, next, 6);
    send(other, next, 1);
    await until(() => server.relay.metrics.drops.sourceOwned === 1);
    // Both connections of service 7 close: the source is free, service 11 may publish it.
    first.conn.close();
    second.conn.close();
    await until(() => server.relay.metrics.publishers === 1);
    send(other, next, 2);
    await until(() => seqsOf(sub.messages, 7).length === 8);
    expect(seqsOf(sub.messages, 7)).toEqual([1, 2, 3, 4, 5, 6, 8, 9]);
    expect(server.relay.metrics.drops.sourceOwned).toBe(1);
  });

  it("takes a Gap notice only from the source's owner, or from its service after the owner closed", async () => {
    const sub = await peer(60, Role.Subscriber);
    const owner = await peer(7, Role.Publisher);
    const stranger = await peer(9, Role.Publisher);
    await until(() => server.relay.metrics.publishers === 2 && server.relay.metrics.subscribers === 1);
    send(owner, new TradeSource(7), 2);
    await until(() => seqsOf(sub.messages, 7).length === 2);
    const gap = (from: number, seq: number, service: number): Uint8Array =>
      encodeGap(RelayDomain.MarketData, service, BigInt(seq), BigInt(Date.now()) * 1_000_000n, 7, GapReason.Evicted, BigInt(from), BigInt(from + 2));
    const gapsSeen = (): number => sub.messages.filter((m) => firstType(m) === 85).length;
    stranger.conn.write([gap(3, 1, 9)]);
    await until(() => server.relay.metrics.drops.badControl === 1);
    owner.conn.close();
    await until(() => server.relay.metrics.publishers === 1);
    // The source is free now, but a Gap about it is still not the stranger's to give…
    stranger.conn.write([gap(3, 2, 9)]);
    await until(() => server.relay.metrics.drops.badControl === 2);
    // …while the owner's service, back on a new connection, may pass one on.
    const back = await peer(7, Role.Publisher);
    back.conn.write([gap(3, 1, 7)]);
    await until(() => gapsSeen() === 1);
    expect(server.relay.metrics.drops.badControl).toBe(2);
    expect(server.relay.metrics.drops.sourceOwned).toBe(0);
  });

  it("a RelayClient publisher whose link is cut re-sends its recent batches on reconnect: nothing lost, nothing refused", async () => {
    const proxyPath = path.join(env.dir, "proxy.sock");
    const proxy = await unixProxy(proxyPath, server.socketPath);
    const subClient = await client(server.socketPath, 60, Role.Subscriber);
    const got = collector(subClient);
    const pubClient = await client(proxyPath, 7, Role.Publisher);
    try {
      await until(() => server.relay.metrics.subscribers === 1 && server.relay.metrics.publishers === 1);
      const src = new TradeSource(7);
      for (let i = 0; i < 50; i++) pubClient.publish(src.next());
      await pubClient.flush();
      await got.waitFor(50);
      await proxy.drop();
      await until(() => server.relay.metrics.publishers === 0);
      for (let i = 0; i < 50; i++) pubClient.publish(src.next()); // waits in the client's buffer
      await proxy.open();
      await got.waitFor(100);
      await pubClient.flush();
      expect(seqsOf(got.messages, 7)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(pubClient.stats.reconnects).toBe(1);
      expect(server.relay.metrics.drops.sourceOwned).toBe(0);
    } finally {
      await pubClient.close();
      await subClient.close();
      await proxy.drop();
    }
  });
});

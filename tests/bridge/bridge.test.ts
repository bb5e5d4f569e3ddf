/**
 * Two relays bridged through one nats-server (JetStream on): delivery once and in order per source in
 * both directions, no loops; recovery of a range a slow subscriber missed from JetStream; nats-server
 * killed and restarted mid-stream with local delivery untouched and nothing lost.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectNatsOnce } from "../../bridge/connect.ts";
import { JetStreamGapFiller } from "../../bridge/gap-filler.ts";
import { recoverFromJetStream } from "../../bridge/jetstream.ts";
import type { NatsBridge } from "../../bridge/bridge.ts";
import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, headerOf, Role, sleep, tempDir, TradeSource, until } from "../relay/helpers.ts";
import { bridgeOf, natsOrSkip, range, relayAt, sequencesOf, uniquePrefix } from "./helpers.ts";

const nats = await natsOrSkip("tests/bridge/bridge.test.ts");

describe.skipIf(nats === undefined)("NATS bridge between two relays", () => {
  const tmp = tempDir();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let relayA: RelayServer;
  let relayB: RelayServer;

  beforeAll(async () => {
    relayA = await relayAt(tmp.dir, "a");
    relayB = await relayAt(tmp.dir, "b", { subscriberQueueBytes: 64 * 1024, writeWindowBytes: 16 * 1024, overflowDisconnectMs: 60_000 });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await relayA?.close();
    await relayB?.close();
    await nats?.close();
    tmp.cleanup();
  });

  async function track<T extends { close(): Promise<unknown> }>(x: Promise<T>): Promise<T> {
    const v = await x;
    closers.push(() => v.close());
    return v;
  }

  it("delivers every message once and in order per source, both ways, without loops", async () => {
    const prefix = uniquePrefix();
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    const subA = await track(client(relayA.socketPath, 91, Role.Subscriber));
    const subB = await track(client(relayB.socketPath, 92, Role.Subscriber));
    const gotA = collector(subA);
    const gotB = collector(subB);
    const adapter = await track(client(relayA.socketPath, 3, Role.Publisher));
    const strategy = await track(client(relayB.socketPath, 20, Role.Publisher));
    const N = 3000;
    const M = 500;
    const trades = new TradeSource(3);
    const signals = new TradeSource(20);
    for (let i = 1; i <= N; i++) {
      adapter.publish(trades.next(i));
      if (i <= M) strategy.publish(signals.next(i));
      if (i % 500 === 0) await sleep(1);
    }
    await gotB.waitFor(N + M, 15_000);
    await gotA.waitFor(N + M, 15_000);
    await sleep(200); // anything duplicated or looped would arrive now
    expect(sequencesOf(gotB.messages, 3)).toEqual(range(1, N));
    expect(sequencesOf(gotB.messages, 20)).toEqual(range(1, M));
    expect(sequencesOf(gotA.messages, 3)).toEqual(range(1, N));
    expect(sequencesOf(gotA.messages, 20)).toEqual(range(1, M));
    expect(gotA.messages.length).toBe(N + M);
    expect(gotB.messages.length).toBe(N + M);
    // Each bridge published only its local source and injected only the remote one.
    await until(() => bridgeA.snapshot().out.ackedMessages === N && bridgeB.snapshot().out.ackedMessages === M, 10_000, "acks");
    const a = bridgeA.snapshot();
    const b = bridgeB.snapshot();
    expect(a.out.messagesIn).toBe(N);
    expect(b.out.messagesIn).toBe(M);
    expect(a.in.injected).toBe(M);
    expect(b.in.injected).toBe(N);
    expect(a.in.lost + b.in.lost + a.out.droppedBuffer + b.out.droppedBuffer).toBe(0);
    expect(bridgeA.metricsText()).toMatch(/alphapulse_nats_connected\{domain="market-data"\} 1/);
    // The relays never saw a duplicate either: nothing came back around.
    expect(relayA.relay.metrics.drops.duplicate).toBe(0);
    expect(relayB.relay.metrics.drops.duplicate).toBe(0);
  });

  it("a subscriber that missed a range recovers it from JetStream", async () => {
    const prefix = uniquePrefix();
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    // A subscriber that does not read: relay B's small queue for it overflows and drops (slow consumer).
    const slow = await track(client(relayB.socketPath, 93, Role.Subscriber, { inboxBytes: 16 * 1024 }));
    const iterator = slow.subscribe();
    const adapter = await track(client(relayA.socketPath, 4, Role.Publisher));
    const trades = new TradeSource(4);
    const N = 20_000;
    for (let i = 1; i <= N; i++) {
      adapter.publish(trades.next(i));
      if (i % 1000 === 0) await sleep(2);
    }
    await until(() => bridgeB.snapshot().in.injected === N, 15_000, "bridge B injected everything");
    await until(() => relayB.relay.metrics.drops.slowConsumer > 0, 5000, "relay B dropped for the slow subscriber");
    const nc = await connectNatsOnce({ url: nats!.url });
    closers.push(() => nc.close());
    const delivered: Uint8Array[] = [];
    const filler = new JetStreamGapFiller({ nc, domain: RelayDomain.MarketData, prefix, deliver: (m) => delivered.push(m), marginNanos: 60_000_000_000n });
    let gaps = 0;
    void (async () => {
      for await (const m of iterator) {
        if (m[32] === 85) gaps++;
        filler.push(m);
      }
    })();
    await until(() => sequencesOf(delivered, 4).length >= N, 20_000, "every sequence delivered");
    await filler.idle();
    expect(gaps).toBeGreaterThan(0);
    expect(filler.stats.recovered).toBeGreaterThan(0);
    expect(filler.stats.unrecovered).toBe(0);
    expect(sequencesOf(delivered, 4)).toEqual(range(1, N));
    expect(delivered.some((m) => m[32] === 85)).toBe(false);
    // The same range straight from the helper.
    const direct = await recoverFromJetStream(nc, { domain: RelayDomain.MarketData, source: 4, from: 100n, to: 199n, prefix });
    expect(direct.map((m) => headerOf(m).sequence)).toEqual(range(100, 199));
  });

  it("keeps local delivery through a nats-server crash and loses nothing bridged within the buffer", async () => {
    const prefix = uniquePrefix();
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    const localSub = await track(client(relayA.socketPath, 94, Role.Subscriber));
    const remoteSub = await track(client(relayB.socketPath, 95, Role.Subscriber));
    const local = collector(localSub);
    const remote = collector(remoteSub);
    const adapter = await track(client(relayA.socketPath, 5, Role.Publisher));
    const trades = new TradeSource(5);
    const N = 6000;
    let sent = 0;
    const publish = async (upTo: number): Promise<void> => {
      while (sent < upTo) {
        adapter.publish(trades.next(++sent));
        if (sent % 100 === 0) await sleep(2);
      }
    };
    await publish(1500);
    // A burst, and the crash while it is on its way: some batches are unacknowledged, some undelivered.
    while (sent < 2000) adapter.publish(trades.next(++sent));
    await sleep(3);
    await nats!.kill();
    await until(() => !bridgeA.healthy && !bridgeB.healthy, 5000, "bridges notice the outage");
    expect(bridgeA.metricsText()).toMatch(/alphapulse_nats_connected\{domain="market-data"\} 0/);
    await publish(4000); // while NATS is down
    await local.waitFor(4000, 10_000); // local delivery unaffected
    expect(sequencesOf(local.messages, 5)).toEqual(range(1, 4000));
    expect(bridgeA.snapshot().bufferedBytes).toBeGreaterThan(0);
    await nats!.start();
    await publish(N);
    await remote.waitFor(N, 20_000);
    await local.waitFor(N, 10_000);
    await sleep(200);
    expect(sequencesOf(local.messages, 5)).toEqual(range(1, N));
    expect(sequencesOf(remote.messages, 5)).toEqual(range(1, N));
    const a = bridgeA.snapshot();
    expect(a.outages).toBeGreaterThanOrEqual(1);
    expect(a.out.droppedBuffer).toBe(0);
    const b = bridgeB.snapshot();
    expect(b.in.lost).toBe(0);
    expect(b.in.injected).toBe(N); // live or recovered from JetStream, each once
    expect(b.outages).toBeGreaterThanOrEqual(1);
    await until(() => bridgeA.healthy && bridgeA.snapshot().bufferedBatches === 0, 10_000, "buffer drained");
  });

  it("starts while NATS is down, keeps local traffic going, and bridges once NATS comes", async () => {
    const prefix = uniquePrefix();
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    await nats!.kill();
    const { NatsBridge } = await import("../../bridge/bridge.ts");
    const { silentLogger } = await import("../../core/log.ts");
    const bridgeA = await NatsBridge.start({
      domain: RelayDomain.MarketData, relay: { kind: "unix", path: relayA.socketPath }, nats: { url: nats!.url, reconnect: { initialMs: 50, maxMs: 200 } },
      retention: { maxAgeSeconds: 600 }, subjectPrefix: prefix, logger: silentLogger,
    });
    closers.push(() => bridgeA.close());
    expect(bridgeA.healthy).toBe(false);
    const localSub = await track(client(relayA.socketPath, 97, Role.Subscriber));
    const remoteSub = await track(client(relayB.socketPath, 98, Role.Subscriber));
    const local = collector(localSub);
    const remote = collector(remoteSub);
    const adapter = await track(client(relayA.socketPath, 8, Role.Publisher));
    const trades = new TradeSource(8);
    for (let i = 1; i <= 500; i++) adapter.publish(trades.next(i));
    await local.waitFor(500);
    expect(bridgeA.snapshot().out.messagesIn).toBe(500);
    expect(bridgeA.snapshot().connected).toBe(false);
    await nats!.start();
    await bridgeA.ready();
    await remote.waitFor(500, 15_000);
    expect(sequencesOf(remote.messages, 8)).toEqual(range(1, 500));
    expect(bridgeB.snapshot().in.lost).toBe(0);
  });

  it("closes promptly while NATS is unreachable", async () => {
    await nats!.kill();
    const { NatsBridge } = await import("../../bridge/bridge.ts");
    const { silentLogger } = await import("../../core/log.ts");
    const bridge = await NatsBridge.start({
      domain: RelayDomain.MarketData, relay: { kind: "unix", path: relayA.socketPath }, nats: { url: nats!.url },
      subjectPrefix: uniquePrefix(), logger: silentLogger,
    });
    await sleep(300);
    const t0 = Date.now();
    await bridge.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(bridge.snapshot().connected).toBe(false);
    await nats!.start();
  });
});

// Used by the type of `closers` only.
export type { NatsBridge, RelayClient, ServiceState };

/**
 * The inline deployment of the relay benchmark (`ap bench relay --deployment inline`): publisher, relay
 * and subscriber(s) in this one thread over in-process endpoints (relay/transport/inproc.ts), the relay
 * and client code unchanged — what `ap start --inline` runs. The same workloads as the other deployments:
 * 74-byte Trades as fast as taken (each subscriber's count over its first-to-last message time), or at
 * `rate` msgs/s stamped with CLOCK_MONOTONIC for one-hop latency.
 *
 * @module
 */

import process from "node:process";
import { silentLogger } from "../core/log.ts";
import { platform } from "../core/platform.ts";
import { AssetType, ChunkViews, epochMillis, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Relay } from "../relay/server/relay.ts";
import { TRANSPORT, type Endpoint } from "../relay/transport/types.ts";
import { Role } from "../relay/wire/control.ts";
import { monotonicClock } from "./clock.ts";
import type { ThreadsResult } from "./relay-threads.ts";

const clock = monotonicClock();
const ASSET = pairAssetId("BTC", "USD");
const SIZES = Array.from({ length: 1024 }, (_, i) => BigInt(i + 1));
const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
let runs = 0;

/** Runs publisher → relay → `subscribers` in this thread over inproc once. */
export async function measureInline(run: { subscribers: number; mode: "count" | "latency"; seconds: number; rate: number }): Promise<ThreadsResult> {
  const endpoint: Endpoint = { kind: "inproc", name: `bench-relay-${runs++}` };
  const relay = new Relay({ domain: RelayDomain.MarketData, logger: silentLogger });
  const listener = await (await platform().load(TRANSPORT)).listen(endpoint, (conn) => relay.attach(conn, { requireToken: false }));
  const latency = run.mode === "latency";
  const subs: { client: RelayClient; count: number; first: number; last: number; latencies: number[] }[] = [];
  try {
    for (let i = 0; i < run.subscribers; i++) {
      const client = await RelayClient.connect({ endpoint, domain: RelayDomain.MarketData, serviceId: 61 + i, role: Role.Subscriber, logger: silentLogger });
      const s = { client, count: 0, first: 0, last: 0, latencies: [] as number[] };
      const chunk = new ChunkViews();
      client.onMessage((bytes, offset) => {
        const fresh = bytes !== chunk.bytes;
        const c = chunk.of(bytes);
        if (latency) s.latencies.push(Number(clock() - c.dv.getBigUint64(c.base + offset + HeaderOffset.timestamp, true)));
        if (fresh) {
          const t = performance.now();
          if (s.count === 0) s.first = t;
          s.last = t;
        }
        s.count++;
      });
      subs.push(s);
    }
    while (relay.metrics.subscribers < run.subscribers) await nextTick();
    const cpu0 = process.cpuUsage();
    const pub = await RelayClient.connect({ endpoint, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger });
    const b = new MessageBuilder(256);
    const build = (i: number, at: number): number => {
      b.begin(RelayDomain.MarketData, latency ? 2 : 1, at).addTrade(ASSET, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, SIZES[i & 1023]!, 0n);
      if (latency) b.dv.setBigUint64(HeaderOffset.timestamp, clock(), true);
      return b.finishLength();
    };
    let sent = 0;
    const start = performance.now();
    const end = start + run.seconds * 1000;
    if (!latency) {
      while (performance.now() < end) {
        const at = epochMillis();
        for (let i = 0; i < 1024; i++) pub.publishFrom(b.bytes, 0, build(sent++, at));
        if (pub.queuedBytes > 2 * 1024 * 1024) await pub.flush();
        else await yieldMacrotask();
      }
    } else {
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - start) / 1000) * run.rate);
        while (sent < due) pub.publishFrom(b.bytes, 0, build(sent++, 0));
        pub.flushBatch();
        await nextTick();
      }
    }
    await pub.flush();
    const deadline = performance.now() + 10_000;
    while (subs.some((s) => s.count < sent) && performance.now() < deadline) await nextTick();
    const cpu = process.cpuUsage(cpu0);
    await pub.close();
    const delivered = subs.reduce((a, s) => a + s.count, 0);
    return {
      perSubscriber: subs.map((s) => Math.round(s.count / Math.max(1e-9, (s.last - s.first) / 1000))),
      published: sent,
      delivered: subs.map((s) => s.count),
      lost: subs.reduce((a, s) => a + s.client.stats.lost, 0),
      latenciesNs: subs.flatMap((s) => s.latencies).sort((x, y) => x - y),
      cpuMicrosPerDelivered: Math.round(((cpu.user + cpu.system) / Math.max(1, delivered)) * 1000) / 1000,
    };
  } finally {
    for (const s of subs) await s.client.close();
    await listener.close();
    relay.close();
  }
}

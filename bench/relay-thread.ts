/**
 * One worker thread of the threads deployment of the relay benchmark (`ap bench relay --deployment
 * threads`), started by `bench/relay-threads.ts` over the platform's `THREADS`. An entry script: it
 * installs the platform, then takes its role from the first message on its link:
 *
 * - `{ role: "relay" }` — a market-data relay listening on ring `market`; `{ op: "serve", port }`
 *   serves a client thread's route; reports `{ subscribers }` when the count changes; `{ op: "stop" }`
 *   answers `{ metrics }`.
 * - `{ role: "sub", port, mode, spinMicros }` — a subscriber over the ring; `{ ready: true }`, then its
 *   result (`count`, `seconds`, `latenciesNs`) on `{ op: "stop" }`. Its handler keeps nothing of a
 *   message, so its client takes lent reads (`lentMessages`, docs/PERFORMANCE.md "Lent reads").
 * - `{ role: "pub", port, mode, seconds, rate }` — a publisher of 74-byte Trades, as `relay-worker.ts`
 *   does over sockets; answers its result when done.
 *
 * @module
 */

import { installRuntimePlatform } from "../app/platform/select.ts";
import { platform } from "../core/platform.ts";
import { silentLogger } from "../core/log.ts";
import { AssetType, ChunkViews, epochMillis, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Relay } from "../relay/server/relay.ts";
import { addRingRoute, serveRingPort } from "../relay/transport/ring-transport.ts";
import { THREADS } from "../relay/transport/threads.ts";
import { TRANSPORT, type Endpoint } from "../relay/transport/types.ts";
import { Role } from "../relay/wire/control.ts";
import { monotonicClock } from "./clock.ts";

installRuntimePlatform();

/** The first message a benchmark thread gets. */
export interface ThreadRole {
  readonly role: "relay" | "sub" | "pub";
  readonly port?: MessagePort;
  readonly mode?: "count" | "latency";
  readonly seconds?: number;
  readonly rate?: number;
  readonly spinMicros?: number;
  readonly ringBytes?: number;
}

const link = await (await platform().load(THREADS)).parentLink();
const transport = await platform().load(TRANSPORT);
const clock = monotonicClock();
const ASSET = pairAssetId("BTC", "USD");
const SIZES = Array.from({ length: 1024 }, (_, i) => BigInt(i + 1));
const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function endpoint(r: ThreadRole): Endpoint {
  return { kind: "ring", name: "market", ...(r.spinMicros !== undefined ? { spinMicros: r.spinMicros } : {}), ...(r.ringBytes !== undefined ? { ringBytes: r.ringBytes } : {}) };
}

async function relayRole(r: ThreadRole): Promise<void> {
  const relay = new Relay({ domain: RelayDomain.MarketData, logger: silentLogger });
  await transport.listen(endpoint(r), (conn) => relay.attach(conn, { requireToken: false }));
  let subs = -1;
  const poll = setInterval(() => {
    const n = relay.metrics.subscribers;
    if (n !== subs) {
      subs = n;
      link.postMessage({ subscribers: n });
    }
  }, 5);
  link.onmessage = (e: MessageEvent) => {
    const m = e.data as { op: string; port?: MessagePort };
    if (m.op === "serve" && m.port) serveRingPort(m.port);
    if (m.op === "stop") {
      clearInterval(poll);
      link.postMessage({ metrics: relay.metrics.snapshot() });
      relay.close();
    }
  };
}

async function subRole(r: ThreadRole): Promise<void> {
  addRingRoute("market", r.port!);
  const latency = r.mode === "latency";
  const client = await RelayClient.connect({ endpoint: endpoint(r), domain: RelayDomain.MarketData, serviceId: 61, role: Role.Subscriber, logger: silentLogger, lentMessages: true });
  let count = 0;
  let first = 0;
  let last = 0;
  const latencies: number[] = [];
  const chunk = new ChunkViews();
  client.onMessage((bytes, offset) => {
    const fresh = bytes !== chunk.bytes;
    const c = chunk.of(bytes);
    if (latency) latencies.push(Number(clock() - c.dv.getBigUint64(c.base + offset + HeaderOffset.timestamp, true)));
    if (fresh) {
      const t = performance.now();
      if (count === 0) first = t;
      last = t;
    }
    count++;
  });
  link.onmessage = (e: MessageEvent) => {
    if ((e.data as { op: string }).op !== "stop") return;
    link.postMessage({ count, seconds: (last - first) / 1000, latenciesNs: latency ? latencies : undefined, lost: client.stats.lost });
    void client.close();
  };
  link.postMessage({ ready: true });
}

async function pubRole(r: ThreadRole): Promise<void> {
  addRingRoute("market", r.port!);
  const client = await RelayClient.connect({ endpoint: endpoint(r), domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger });
  const latency = r.mode === "latency";
  const b = new MessageBuilder(256);
  const build = (i: number, at: number): number => {
    b.begin(RelayDomain.MarketData, latency ? 2 : 1, at).addTrade(ASSET, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, SIZES[i & 1023]!, 0n);
    if (latency) b.dv.setBigUint64(HeaderOffset.timestamp, clock(), true);
    return b.finishLength();
  };
  let sent = 0;
  const start = performance.now();
  const end = start + (r.seconds ?? 3) * 1000;
  if (!latency) {
    while (performance.now() < end) {
      const at = epochMillis();
      for (let i = 0; i < 1024; i++) client.publishFrom(b.bytes, 0, build(sent++, at));
      if (client.queuedBytes > 2 * 1024 * 1024) await client.flush();
      else await yieldMacrotask();
    }
  } else {
    const rate = r.rate ?? 10_000;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) client.publishFrom(b.bytes, 0, build(sent++, 0));
      client.flushBatch();
      await nextTick();
    }
  }
  await client.flush();
  link.postMessage({ sent, seconds: (performance.now() - start) / 1000, dropped: client.stats.droppedOutgoing });
  await client.close();
}

link.onmessage = (e: MessageEvent) => {
  const r = e.data as ThreadRole;
  link.onmessage = null;
  if (r.role === "relay") void relayRole(r);
  else if (r.role === "sub") void subRole(r);
  else void pubRole(r);
};

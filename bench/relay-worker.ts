/**
 * One process of the relay benchmark (`ap bench relay`), started by `bench/relay.ts` with a role:
 *
 * - `relay SOCKET` — a market-data relay; prints `{"subscribers":n}` whenever its subscriber count changes;
 *   on `stop` (stdin) prints its metrics and exits.
 * - `sub SOCKET MODE` / `nats-sub PORT MODE` — a subscriber; MODE `count` measures delivered msgs/s,
 *   `latency` one-hop latency (header timestamp, CLOCK_MONOTONIC, against receive time). Prints
 *   `{"ready":true}`, then its result on `stop`.
 * - `pub SOCKET MODE SECONDS RATE` / `nats-pub PORT MODE SECONDS RATE` — a publisher of 74-byte Trades;
 *   `count`: as fast as it can for SECONDS; `latency`: RATE msgs/s for SECONDS, after a warm-up of 0.5 s at
 *   the same rate whose messages the subscribers do not time. Prints its result and exits.
 *
 * `--busy-poll` anywhere in the arguments of a relay or subscriber: that process keeps its event loop
 * polling instead of sleeping between messages (relay/busy-poll.ts).
 *
 * Results are single JSON lines on stdout; the orchestrator reads them.
 *
 * @module
 */

import process from "node:process";
import { setImmediate } from "node:timers";
import { AssetType, ChunkViews, epochMillis, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../protocol/mod.ts";
import { BusyPoll } from "../relay/client/busy-poll.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import { silentLogger } from "../core/log.ts";
import { startRelayServer } from "../relay/server/server.ts";
import { monotonicClock } from "./clock.ts";
import { emit, emitAndExit, onStdinLine } from "./worker-io.ts";
import { installRuntimePlatform } from "../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

const busyPoll = process.argv.includes("--busy-poll");
const [role, target, mode, secondsText, rateText] = process.argv.slice(2).filter((a) => a !== "--busy-poll");
// `--busy-poll`: the relay's event loop polls instead of sleeping (the client option does the same for subscribers).
if (busyPoll && role === "relay") new BusyPoll().start();
const clock = monotonicClock();
const ASSET = pairAssetId("BTC", "USD");
/** Trade sizes cycled through, made once (a bigint per message would be the publisher's own cost, not the relay's). */
const SIZES = Array.from({ length: 1024 }, (_, i) => BigInt(i + 1));
/** CPU time this process has used so far (user + system), in microseconds. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Latency runs: seconds the publisher sends first, at the same pace, whose messages the subscribers do not
 * time — fresh processes run their first thousands of messages before the JIT has compiled the path (the
 * chain floor and the E2E phases warm up the same way).
 */
const LATENCY_WARM_UP_SECONDS = 0.5;
const LATENCY_WARM_UP_NS = BigInt(LATENCY_WARM_UP_SECONDS * 1e9);

/** Lets I/O run between batches; setImmediate, not setTimeout(0), which waits a millisecond or more. */
const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Waits for the next timer tick (about 1 ms): the pacing of latency runs, which must not spin a core. */
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Builds the next Trade, stamped `atMs` (the throughput runs read the clock once per batch); with `stamp`
 * the header timestamp is CLOCK_MONOTONIC ns instead.
 */
function buildTrade(b: MessageBuilder, i: number, stamp: boolean, atMs: number): number {
  // Latency runs publish as source 2, so the relay (which outlives one run) does not take their
  // sequences, restarting at 1 with CLOCK_MONOTONIC stamps, for re-sent duplicates of source 1.
  b.begin(RelayDomain.MarketData, stamp ? 2 : 1, atMs).addTrade(ASSET, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, SIZES[i & 1023]!, 0n);
  if (stamp) b.dv.setBigUint64(HeaderOffset.timestamp, clock(), true);
  return b.finishLength();
}

/** Subscriber-side accounting shared by both systems. */
class Receiver {
  count = 0;
  first = 0;
  last = 0;
  readonly latencies: number[] = [];
  private readonly latency: boolean;
  constructor(latency: boolean) {
    this.latency = latency;
  }
  /** CLOCK_MONOTONIC when the chunk being read arrived (latency runs). */
  private arrived = 0n;
  /** Latency runs: messages stamped before this are the warm-up's, not timed (-1: none seen yet). */
  private timedFrom = -1n;
  /**
   * `dv`/`base`: where the 74-byte message starts; `newChunk`: it is the first message of a received chunk.
   * The clocks are read once per chunk: a clock read costs as much as the rest of the work per message, and
   * a latency is the time a message took to reach this process, not this process's bookkeeping of the
   * messages ahead of it in the chunk (the chain floor's sink and the E2E consumer measure the same way).
   */
  onMessage(dv: DataView, base: number, newChunk: boolean): void {
    if (newChunk) {
      if (this.latency) this.arrived = clock();
      const t = performance.now();
      if (this.count === 0) this.first = t;
      this.last = t;
    }
    if (this.latency) {
      const stamp = dv.getBigUint64(base + HeaderOffset.timestamp, true);
      if (this.timedFrom < 0n) this.timedFrom = stamp + LATENCY_WARM_UP_NS;
      if (stamp >= this.timedFrom) this.latencies.push(Number(this.arrived - stamp));
    }
    this.count++;
  }
  result(): unknown {
    return { count: this.count, seconds: (this.last - this.first) / 1000, latenciesNs: this.latency ? this.latencies : undefined };
  }
}

async function relayRole(socket: string): Promise<void> {
  const server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath: socket, logger: silentLogger });
  let subs = -1;
  const poll = setInterval(() => {
    const n = server.relay.metrics.subscribers;
    if (n !== subs) {
      subs = n;
      emit({ subscribers: n });
    }
  }, 5);
  onStdinLine(async (line) => {
    if (line.trim() !== "stop") return;
    clearInterval(poll);
    const snap = server.relay.metrics.snapshot();
    await server.close();
    emitAndExit({ metrics: snap });
  });
}

async function subRole(socket: string, latency: boolean): Promise<void> {
  const rx = new Receiver(latency);
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 61, role: Role.Subscriber, logger: silentLogger, busyPoll,
  });
  // Messages arrive as offsets into received chunks: the chunk's views are looked up once per chunk.
  const chunk = new ChunkViews();
  client.onMessage((bytes, offset) => {
    const fresh = bytes !== chunk.bytes;
    const c = chunk.of(bytes);
    rx.onMessage(c.dv, c.base + offset, fresh);
  });
  const cpuAtReady = cpuMicros();
  emit({ ready: true });
  onStdinLine((line) => {
    if (line.trim() !== "stop") return;
    emitAndExit({ ...(rx.result() as object), lost: client.stats.lost, duplicates: client.stats.duplicates, cpuMicros: cpuMicros() - cpuAtReady });
  });
}

async function pubRole(socket: string, latency: boolean, seconds: number, rate: number): Promise<void> {
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger,
  });
  const b = new MessageBuilder(256);
  let sent = 0;
  const cpuAtStart = cpuMicros();
  const start = performance.now();
  const end = start + (seconds + (latency ? LATENCY_WARM_UP_SECONDS : 0)) * 1000;
  if (!latency) {
    while (performance.now() < end) {
      const at = epochMillis();
      for (let i = 0; i < 1024; i++) {
        const len = buildTrade(b, sent++, false, at);
        client.publishFrom(b.bytes, 0, len);
      }
      if (client.queuedBytes > 2 * 1024 * 1024) await client.flush();
      else await yieldMacrotask();
    }
  } else {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) {
        const len = buildTrade(b, sent++, true, 0);
        client.publishFrom(b.bytes, 0, len);
      }
      client.flushBatch();
      await nextTick();
    }
  }
  await client.flush();
  emit({ sent, seconds: (performance.now() - start) / 1000, dropped: client.stats.droppedOutgoing, cpuMicros: cpuMicros() - cpuAtStart });
  await client.close();
  process.exit(0);
}

async function natsConnect(port: string): Promise<import("@nats-io/transport-node").NatsConnection> {
  const { connect } = await import("@nats-io/transport-node");
  return connect({ servers: `127.0.0.1:${port}`, maxPingOut: 100, pingInterval: 60_000 });
}

async function natsSubRole(port: string, latency: boolean): Promise<void> {
  const rx = new Receiver(latency);
  const nc = await natsConnect(port);
  nc.subscribe("md.trades", {
    callback: (err, msg) => {
      if (err) return;
      const d = msg.data;
      // nats.js hands over one array per message and shows no read chunks: in latency runs every message
      // is its own "chunk" (its arrival read when it is handed over); in throughput runs the clock is read
      // every 256th (the count's error is at most 255 messages out of millions).
      rx.onMessage(new DataView(d.buffer, d.byteOffset), 0, latency || (rx.count & 255) === 0);
    },
  });
  await nc.flush();
  const cpuAtReady = cpuMicros();
  emit({ ready: true });
  onStdinLine((line) => {
    if (line.trim() !== "stop") return;
    emitAndExit({ ...(rx.result() as object), lost: 0, duplicates: 0, cpuMicros: cpuMicros() - cpuAtReady });
  });
}

async function natsPubRole(port: string, latency: boolean, seconds: number, rate: number): Promise<void> {
  const nc = await natsConnect(port);
  const b = new MessageBuilder(256);
  let sent = 0;
  const cpuAtStart = cpuMicros();
  const start = performance.now();
  const end = start + (seconds + (latency ? LATENCY_WARM_UP_SECONDS : 0)) * 1000;
  if (!latency) {
    while (performance.now() < end) {
      const at = epochMillis();
      for (let i = 0; i < 1024; i++) {
        const len = buildTrade(b, sent++, false, at);
        nc.publish("md.trades", b.bytes.slice(0, len)); // nats.js keeps a reference until written
      }
      // Bound the client's outbound buffer as the AlphaPulse publisher does.
      if ((sent & 0xffff) < 1024) await nc.flush();
      else await yieldMacrotask();
    }
  } else {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) {
        const len = buildTrade(b, sent++, true, 0);
        nc.publish("md.trades", b.bytes.slice(0, len)); // nats.js keeps a reference until written
      }
      await nextTick();
    }
  }
  await nc.flush();
  emit({ sent, seconds: (performance.now() - start) / 1000, dropped: 0, cpuMicros: cpuMicros() - cpuAtStart });
  await nc.close();
  process.exit(0);
}

const latencyMode = mode === "latency";
const seconds = Number(secondsText ?? "3");
const rate = Number(rateText ?? "10000");
switch (role) {
  case "relay": await relayRole(target!); break;
  case "sub": await subRole(target!, latencyMode); break;
  case "pub": await pubRole(target!, latencyMode, seconds, rate); break;
  case "nats-sub": await natsSubRole(target!, latencyMode); break;
  case "nats-pub": await natsPubRole(target!, latencyMode, seconds, rate); break;
  default:
    process.stderr.write(`relay-worker: unknown role ${String(role)}\n`);
    process.exit(2);
}

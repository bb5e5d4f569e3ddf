/**
 * One process of the end-to-end benchmark (`ap bench e2e`), started by `bench/e2e.ts` with a role:
 *
 * - `relay SOCKET DOMAIN` — a relay (`startRelayServer`); prints `{"ready":true}`; on `stop` its metrics.
 * - `strategy MD_SOCKET SIG_SOCKET` — subscribes to market data, runs the real momentum strategy
 *   (`createStrategy("momentum")`, its own signals go to the signal relay) on every message, then
 *   publishes one 50-byte tagging signal (SignalIdentity) per market message whose header timestamp is
 *   the market message's, so the consumer can time the whole path. On `stop` prints its counters.
 * - `consumer SIG_SOCKET` — subscribes to signals; records, for each tagging signal, receive time minus
 *   its header timestamp (CLOCK_MONOTONIC ns) into an HDR histogram. `reset` clears; `report` prints.
 * - `pub MD_SOCKET SECONDS RATE SOURCE` — publishes Trades built as an adapter builds them
 *   (`MessageBuilder.begin().addTrade()`, header timestamp = CLOCK_MONOTONIC at build time). RATE 0:
 *   as fast as the relay takes them (bounded queue); otherwise paced at RATE msgs/s. Prints its result.
 * - `pong SOCKET [busy]` / `ping SOCKET COUNT [paced] [busy]` — the floor (`busy`: the process busy polls): raw 8-byte ping-pong over a Unix socket through
 *   the same transport the relay uses, no protocol work, back to back or one round trip per timer tick;
 *   `ping` prints round-trip percentiles in ns.
 *
 * - `csrc SOCKET SECONDS RATE` / `cfwd IN_SOCKET OUT_SOCKET` / `csink SOCKET` — the chain floor: a bare chain
 *   of processes over the same transport, no protocol work, paced as `pub` paces (every message due at a
 *   timer tick written as one chunk), 64-byte messages whose first 8 bytes are CLOCK_MONOTONIC at send;
 *   `cfwd` writes every chunk it reads on to the next socket; `csink` records arrival − send time.
 *   `src → fwd → fwd → fwd → sink` has the e2e pipeline's shape (five processes, four hops) with none of
 *   its work: the honest floor for it (`bench/e2e-stages.ts`).
 *
 * With `AP_E2E_PIN=SPEC` (e.g. `relay=0;*=1`, runtime/process/affinity.ts) each worker pins itself to the cores
 * its role gets (relay and `cfwd` as `relay`, `pub`/`csrc` as `publisher`, `consumer`/`csink` as `consumer`,
 * `ping`/`pong` as `floor`) before it starts — so `ap bench e2e` runs pinned too (`cfwd IN OUT AS` pins as `AS`: the chain floor mirrors the pipeline's places).
 *
 * With `AP_E2E_STAGES=1` in the environment the strategy writes the CLOCK_MONOTONIC time at which it received
 * each Trade into the tagging signal's signalId, and the consumer splits each sample into publisher → md
 * relay → strategy and strategy → signal relay → consumer (`firstP50Ns`, `secondP50Ns`, …).
 *
 * Results are single JSON lines on stdout.
 *
 * @module
 */

import process from "node:process";
import { setImmediate } from "node:timers";
import * as hdr from "hdr-histogram-js";
import { ChunkViews, HEADER_SIZE, HeaderOffset, SignalIdentityField, MessageBuilder, MessageView, RelayDomain, TlvType } from "../protocol/mod.ts";
import { BusyPoll } from "../relay/client/busy-poll.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import { silentLogger } from "../core/log.ts";
import { startRelayServer } from "../relay/server/server.ts";
import { platform } from "../core/platform.ts";
import { TRANSPORT, type Transport } from "../relay/transport/types.ts";
import { BenchTrades, ChunkClock, createBenchStrategy, latencyNs, writeTagSignal } from "./e2e-messages.ts";
import { monotonicClock } from "./clock.ts";
import { emit, emitAndExit, onStdinLine } from "./worker-io.ts";
import { installRuntimePlatform } from "../app/platform/select.ts";
import { parsePlacement, pinProcess } from "../runtime/process/affinity.ts";
import { chainForwardRole, chainSinkRole, chainSourceRole, pingRole, pongRole } from "./e2e-floor-roles.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

const [role, a1, a2, a3] = process.argv.slice(2);

/** The placement role each worker role pins as (`AP_E2E_PIN`, runtime/process/affinity.ts). */
const PIN_ROLE: Record<string, string> = {
  relay: "relay", cfwd: "relay", strategy: "strategy", pub: "publisher", csrc: "publisher", consumer: "consumer", csink: "consumer",
  ping: "floor", pong: "floor",
};
if (process.env.AP_E2E_PIN) {
  const as = role === "cfwd" && process.argv[5] !== undefined ? process.argv[5] : PIN_ROLE[role ?? ""] ?? role ?? "";
  const r = await pinProcess(process.pid, parsePlacement(process.env.AP_E2E_PIN), as);
  if (!r.pinned && process.env.AP_E2E_PIN_STRICT === "1") throw new Error(`e2e-worker ${role}: ${r.reason}`);
}
const clock = monotonicClock();
/** Header source of the per-message tagging signals (strategy range 20–39, distinct from momentum's 21). */
const TAG_SOURCE = 39;
/** Stage probe (see the module doc). */
const STAGES = process.env.AP_E2E_STAGES === "1";
/** Where the tagging signal's signalId sits: header, 2-byte TLV header, then the SignalIdentity field. */
const SIGNAL_ID_AT = HEADER_SIZE + 2 + SignalIdentityField.signalId;




const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * This runtime's transport, with (stage probe) the time each read chunk's `data` handler takes — for a
 * relay: check, fan-out and the writes to its subscribers — in a histogram, wall time (`work`) and the
 * process's CPU time (`cpu`, µs resolution): wall far above CPU means the handler waited for a core.
 */
async function timedTransport(work: hdr.Histogram, cpu: hdr.Histogram): Promise<Transport> {
  const t = await platform().load(TRANSPORT);
  if (!STAGES) return t;
  return {
    ...t,
    listen: (endpoint, onConnection) => t.listen(endpoint, (conn) => {
      const setHandlers = conn.setHandlers.bind(conn);
      conn.setHandlers = (h) => setHandlers({
        ...h,
        data: (chunk) => {
          const c0 = process.cpuUsage();
          const t0 = clock();
          h.data(chunk);
          work.recordValue(Math.max(1, Number(clock() - t0)));
          const c = process.cpuUsage(c0);
          cpu.recordValue(Math.max(1, (c.user + c.system) * 1000));
        },
      });
      onConnection(conn);
    }),
  };
}

async function relayRole(socket: string, domain: RelayDomain): Promise<void> {
  const work = histogram();
  const cpu = histogram();
  const server = await startRelayServer({ domain, socketPath: socket, logger: silentLogger, transport: await timedTransport(work, cpu) });
  emit({ ready: true });
  onStdinLine(async (line) => {
    if (line === "reset") {
      work.reset();
      cpu.reset();
      emit({ reset: true });
    }
    if (line === "report") emit({ chunks: work.totalCount, ...percentiles(work, "work"), ...percentiles(cpu, "cpu") });
    if (line !== "stop") return;
    const snap = server.relay.metrics.snapshot();
    await server.close();
    emitAndExit({ metrics: snap });
  });
}

async function strategyRole(mdSocket: string, sigSocket: string): Promise<void> {
  const strategy = await createBenchStrategy(process.env.AP_E2E_WARM_UP !== "0");
  const out = await RelayClient.connect({
    endpoint: { kind: "unix", path: sigSocket }, domain: RelayDomain.Signal, serviceId: 21, role: Role.Publisher, logger: silentLogger, waitForRelay: true,
  });
  strategy.connect(out);
  const view = new MessageView();
  const b = new MessageBuilder(256);
  let handled = 0;
  let strategySignals = 0;
  const input = await RelayClient.connect({
    endpoint: { kind: "unix", path: mdSocket }, domain: RelayDomain.MarketData, serviceId: 21, role: Role.Subscriber,
    types: [TlvType.Trade], logger: silentLogger, waitForRelay: true,
  });
  // Stage probe: from the first message of a read chunk to the end of its processing (a microtask queued
  // before the first publish runs before the client's flush).
  const work = histogram();
  let chunkStart = 0n;
  const chunkDone = (): void => {
    work.recordValue(Math.max(1, Number(clock() - chunkStart)));
    chunkStart = 0n;
  };
  // (The chunk's start time is also the strategy's receive time the stage probe writes into each signal.)
  input.onMessage((bytes, offset) => {
    if (STAGES && chunkStart === 0n) {
      chunkStart = clock();
      queueMicrotask(chunkDone);
    }
    // The relay's Gap notices arrive here too (stamped with wall-clock time): tagging one as a Trade gave the
    // consumer a negative latency, its histogram threw, and its relay client reconnected (lost backlog).
    view.wrap(bytes, offset);
    if (!view.firstTlv() || view.tlvType !== TlvType.Trade) return;
    strategySignals += strategy.onMarketData(view);
    ++handled;
    out.publishFrom(b.bytes, 0, writeTagSignal(b, TAG_SOURCE, view, STAGES ? Number(chunkStart) : handled));
  });
  emit({ ready: true });
  onStdinLine(async (line) => {
    if (line === "reset") {
      work.reset();
      emit({ reset: true });
    }
    if (line === "report") emit({ chunks: work.totalCount, ...percentiles(work, "work"), handled, strategySignals, lost: input.stats.lost, outDropped: out.stats.droppedOutgoing, stats: strategy.stats() });
    if (line !== "stop") return;
    await out.flush();
    emitAndExit({ handled, strategySignals, lost: input.stats.lost, outDropped: out.stats.droppedOutgoing, stats: strategy.stats() });
  });
}

const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
const percentiles = (h: hdr.Histogram, prefix: string): Record<string, number> => ({
  [`${prefix}P50Ns`]: h.getValueAtPercentile(50), [`${prefix}P99Ns`]: h.getValueAtPercentile(99),
});

async function consumerRole(sigSocket: string): Promise<void> {
  const hist = histogram();
  const firstHalf = histogram();
  const secondHalf = histogram();
  let count = 0;
  let strategySignals = 0;
  let first = 0;
  let last = 0;
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: sigSocket }, domain: RelayDomain.Signal, serviceId: 70, role: Role.Subscriber, logger: silentLogger, waitForRelay: true,
  });
  // Messages arrive as offsets into received chunks: the chunk's views are looked up once per chunk.
  const chunk = new ChunkViews();
  // The receive time is read once per received chunk (its first message), not per message (ChunkClock).
  const chunkClock = new ChunkClock(clock);
  client.onMessage((bytes, offset) => {
    const now = chunkClock.receive();
    const { dv, base: chunkBase } = chunk.of(bytes);
    const base = chunkBase + offset;
    if (dv.getUint16(base + HeaderOffset.source, true) !== TAG_SOURCE) {
      strategySignals++;
      return;
    }
    hist.recordValue(latencyNs(now, dv, base + HeaderOffset.timestamp));
    if (STAGES) {
      const sent = dv.getBigUint64(base + HeaderOffset.timestamp, true);
      const atStrategy = dv.getBigUint64(base + SIGNAL_ID_AT, true);
      firstHalf.recordValue(Number(atStrategy - sent));
      secondHalf.recordValue(Number(chunkClock.ns - atStrategy));
    }
    if (count === 0) first = chunkClock.ms;
    last = chunkClock.ms;
    count++;
  });
  emit({ ready: true });
  onStdinLine((line) => {
    if (line === "reset") {
      hist.reset();
      firstHalf.reset();
      secondHalf.reset();
      count = 0;
      strategySignals = 0;
      emit({ reset: true });
    } else if (line === "report") {
      emit({
        count, strategySignals, seconds: (last - first) / 1000, lost: client.stats.lost,
        p50Ns: hist.getValueAtPercentile(50), p99Ns: hist.getValueAtPercentile(99), p999Ns: hist.getValueAtPercentile(99.9), maxNs: hist.maxValue,
        ...(STAGES ? { ...percentiles(firstHalf, "first"), ...percentiles(secondHalf, "second") } : {}),
      });
    } else if (line === "stop") {
      emitAndExit({ stopped: true });
    }
  });
}

async function pubRole(mdSocket: string, seconds: number, rate: number): Promise<void> {
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: mdSocket }, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger,
  });
  // A source per run: the relay keeps per-source sequences across runs, and each run's builder restarts at 1.
  const trades = new BenchTrades(client, Number(process.argv[6] ?? "1"), clock);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  if (rate <= 0) {
    while (performance.now() < end) {
      trades.stamp();
      for (let i = 0; i < 512; i++) trades.next();
      if (client.queuedBytes > 1024 * 1024) await client.flush();
      else await yieldMacrotask();
    }
  } else {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      trades.stamp();
      while (trades.sent < due) trades.next();
      client.flushBatch();
      await nextTick();
    }
  }
  await client.flush();
  const cpu = process.cpuUsage(cpu0);
  emit({ sent: trades.sent, seconds: (performance.now() - start) / 1000, dropped: client.stats.droppedOutgoing, cpuMicros: cpu.user + cpu.system });
  await client.close();
  process.exit(0);
}

switch (role) {
  case "relay": await relayRole(a1!, Number(a2) as RelayDomain); break;
  case "strategy": await strategyRole(a1!, a2!); break;
  case "consumer": await consumerRole(a1!); break;
  case "pub": await pubRole(a1!, Number(a2 ?? "3"), Number(a3 ?? "0")); break;
  case "pong": await pongRole(a1!); break;
  case "csrc": await chainSourceRole(a1!, Number(a2 ?? "3"), Number(a3 ?? "10000")); break;
  case "cfwd": await chainForwardRole(a1!, a2!); break;
  case "csink": await chainSinkRole(a1!); break;
  case "ping": await pingRole(a1!, Number(a2 ?? "20000"), a3 === "paced"); break;
  default:
    process.stderr.write(`e2e-worker: unknown role ${String(role)}\n`);
    process.exit(2);
}

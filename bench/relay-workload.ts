/**
 * The process workloads of `ap bench relay` (relay.ts): a publisher and subscribers as separate processes
 * (`relay-worker.ts`) against a running relay or nats-server, throughput ("count") or paced latency runs,
 * with the CPU time each process spent per delivered message (from `/proc`), and the small helpers around
 * them (waiting for a port, percentiles; a free port and the nats-server binary come from
 * `nats-bridge-server.ts`).
 *
 * @module
 */

import net from "node:net";
import os from "node:os";
import { processCpuMicros } from "./proc-cpu.ts";
import { killWorker, startWorker, waitForLine, type WorkerProcess } from "./worker-process.ts";

/** The worker script of every role (relay, publisher, subscriber; ours and nats). */
export const RELAY_WORKER = new URL("./relay-worker.ts", import.meta.url);

/** One-hop latency with the relay and the subscribers busy polling (`--busy-poll`). */
export interface BusyPollResult {
  p50Micros: number;
  p99Micros: number;
  latencySamples: number;
}

/** Figures of one system for one subscriber count. */
export interface SystemResult {
  msgsPerSec: number;
  totalMsgsPerSec: number;
  perSubscriber: number[];
  published: number;
  delivered: number[];
  p50Micros: number;
  p99Micros: number;
  latencySamples: number;
  /**
   * CPU time per delivered message of the throughput run, µs, by process: where the time goes, and with
   * `machineBoundMsgsPerSec` (cores ÷ total) the most this machine could deliver with these costs.
   */
  cpuMicrosPerDelivered: { publisher: number; server: number; subscribers: number; total: number } | undefined;
  /** Cores × 1e6 ÷ total CPU µs per delivered message (undefined where /proc cannot tell). */
  machineBoundMsgsPerSec: number | undefined;
  /** Share of the machine's cores the three kinds of process kept busy during the throughput run. */
  machineBusy: number | undefined;
}

/** The `p`th percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Every latency the subscribers of a latency run reported, ns, ascending. */
function sortedLatencies(subs: readonly Record<string, unknown>[]): number[] {
  return subs.flatMap((s) => (s.latenciesNs as number[] | undefined) ?? []).sort((a, b) => a - b);
}

/** The `p`th percentile of ascending latencies in ns, as µs with one decimal. */
function percentileMicros(sortedNs: number[], p: number): number {
  return Math.round(percentile(sortedNs, p) / 100) / 10;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`; throws after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs one workload (count or latency) with `n` subscribers against an already running system. */
export async function runWorkload(
  kind: "ap" | "nats", target: string, n: number, mode: "count" | "latency", seconds: number, rate: number, serverPid: number | undefined, relay?: WorkerProcess,
  busyPoll = false,
): Promise<{ subs: Record<string, unknown>[]; pub: Record<string, unknown>; serverCpuMicros: number | undefined; busySeconds: number }> {
  const subs: WorkerProcess[] = [];
  let pub: WorkerProcess | undefined;
  try {
    for (let i = 0; i < n; i++) subs.push(startWorker(RELAY_WORKER, [kind === "ap" ? "sub" : "nats-sub", target, mode, ...(busyPoll ? ["--busy-poll"] : [])]));
    for (const s of subs) await waitForLine(s, (v) => v.ready === true);
    if (relay) await waitForLine(relay, (v) => v.subscribers === n);
    const cpu0 = serverPid === undefined ? undefined : processCpuMicros(serverPid);
    pub = startWorker(RELAY_WORKER, [kind === "ap" ? "pub" : "nats-pub", target, mode, String(seconds), String(rate)]);
    const pubResult = await waitForLine(pub, (v) => typeof v.sent === "number", (seconds + 30) * 1000);
    // Let the subscribers take what is still in flight.
    await new Promise((r) => setTimeout(r, 500 + Math.min(3000, seconds * 300)));
    const cpu1 = serverPid === undefined ? undefined : processCpuMicros(serverPid);
    const results: Record<string, unknown>[] = [];
    for (const s of subs) {
      s.send("stop");
      results.push(await waitForLine(s, (v) => typeof v.count === "number"));
    }
    if (relay) await waitForLine(relay, (v) => v.subscribers === 0, 10_000).catch(() => undefined);
    // The time the machine was busy with the workload: while publishing, or while the slowest subscriber
    // was still receiving (the CPU after that is idle waiting, and counts little).
    const busySeconds = Math.max(pubResult.seconds as number, ...results.map((r) => r.seconds as number));
    return { subs: results, pub: pubResult, serverCpuMicros: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, busySeconds };
  } finally {
    subs.forEach(killWorker);
    killWorker(pub);
  }
}

/** Where the CPU time of a throughput run went, per delivered message (see {@link SystemResult}). */
function cpuFigures(t: Awaited<ReturnType<typeof runWorkload>>): Pick<SystemResult, "cpuMicrosPerDelivered" | "machineBoundMsgsPerSec" | "machineBusy"> {
  const delivered = t.subs.reduce((a, s) => a + (s.count as number), 0);
  const pubCpu = t.pub.cpuMicros as number | undefined;
  const subCpu = t.subs.reduce((a, s) => a + ((s.cpuMicros as number | undefined) ?? NaN), 0);
  if (t.serverCpuMicros === undefined || pubCpu === undefined || !Number.isFinite(subCpu) || delivered === 0) {
    return { cpuMicrosPerDelivered: undefined, machineBoundMsgsPerSec: undefined, machineBusy: undefined };
  }
  const round3 = (v: number): number => Math.round(v * 1000) / 1000;
  const total = (pubCpu + t.serverCpuMicros + subCpu) / delivered;
  const cores = os.availableParallelism();
  return {
    cpuMicrosPerDelivered: { publisher: round3(pubCpu / delivered), server: round3(t.serverCpuMicros / delivered), subscribers: round3(subCpu / delivered), total: round3(total) },
    machineBoundMsgsPerSec: Math.round((cores * 1e6) / total),
    machineBusy: round3((pubCpu + t.serverCpuMicros + subCpu) / 1e6 / (t.busySeconds * cores)),
  };
}

/** The latency run again with a busy-polling relay and subscribers (a fresh relay at `socket`). */
export async function measureBusyPoll(socket: string, n: number, seconds: number, rate: number): Promise<BusyPollResult> {
  const relay = startWorker(RELAY_WORKER, ["relay", socket, "--busy-poll"]);
  try {
    await waitForLine(relay, (v) => v.subscribers === 0);
    const l = await runWorkload("ap", socket, n, "latency", seconds, rate, undefined, relay, true);
    const lat = sortedLatencies(l.subs);
    relay.send("stop");
    await waitForLine(relay, (v) => v.metrics !== undefined).catch(() => undefined);
    return { p50Micros: percentileMicros(lat, 50), p99Micros: percentileMicros(lat, 99), latencySamples: lat.length };
  } finally {
    killWorker(relay);
  }
}

/** One more paced latency run of our relay (already running as `relay` at `socket`): its two-hop p50, µs. */
export async function measureTwoHopP50(socket: string, n: number, seconds: number, rate: number, relay: WorkerProcess): Promise<number> {
  const l = await runWorkload("ap", socket, n, "latency", seconds, rate, undefined, relay);
  const lat = sortedLatencies(l.subs);
  return percentileMicros(lat, 50);
}

/** Throughput then latency of one system (ours or nats-server) with `n` subscribers. */
export async function measureSystem(kind: "ap" | "nats", target: string, n: number, seconds: number, rate: number, serverPid: number | undefined, relay?: WorkerProcess): Promise<SystemResult> {
  const t = await runWorkload(kind, target, n, "count", seconds, rate, serverPid, relay);
  const perSub = t.subs.map((s) => (s.count as number) / Math.max(1e-9, s.seconds as number));
  const l = await runWorkload(kind, target, n, "latency", seconds, rate, serverPid, relay);
  const lat = sortedLatencies(l.subs);
  const total = perSub.reduce((a, b) => a + b, 0);
  return {
    msgsPerSec: Math.round(total / n),
    totalMsgsPerSec: Math.round(total),
    perSubscriber: perSub.map(Math.round),
    published: t.pub.sent as number,
    delivered: t.subs.map((s) => s.count as number),
    p50Micros: percentileMicros(lat, 50),
    p99Micros: percentileMicros(lat, 99),
    latencySamples: lat.length,
    ...cpuFigures(t),
  };
}

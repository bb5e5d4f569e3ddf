/**
 * `ap bench relay [--json] [--seconds N] [--subscribers 1,2,4] [--no-nats] [--busy-poll] [--deployment …]`:
 * the relay benchmark, in each deployment side by side (default all three): `processes` (below),
 * `threads` (worker threads over shared-memory rings, `relay-threads.ts`, each round interleaved with a
 * socket round) and `inline` (one thread over in-process endpoints, `relay-inline.ts`).
 *
 * Separate processes over Unix sockets, all on this runtime: one publisher → relay → 1, 2 and 4
 * subscribers, 74-byte Trade messages (32-byte header + 42-byte Trade TLV).
 * - Throughput: the publisher sends as fast as it can for N seconds; each subscriber's delivered
 *   msgs/s is its message count over the time between its first and last message.
 * - One-hop latency: the publisher sends 10 000 msgs/s (after an untimed 0.5 s warm-up at that pace),
 *   stamping CLOCK_MONOTONIC into the header timestamp just before each message is finished; subscribers
 *   subtract it from the time the chunk holding it arrived.
 * The same two workloads then run through `nats-server` (started on a loopback port when the binary
 * is on PATH; skipped, saying so, when it is not) with the official client `@nats-io/transport-node`,
 * same payload bytes. First the relay core alone is measured in-process (`relay-core.ts`), which shows
 * what the relay can do when neither sockets nor a JavaScript publisher limit it. Each throughput run
 * also reports the CPU time each process spent per delivered message (from `/proc`): with the machine's
 * core count that bounds what these processes could deliver here. `--busy-poll` adds a latency run with
 * the relay and the subscribers polling instead of sleeping (relay/busy-poll.ts). After the processes
 * latency run (one subscriber, else the fewest) a bare 2-hop process chain `csrc → cfwd → csink`
 * (`chain-floor.ts`) is measured at the same rate and length, alternating with further latency runs for
 * `--floor-rounds` rounds: the honest floor of the two-hop figure (docs/PERFORMANCE.md, "The floor was not
 * the pipeline's floor"), printed with each round's ratio to it and their median.
 *
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { measureRelayCore, type CoreResult } from "./relay-core.ts";
import { sideBySideRows, sideBySideTable, type DeploymentFigures } from "./relay-deployments.ts";
import { measureInline } from "./relay-inline.ts";
import { measureThreads } from "./relay-threads.ts";
import { killWorker, measureFloor, startWorker, waitForLine, type WorkerProcess } from "./worker-process.ts";
import { measureChainFloor, twoHopVsChain, twoHopVsChainLine, type TwoHopRound, type TwoHopVsChain } from "./chain-floor.ts";
import { findNatsServer, freePort } from "./nats-bridge-server.ts";
import { RELAY_WORKER, measureBusyPoll, measureSystem, measureTwoHopP50, percentile, runWorkload, waitForPort, type BusyPollResult, type SystemResult } from "./relay-workload.ts";

const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The result types of the workloads, for readers of the JSON. */
export type { BusyPollResult, SystemResult } from "./relay-workload.ts";

/** One line for `ap bench`. */
export const summary = "relay throughput and one-hop latency vs nats-server";

const USAGE = `usage: ap bench relay [--json] [--seconds N] [--subscribers 1,2,4] [--rate N] [--no-nats] [--busy-poll]
                      [--deployment processes,threads,inline] [--rounds N] [--floor-rounds N] [--spin-us 0,20]
                      [--ring-bytes N]

  --seconds N         seconds per measurement (default 3)
  --subscribers LIST  subscriber counts (default 1,2,4)
  --rate N            publish rate of the latency runs in msgs/s (default 10000)
  --no-nats           skip the nats-server comparison
  --busy-poll         also measure latency with the relay and subscribers busy polling (a core each)
  --deployment LIST   processes (each in its own process, Unix sockets), threads (publisher, relay and
                      subscribers in worker threads of one process over shared-memory rings), inline (all
                      in one thread over in-process endpoints); default all three, printed side by side
  --rounds N          threads deployment: throughput rounds, each also run over Unix sockets in processes,
                      interleaved; medians and their ratio are reported (default 1)
  --floor-rounds N    processes deployment: rounds of the two-hop latency run and the bare 2-hop chain
                      floor, alternating; the median of the per-round ratios is reported (default 5)
  --spin-us LIST      threads deployment: reader spin before parking, µs, one set of rounds each (default 0)
  --ring-bytes N      threads deployment: bytes per ring, a power of two (default 1048576)
  --json              print the results as one JSON object`;

/** The threads deployment against Unix-socket processes, for one subscriber count and one spin setting. */
export interface ThreadsComparison {
  spinMicros: number;
  /** Median delivered msgs/s per subscriber over the rounds, and each round's figure. */
  threadsMsgsPerSec: number;
  threadsRounds: number[];
  socketMsgsPerSec: number;
  socketRounds: number[];
  /** Median of the per-round ratios threads ÷ sockets. */
  ratioToSockets: number;
  /** nats-server in the same rounds (undefined without nats-server), and threads ÷ nats. */
  natsMsgsPerSec: number | undefined;
  ratioToNats: number | undefined;
  /** CPU µs (all threads of the process) per delivered message, median. */
  threadsCpuMicrosPerDelivered: number;
  /** Messages the subscriber saw lost (the relay's slow-consumer Gaps) in the threads rounds, summed. */
  threadsLost: number;
  p50Micros: number;
  p99Micros: number;
  latencySamples: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Rounds of threads (per spin) and socket-process throughput, interleaved, then one threads latency run per spin. */
async function compareThreads(
  socket: string, n: number, seconds: number, rate: number, rounds: number, spins: number[], ringBytes: number, log: (s: string) => void, natsPort: number, natsPid: number | undefined,
): Promise<ThreadsComparison[]> {
  const socketRounds: number[] = [];
  const natsRounds: number[] = [];
  const perSpin = spins.map(() => ({ rounds: [] as number[], cpu: [] as number[], lost: 0 }));
  for (let r = 0; r < rounds; r++) {
    log(`  round ${r + 1}/${rounds}: processes over Unix sockets…`);
    const relay = startWorker(RELAY_WORKER, ["relay", socket]);
    try {
      await waitForLine(relay, (v) => v.subscribers === 0);
      const t = await runWorkload("ap", socket, n, "count", seconds, rate, relay.child.pid, relay);
      socketRounds.push(median(t.subs.map((s) => (s.count as number) / Math.max(1e-9, s.seconds as number))));
      relay.send("stop");
      await waitForLine(relay, (v) => v.metrics !== undefined).catch(() => undefined);
    } finally {
      killWorker(relay);
    }
    if (natsPort > 0) {
      log(`  round ${r + 1}/${rounds}: nats-server…`);
      const t = await runWorkload("nats", String(natsPort), n, "count", seconds, rate, natsPid);
      natsRounds.push(median(t.subs.map((s) => (s.count as number) / Math.max(1e-9, s.seconds as number))));
    }
    for (let i = 0; i < spins.length; i++) {
      log(`  round ${r + 1}/${rounds}: threads over rings, spin ${spins[i]} µs…`);
      const t = await measureThreads({ subscribers: n, mode: "count", seconds, rate, spinMicros: spins[i]!, ringBytes });
      perSpin[i]!.rounds.push(median(t.perSubscriber));
      perSpin[i]!.cpu.push(t.cpuMicrosPerDelivered);
      perSpin[i]!.lost += t.lost;
    }
  }
  const out: ThreadsComparison[] = [];
  for (let i = 0; i < spins.length; i++) {
    log(`  threads latency at ${rate} msgs/s, spin ${spins[i]} µs…`);
    const l = await measureThreads({ subscribers: n, mode: "latency", seconds, rate, spinMicros: spins[i]!, ringBytes });
    const p = perSpin[i]!;
    out.push({
      spinMicros: spins[i]!,
      threadsMsgsPerSec: Math.round(median(p.rounds)),
      threadsRounds: p.rounds.map(Math.round),
      socketMsgsPerSec: Math.round(median(socketRounds)),
      socketRounds: socketRounds.map(Math.round),
      ratioToSockets: Math.round(median(p.rounds.map((x, k) => x / socketRounds[k]!)) * 100) / 100,
      natsMsgsPerSec: natsRounds.length > 0 ? Math.round(median(natsRounds)) : undefined,
      ratioToNats: natsRounds.length > 0 ? Math.round(median(p.rounds.map((x, k) => x / natsRounds[k]!)) * 100) / 100 : undefined,
      threadsCpuMicrosPerDelivered: median(p.cpu),
      threadsLost: p.lost,
      p50Micros: Math.round(percentile(l.latenciesNs, 50) / 100) / 10,
      p99Micros: Math.round(percentile(l.latenciesNs, 99) / 100) / 10,
      latencySamples: l.latenciesNs.length,
    });
  }
  return out;
}

/** Runs the benchmark; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const { parseArgs } = await import("node:util");
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        json: { type: "boolean" }, seconds: { type: "string" }, subscribers: { type: "string" }, rate: { type: "string" }, "no-nats": { type: "boolean" },
        "busy-poll": { type: "boolean" }, deployment: { type: "string" }, rounds: { type: "string" }, "floor-rounds": { type: "string" }, "spin-us": { type: "string" }, "ring-bytes": { type: "string" },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`ap bench relay: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  const seconds = Number(values.seconds ?? 3);
  const rate = Number(values.rate ?? 10_000);
  const counts = String(values.subscribers ?? "1,2,4").split(",").map(Number);
  const deployments = String(values.deployment ?? "processes,threads,inline").split(",");
  const rounds = Number(values.rounds ?? 1);
  const floorRounds = Number(values["floor-rounds"] ?? 5);
  const spins = String(values["spin-us"] ?? "0").split(",").map(Number);
  const ringBytes = Number(values["ring-bytes"] ?? 1 << 20);
  if (!(seconds > 0) || !(rate > 0) || counts.some((c) => !Number.isInteger(c) || c < 1 || c > 64)) {
    process.stderr.write(`ap bench relay: bad --seconds, --rate or --subscribers\n${USAGE}\n`);
    return 2;
  }
  if (deployments.some((d) => d !== "processes" && d !== "threads" && d !== "inline") || !(Number.isInteger(rounds) && rounds >= 1) || !(Number.isInteger(floorRounds) && floorRounds >= 1) || spins.some((x) => !(x >= 0)) || !Number.isInteger(Math.log2(ringBytes))) {
    process.stderr.write(`ap bench relay: bad --deployment, --rounds, --floor-rounds, --spin-us or --ring-bytes\n${USAGE}\n`);
    return 2;
  }
  const doProcesses = deployments.includes("processes");
  const log = (s: string): void => void process.stderr.write(s + "\n");
  const runtime = IS_DENO ? "deno" : "node";
  const natsBin = values["no-nats"] ? undefined : findNatsServer();
  if (!values["no-nats"] && !natsBin) log("nats-server not found on PATH: skipping the NATS comparison (apt-get install nats-server)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-bench-"));
  const socket = path.join(dir, "md.sock");
  const results: Record<string, { alphapulse: SystemResult; nats?: SystemResult; alphapulseBusyPoll?: BusyPollResult }> = {};
  const core: Record<string, CoreResult> = {};
  const threads: Record<string, ThreadsComparison[]> = {};
  const inline: Record<string, DeploymentFigures> = {};
  const chainN = counts.includes(1) ? 1 : Math.min(...counts);
  let chain: TwoHopVsChain | undefined;
  for (const n of doProcesses ? counts : []) {
    log(`[${runtime}] relay core in-process, ${n} subscriber(s)…`);
    core[n] = measureRelayCore(n);
  }
  log(`[${runtime}] floor: raw Unix-socket ping-pong…`);
  const floor = await measureFloor(path.join(dir, "pong.sock"));
  const pacedFloor = await measureFloor(path.join(dir, "pong-paced.sock"), 2000, true);
  const busyFloor = values["busy-poll"] ? await measureFloor(path.join(dir, "pong-busy.sock"), 2000, true, true) : undefined;
  const micros = (ns: number): number => Math.round(ns / 100) / 10;
  const floorHopMicros = micros(floor.rttP50Ns / 2);
  let nats: ChildProcess | undefined;
  let relay: WorkerProcess | undefined;
  try {
    let natsPort = 0;
    if (natsBin) {
      natsPort = await freePort();
      nats = spawn(natsBin, ["-a", "127.0.0.1", "-p", String(natsPort)], { stdio: "ignore" });
      await waitForPort(natsPort);
    }
    for (const n of deployments.includes("threads") ? counts : []) {
      log(`[${runtime}] ${n} subscriber(s): threads deployment (rings) vs processes (Unix sockets), ${rounds} round(s)…`);
      threads[n] = await compareThreads(socket, n, seconds, rate, rounds, spins, ringBytes, log, natsPort, nats?.pid);
    }
    for (const n of deployments.includes("inline") ? counts : []) {
      log(`[${runtime}] ${n} subscriber(s): inline deployment (one thread, in-process endpoints)…`);
      await measureInline({ subscribers: n, mode: "count", seconds: Math.min(1, seconds), rate }); // warm-up: JIT of the one thread
      const t = await measureInline({ subscribers: n, mode: "count", seconds, rate });
      const l = await measureInline({ subscribers: n, mode: "latency", seconds, rate });
      inline[n] = {
        deployment: "inline", msgsPerSec: Math.round(median(t.perSubscriber)), published: t.published, delivered: t.delivered, lost: t.lost,
        p50Micros: Math.round(percentile(l.latenciesNs, 50) / 100) / 10, p99Micros: Math.round(percentile(l.latenciesNs, 99) / 100) / 10, cpuMicrosPerDelivered: t.cpuMicrosPerDelivered,
      };
    }
    for (const n of doProcesses ? counts : []) {
      log(`[${runtime}] ${n} subscriber(s): alphapulse relay…`);
      relay = startWorker(RELAY_WORKER, ["relay", socket]);
      await waitForLine(relay, (v) => v.subscribers === 0);
      const ap = await measureSystem("ap", socket, n, seconds, rate, relay.child.pid, relay);
      if (n === chainN && chain === undefined) {
        // Alternating with the relay's latency runs, so each ratio compares runs of the same moment.
        const rounds: TwoHopRound[] = [];
        for (let r = 0; r < floorRounds; r++) {
          const twoHopP50Micros = r === 0 ? ap.p50Micros : await measureTwoHopP50(socket, n, seconds, rate, relay);
          log(`[${runtime}] two-hop chain floor (csrc → cfwd → csink, bare processes, paced at ${rate} msgs/s), round ${r + 1} of ${floorRounds}…`);
          rounds.push({ twoHopP50Micros, chain: await measureChainFloor(2, rate, seconds, { dir, tag: `chain2-${r}` }) });
        }
        chain = twoHopVsChain(rounds, n);
      }
      relay.send("stop");
      await waitForLine(relay, (v) => v.metrics !== undefined).catch(() => undefined);
      killWorker(relay);
      relay = undefined;
      results[n] = { alphapulse: ap };
      if (values["busy-poll"]) {
        log(`[${runtime}] ${n} subscriber(s): alphapulse relay, busy polling…`);
        results[n]!.alphapulseBusyPoll = await measureBusyPoll(socket, n, seconds, rate);
      }
      if (natsBin) {
        log(`[${runtime}] ${n} subscriber(s): nats-server…`);
        results[n]!.nats = await measureSystem("nats", String(natsPort), n, seconds, rate, nats?.pid);
      }
    }
  } finally {
    killWorker(relay);
    nats?.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const sideBySide = sideBySideRows(counts, results, threads, inline);
  if (values.json) {
    process.stdout.write(JSON.stringify({
      runtime, seconds, latencyRate: rate, messageBytes: 74, subscribers: results, relayCore: core, threads, inline, sideBySide, loadAverage: os.loadavg(),
      floor: { hopP50Micros: floorHopMicros, rttP50Micros: micros(floor.rttP50Ns), rttP99Micros: micros(floor.rttP99Ns), ...chain },
      pacedFloor: { hopP50Micros: micros(pacedFloor.rttP50Ns / 2), rttP50Micros: micros(pacedFloor.rttP50Ns), rttP99Micros: micros(pacedFloor.rttP99Ns) },
      ...(busyFloor ? { busyPollFloor: { hopP50Micros: micros(busyFloor.rttP50Ns / 2), rttP50Micros: micros(busyFloor.rttP50Ns), rttP99Micros: micros(busyFloor.rttP99Ns) } } : {}),
    }) + "\n");
    return 0;
  }
  process.stdout.write(sideBySideTable(sideBySide, runtime, seconds, rate, floorHopMicros, micros(pacedFloor.rttP50Ns / 2)));
  if (Object.keys(threads).length > 0) {
    process.stdout.write(`threads deployment (publisher, relay, subscribers in worker threads over rings) vs processes over Unix sockets, ${rounds} interleaved round(s) of ${seconds} s, medians; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
    for (const [n, list] of Object.entries(threads)) {
      for (const t of list) {
        process.stdout.write(
          `  ${n} sub(s), spin ${t.spinMicros} µs: threads ${t.threadsMsgsPerSec} msgs/s per sub [${t.threadsRounds.join(", ")}] vs sockets ${t.socketMsgsPerSec} [${t.socketRounds.join(", ")}] → ${t.ratioToSockets}×` +
            (t.natsMsgsPerSec !== undefined ? `, vs nats-server ${t.natsMsgsPerSec} → ${t.ratioToNats}×` : "") + "; " +
            `${t.threadsCpuMicrosPerDelivered} CPU µs/msg (all threads); lost to Gaps ${t.threadsLost}; latency at ${rate} msgs/s p50 ${t.p50Micros} µs p99 ${t.p99Micros} µs\n`,
        );
      }
    }
    process.stdout.write("  target: ≥ 2,100,000 msgs/s to one subscriber in the threads deployment\n\n");
  }
  if (!doProcesses) return 0;
  const rows = [["subs", "system", "msgs/s per sub", "total msgs/s", "p50 µs", "p99 µs", "published", "delivered"]];
  for (const [n, r] of Object.entries(results)) {
    for (const [name, s] of [["alphapulse", r.alphapulse], ["nats", r.nats]] as const) {
      if (!s) continue;
      rows.push([n, name, String(s.msgsPerSec), String(s.totalMsgsPerSec), String(s.p50Micros), String(s.p99Micros), String(s.published), s.delivered.join("/")]);
    }
    const b = r.alphapulseBusyPoll;
    if (b) rows.push([n, "ap busy-poll", "", "", String(b.p50Micros), String(b.p99Micros), "", ""]);
    if (r.nats) rows.push([n, "ratio ap/nats", (r.alphapulse.msgsPerSec / r.nats.msgsPerSec).toFixed(2) + "×", "", "", "", "", ""]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write(`relay benchmark (${runtime}, 74-byte Trades, ${seconds} s per run, latency at ${rate} msgs/s)\n`);
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join("  ") + "\n");
  process.stdout.write(`\nCPU µs per delivered message in the throughput runs (publisher + relay/server + subscribers = total; ${os.availableParallelism()} cores ÷ total = what this machine could deliver at these costs):\n`);
  for (const [n, r] of Object.entries(results)) {
    for (const [name, s] of [["alphapulse", r.alphapulse], ["nats", r.nats]] as const) {
      const c = s?.cpuMicrosPerDelivered;
      if (!s || !c) continue;
      process.stdout.write(`  ${n} sub(s) ${name.padEnd(10)} ${c.publisher} + ${c.server} + ${c.subscribers} = ${c.total} µs → bound ${s.machineBoundMsgsPerSec} msgs/s; cores busy ${Math.round((s.machineBusy ?? 0) * 100)} %\n`);
    }
  }
  process.stdout.write("\nrelay core alone (in-process, no sockets, checksums verified): messages in per second, each forwarded to every subscriber\n");
  for (const [n, c] of Object.entries(core)) process.stdout.write(`  ${n} subscriber(s): ${c.msgsPerSec} msgs/s wall, ${c.msgsPerCpuSec} msgs/s per CPU second\n`);
  process.stdout.write(
    `\nfloor (raw Unix-socket ping-pong between two processes, no protocol work), round trip p50 / p99:\n` +
      `  back to back        ${micros(floor.rttP50Ns)} / ${micros(floor.rttP99Ns)} µs → one hop ≈ ${floorHopMicros} µs\n` +
      `  one per timer tick  ${micros(pacedFloor.rttP50Ns)} / ${micros(pacedFloor.rttP99Ns)} µs → one hop ≈ ${micros(pacedFloor.rttP50Ns / 2)} µs ` +
      `(processes asleep between messages, as in the latency runs; publisher → relay → subscriber is two hops)\n` +
      (busyFloor ? `  paced, both polling  ${micros(busyFloor.rttP50Ns)} / ${micros(busyFloor.rttP99Ns)} µs → one hop ≈ ${micros(busyFloor.rttP50Ns / 2)} µs (a core per process, nothing else running)\n` : "") +
      (chain ? twoHopVsChainLine(chain, rate) + "\n" : ""),
  );
  process.stdout.write("targets: ≥ 2,100,000 msgs/s to one subscriber, ≥ 1.0× nats-server, one-hop p50 ≤ 20 µs\n");
  return 0;
}

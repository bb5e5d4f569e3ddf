/**
 * `npx tsx bench/e2e-stages.ts [--rounds N] [--seconds S] [--rate R] [--pin SPEC] [--json]`: where process-mode
 * latency goes, against an honest floor measured in the same run.
 *
 * Each round, interleaved, at the same paced rate (default 10 k msgs/s, every message due at a timer tick
 * written as one chunk, as `ap bench e2e` paces its publisher):
 * - **e2e**: the `ap bench e2e` pipeline (publisher → market-data relay → strategy → signal relay → consumer,
 *   `bench/e2e-worker.ts` roles) with the stage probe on (`AP_E2E_STAGES=1`), so each sample splits into
 *   publisher → relay → strategy ("first half", two socket hops) and strategy → relay → consumer ("second half");
 * - **chain floor, 4 hops** (`bench/chain-floor.ts`): five bare processes `csrc → cfwd → cfwd → cfwd → csink`
 *   over the same transport with no protocol work — the same shape, process count, pacing and runtime as the e2e path;
 * - **chain floor, 2 hops**: `csrc → cfwd → csink` — the shape of one relay hop (publisher → relay → subscriber);
 * - **one-hop paced floor**: the ping-pong of `ap bench e2e` (round trip per timer tick ÷ 2), the gate's floor.
 *
 * `--pin SPEC` places the processes on cores (runtime/process/affinity.ts; e.g. `relay=0;*=1`; each worker
 * pins itself, see `AP_E2E_PIN` in e2e-worker.ts). Prints
 * every round and the medians; ratios compare figures of the same round.
 *
 * @module
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { RelayDomain } from "../protocol/mod.ts";
import { killWorker, measureFloor, startWorker, waitForKey, type WorkerLine, type WorkerProcess } from "./worker-process.ts";
import { drained, measureChainFloor } from "./chain-floor.ts";
import { median } from "./median.ts";
import { parsePlacement, type Placement } from "../runtime/process/affinity.ts";

const WORKER = new URL("./e2e-worker.ts", import.meta.url);
const us = (ns: unknown): number => Math.round(Number(ns) / 10) / 100;

/** One round's figures, µs. */
export interface StagesRound {
  e2eP50: number;
  e2eP99: number;
  firstHalfP50: number;
  secondHalfP50: number;
  /** Per read chunk: the market-data relay's handler, the strategy's processing, the signal relay's handler. */
  mdRelayWorkP50: number;
  mdRelayCpuP50: number;
  sigRelayCpuP50: number;
  strategyWorkP50: number;
  sigRelayWorkP50: number;
  chain4P50: number;
  chain4P99: number;
  chain2P50: number;
  pacedHopP50: number;
  loadavg1: number;
}

interface Ctx {
  dir: string;
  workers: WorkerProcess[];
}

function start(ctx: Ctx, role: string, args: string[]): WorkerProcess {
  const w = startWorker(WORKER, [role, ...args]);
  ctx.workers.push(w);
  return w;
}

/** The e2e pipeline, started once and measured once per round. */
async function pipeline(ctx: Ctx): Promise<(seconds: number, rate: number) => Promise<WorkerLine>> {
  const md = path.join(ctx.dir, "md.sock");
  const sig = path.join(ctx.dir, "sig.sock");
  const mdRelay = start(ctx, "relay", [md, String(RelayDomain.MarketData)]);
  const sigRelay = start(ctx, "relay", [sig, String(RelayDomain.Signal)]);
  await waitForKey(mdRelay, "ready");
  await waitForKey(sigRelay, "ready");
  const consumer = start(ctx, "consumer", [sig]);
  const strategy = start(ctx, "strategy", [md, sig]);
  await waitForKey(consumer, "ready");
  await waitForKey(strategy, "ready");
  let source = 1;
  const probed = [mdRelay, strategy, sigRelay] as const;
  const phase = async (seconds: number, rate: number): Promise<WorkerLine> => {
    for (const w of [consumer, ...probed]) {
      w.send("reset");
      await waitForKey(w, "reset");
    }
    const pub = start(ctx, "pub", [md, String(seconds), String(rate), String(source++)]);
    await waitForKey(pub, "sent");
    const rx = await drained(consumer);
    const [mdWork, stWork, sigWork] = await Promise.all(probed.map(async (w) => {
      w.send("report");
      return waitForKey(w, "chunks");
    }));
    return { ...rx, mdWorkP50Ns: mdWork!.workP50Ns, mdCpuP50Ns: mdWork!.cpuP50Ns, sigCpuP50Ns: sigWork!.cpuP50Ns, strategyWorkP50Ns: stWork!.workP50Ns, sigWorkP50Ns: sigWork!.workP50Ns, mdChunks: mdWork!.chunks };
  };
  await phase(1, 20_000); // warm-up (JIT of every process)
  return phase;
}

/** Runs `rounds` interleaved rounds; resolves with each. */
export async function measureStages(rounds: number, seconds: number, rate: number, placement?: Placement): Promise<StagesRound[]> {
  process.env.AP_E2E_STAGES = "1";
  if (placement !== undefined) process.env.AP_E2E_PIN = Object.entries(placement).map(([k, v]) => `${k}=${v}`).join(";");
  const ctx: Ctx = { dir: fs.mkdtempSync(path.join(os.tmpdir(), "ap-stages-")), workers: [] };
  const out: StagesRound[] = [];
  try {
    const e2e = await pipeline(ctx);
    for (let r = 0; r < rounds; r++) {
      const c4 = await measureChainFloor(4, rate, seconds, { dir: ctx.dir, tag: `c4r${r}` });
      const e = await e2e(seconds, rate);
      const c2 = await measureChainFloor(2, rate, seconds, { dir: ctx.dir, tag: `c2r${r}` });
      const hop = await measureFloor(path.join(ctx.dir, `pong${r}.sock`), 2000, true);
      out.push({
        e2eP50: us(e.p50Ns), e2eP99: us(e.p99Ns), firstHalfP50: us(e.firstP50Ns), secondHalfP50: us(e.secondP50Ns),
        mdRelayWorkP50: us(e.mdWorkP50Ns), mdRelayCpuP50: us(e.mdCpuP50Ns), sigRelayCpuP50: us(e.sigCpuP50Ns), strategyWorkP50: us(e.strategyWorkP50Ns), sigRelayWorkP50: us(e.sigWorkP50Ns),
        chain4P50: us(c4.p50Ns), chain4P99: us(c4.p99Ns), chain2P50: us(c2.p50Ns), pacedHopP50: us(hop.rttP50Ns / 2),
        loadavg1: Math.round(os.loadavg()[0]! * 100) / 100,
      });
    }
  } finally {
    for (const w of ctx.workers) killWorker(w);
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  }
  return out;
}

function report(rounds: StagesRound[], rate: number): string {
  const rows = [
    `process-mode latency at ${rate} msgs/s (${rounds.length} rounds, µs p50 unless said)`,
    "round  e2e p50  e2e p99  1st half  2nd half  chain4  chain4 p99  chain2  hop(paced)  e2e/chain4  half/chain2  e2e/hop  load",
  ];
  const row = (name: string, x: StagesRound): string =>
    `${name.padEnd(6)} ${x.e2eP50.toFixed(1).padStart(7)}  ${x.e2eP99.toFixed(0).padStart(7)}  ${x.firstHalfP50.toFixed(1).padStart(8)}  ` +
    `${x.secondHalfP50.toFixed(1).padStart(8)}  ${x.chain4P50.toFixed(1).padStart(6)}  ${x.chain4P99.toFixed(0).padStart(10)}  ` +
    `${x.chain2P50.toFixed(1).padStart(6)}  ${x.pacedHopP50.toFixed(1).padStart(10)}  ${(x.e2eP50 / x.chain4P50).toFixed(2).padStart(10)}  ` +
    `${(x.firstHalfP50 / x.chain2P50).toFixed(2).padStart(11)}  ${(x.e2eP50 / x.pacedHopP50).toFixed(2).padStart(7)}  ${x.loadavg1}`;
  rounds.forEach((x, i) => rows.push(row(String(i + 1), x)));
  const work = (name: string, x: StagesRound): string =>
    `${name.padEnd(6)} work per read chunk, p50 µs: md relay ${x.mdRelayWorkP50} (CPU ${x.mdRelayCpuP50}), strategy ${x.strategyWorkP50}, signal relay ${x.sigRelayWorkP50} (CPU ${x.sigRelayCpuP50})`;
  const keys = Object.keys(rounds[0]!) as (keyof StagesRound)[];
  const med = Object.fromEntries(keys.map((k) => [k, median(rounds.map((x) => x[k]))])) as unknown as StagesRound;
  rows.push(row("median", med));
  rounds.forEach((x, i) => rows.push(work(String(i + 1), x)));
  rows.push(work("median", med));
  rows.push(
    `median of per-round ratios: e2e/chain4 ${median(rounds.map((x) => x.e2eP50 / x.chain4P50)).toFixed(2)}, ` +
      `first half/chain2 ${median(rounds.map((x) => x.firstHalfP50 / x.chain2P50)).toFixed(2)}, ` +
      `e2e/one paced hop ${median(rounds.map((x) => x.e2eP50 / x.pacedHopP50)).toFixed(2)}`,
  );
  return rows.join("\n");
}

/** Entry point. */
export async function run(args: readonly string[]): Promise<number> {
  let rounds = 3;
  let seconds = 2;
  let rate = 10_000;
  let json = false;
  let placement: Placement | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--rounds") rounds = Number(args[++i]);
    else if (a === "--seconds") seconds = Number(args[++i]);
    else if (a === "--rate") rate = Number(args[++i]);
    else if (a === "--pin") placement = parsePlacement(args[++i] ?? "");
    else if (a === "--json") json = true;
    else {
      console.error(`unknown option ${JSON.stringify(a)}`);
      return 2;
    }
  }
  const r = await measureStages(rounds, seconds, rate, placement);
  console.log(json ? JSON.stringify({ runtime: typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node", rate, rounds: r }) : report(r, rate));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await run(process.argv.slice(2)));

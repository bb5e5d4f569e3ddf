/**
 * The chain floor: latency through a bare chain of processes `csrc → cfwd… → csink` over the relay's
 * transport (Unix sockets), with no protocol work, paced as the benchmarks' publishers pace (every message
 * due at a timer tick written as one chunk) — roles of `bench/e2e-worker.ts` (`bench/e2e-floor-roles.ts`).
 * In a paced chain every process has slept since the last tick and each hop pays that wake-up, which a
 * ping-pong floor does not show (docs/PERFORMANCE.md, "The floor was not the pipeline's floor"): 2 hops is
 * the honest floor of one relay hop (publisher → relay → subscriber, `ap bench relay`), 4 hops that of the
 * e2e pipeline (`bench/e2e-stages.ts`).
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-chain-"));
 * const c = await measureChainFloor(2, 10_000, 2, { dir });
 * console.log(`chain floor p50 ${c.p50Ns / 1000} µs over ${c.count} of ${c.sent} messages`);
 * ```
 * @module
 */

import path from "node:path";
import { killWorker, startWorker, waitForKey, type WorkerLine, type WorkerProcess } from "./worker-process.ts";

const WORKER = new URL("./e2e-worker.ts", import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Where and how a chain floor runs. */
export interface ChainFloorOptions {
  /** A directory for the chain's sockets (the caller creates and removes it). */
  dir: string;
  /** Prefix of the socket names, distinct per measurement in the same `dir` (default `chain<hops>`). */
  tag?: string;
  /** Seconds of paced warm-up (a source of its own, not counted) before the measurement (default 0.5). */
  warmUpSeconds?: number;
}

/** What one chain floor measured: arrival − send time at the sink, ns, over the measured messages. */
export interface ChainFloorResult {
  hops: number;
  rate: number;
  seconds: number;
  /** Messages the measuring source sent. */
  sent: number;
  /** Messages the sink timed (all of `sent` unless some were still in flight when it went quiet). */
  count: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
}

/**
 * The receiver's report once its `count` stops moving (asked every 300 ms, as `ap bench e2e` does): a
 * loaded machine leaves a backlog, and the next phase must not start while it is still arriving. For
 * workers that answer `report` with a line holding `count` (`csink`, `consumer` of e2e-worker.ts).
 */
export async function drained(w: WorkerProcess): Promise<WorkerLine> {
  let rx: WorkerLine = {};
  for (let prev = -1; ; prev = Number(rx.count)) {
    await sleep(300);
    w.send("report");
    rx = await waitForKey(w, "count");
    if (Number(rx.count) === prev) return rx;
  }
}

/**
 * Latency through a bare chain of `hops` socket hops (`hops + 1` processes of this runtime), paced at `rate`
 * msgs/s for `seconds`, after a warm-up at the same rate. The processes are started here and gone when it
 * resolves or rejects. Each `cfwd` pins as `relay` or `strategy` alternately under `AP_E2E_PIN`.
 */
export async function measureChainFloor(hops: number, rate: number, seconds: number, options: ChainFloorOptions): Promise<ChainFloorResult> {
  if (!Number.isInteger(hops) || hops < 1) throw new RangeError(`measureChainFloor: hops must be a whole number ≥ 1, not ${hops}`);
  if (!(rate > 0) || !(seconds > 0)) throw new RangeError(`measureChainFloor: rate and seconds must be > 0 (${rate}, ${seconds})`);
  const tag = options.tag ?? `chain${hops}`;
  const socks = Array.from({ length: hops }, (_, i) => path.join(options.dir, `${tag}-${i}.sock`));
  const mine: WorkerProcess[] = [];
  const start = (role: string, args: string[]): WorkerProcess => {
    const w = startWorker(WORKER, [role, ...args]);
    mine.push(w);
    return w;
  };
  try {
    const sink = start("csink", [socks[hops - 1]!]);
    await waitForKey(sink, "ready");
    for (let i = hops - 2; i >= 0; i--) {
      const f = start("cfwd", [socks[i]!, socks[i + 1]!, i % 2 === 0 ? "relay" : "strategy"]);
      await waitForKey(f, "ready");
    }
    // Warm-up then the measurement, as the e2e phases.
    const warm = start("csrc", [socks[0]!, String(options.warmUpSeconds ?? 0.5), String(rate)]);
    await waitForKey(warm, "sent");
    killWorker(warm);
    await drained(sink);
    sink.send("reset");
    await waitForKey(sink, "reset");
    const src = start("csrc", [socks[0]!, String(seconds), String(rate)]);
    const sent = await waitForKey(src, "sent", (seconds + 30) * 1000);
    const r = await drained(sink);
    return {
      hops, rate, seconds, sent: Number(sent.sent), count: Number(r.count), p50Ns: Number(r.p50Ns), p99Ns: Number(r.p99Ns), p999Ns: Number(r.p999Ns),
    };
  } finally {
    for (const w of mine) killWorker(w);
  }
}

/** The target for process mode: the relay's two-hop p50 at most this many times the paced 2-hop chain floor. */
export const TWO_HOP_TARGET_OVER_CHAIN = 1.5;

/** `ap bench relay`'s two-hop figure against the 2-hop chain floor of the same run (its `--json` `floor` fields). */
export interface TwoHopVsChain {
  chain2P50Micros: number;
  chain2P99Micros: number;
  /** Messages the chain's sink timed. */
  chain2Samples: number;
  /** The subscriber count whose processes two-hop p50 is compared (1 when it was measured). */
  chain2Subscribers: number;
  /** Processes two-hop p50 ÷ chain floor p50, two decimals (NaN when the floor measured 0). */
  twoHopP50OverChain2: number;
}

/** Compares the relay's processes two-hop p50 (µs, at `subscribers` subscribers) with a 2-hop chain floor. */
export function twoHopVsChain(chain: ChainFloorResult, twoHopP50Micros: number, subscribers: number): TwoHopVsChain {
  const micros = (ns: number): number => Math.round(ns / 100) / 10;
  const p50 = micros(chain.p50Ns);
  return {
    chain2P50Micros: p50,
    chain2P99Micros: micros(chain.p99Ns),
    chain2Samples: chain.count,
    chain2Subscribers: subscribers,
    twoHopP50OverChain2: p50 > 0 ? Math.round((twoHopP50Micros / p50) * 100) / 100 : NaN,
  };
}

/** The printed line of {@link twoHopVsChain} (two leading spaces, no newline). */
export function twoHopVsChainLine(f: TwoHopVsChain, rate: number): string {
  return `  two-hop chain floor (csrc → cfwd → csink, bare processes, paced at ${rate} msgs/s): p50 ${f.chain2P50Micros} µs, p99 ${f.chain2P99Micros} µs (${f.chain2Samples} samples); ` +
    `processes two-hop p50 (${f.chain2Subscribers} sub) ÷ chain floor = ${f.twoHopP50OverChain2}×  (target ≤ ${TWO_HOP_TARGET_OVER_CHAIN}×)`;
}

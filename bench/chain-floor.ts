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
import { median } from "./median.ts";
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

/** One round of the process-mode comparison: the relay's two-hop latency run, then a 2-hop chain right after it. */
export interface TwoHopRound {
  /** The relay's processes two-hop p50 of this round, µs. */
  twoHopP50Micros: number;
  /** The chain floor measured right after it. */
  chain: ChainFloorResult;
}

/** One round as reported: the two p50s in µs and their ratio. */
export interface TwoHopRoundFigures {
  twoHopP50Micros: number;
  chain2P50Micros: number;
  /** twoHopP50Micros ÷ chain2P50Micros, two decimals (NaN when the floor measured 0). */
  ratio: number;
}

/** `ap bench relay`'s two-hop figure against the 2-hop chain floor of the same run (its `--json` `floor` fields). */
export interface TwoHopVsChain {
  /** Median over the rounds of the chain's p50, µs. */
  chain2P50Micros: number;
  /** Median over the rounds of the chain's p99, µs. */
  chain2P99Micros: number;
  /** Messages the chain's sink timed, all rounds. */
  chain2Samples: number;
  /** The subscriber count whose processes two-hop p50 is compared (1 when it was measured). */
  chain2Subscribers: number;
  /** Median over the rounds of each round's ratio (two-hop p50 ÷ that round's chain p50). */
  twoHopP50OverChain2: number;
  /** Every round, in the order measured. */
  rounds: TwoHopRoundFigures[];
}

const micros = (ns: number): number => Math.round(ns / 100) / 10;
/** The median of the measured values (NaN ones left out), two decimals. */
const medianOf = (xs: readonly number[]): number => Math.round(median(xs.filter((x) => !Number.isNaN(x))) * 100) / 100;

/**
 * Compares the relay's processes two-hop p50 (at `subscribers` subscribers) with a 2-hop chain floor, round
 * by round: each round's relay run and the chain measured right after it share the machine's state of that
 * moment, so the ratio is taken per round and the median of the rounds reported.
 */
export function twoHopVsChain(rounds: readonly TwoHopRound[], subscribers: number): TwoHopVsChain {
  if (rounds.length === 0) throw new RangeError("twoHopVsChain: at least one round is needed");
  const figures = rounds.map((r): TwoHopRoundFigures => {
    const c = micros(r.chain.p50Ns);
    return { twoHopP50Micros: r.twoHopP50Micros, chain2P50Micros: c, ratio: c > 0 ? Math.round((r.twoHopP50Micros / c) * 100) / 100 : NaN };
  });
  return {
    chain2P50Micros: medianOf(figures.map((f) => f.chain2P50Micros)),
    chain2P99Micros: medianOf(rounds.map((r) => micros(r.chain.p99Ns))),
    chain2Samples: rounds.reduce((a, r) => a + r.chain.count, 0),
    chain2Subscribers: subscribers,
    twoHopP50OverChain2: medianOf(figures.map((f) => f.ratio)),
    rounds: figures,
  };
}

/** The printed line of {@link twoHopVsChain} (two leading spaces, no newline). */
export function twoHopVsChainLine(f: TwoHopVsChain, rate: number): string {
  const n = f.rounds.length;
  const each = f.rounds.map((r) => `${r.twoHopP50Micros} ÷ ${r.chain2P50Micros} = ${r.ratio}×`).join(", ");
  return `  two-hop chain floor (csrc → cfwd → csink, bare processes, paced at ${rate} msgs/s, ${n} round(s) alternating with the relay's): ` +
    `p50 ${f.chain2P50Micros} µs, p99 ${f.chain2P99Micros} µs (median; ${f.chain2Samples} samples); ` +
    `processes two-hop p50 (${f.chain2Subscribers} sub) ÷ chain floor: ${each} → median ${f.twoHopP50OverChain2}×  (target ≤ ${TWO_HOP_TARGET_OVER_CHAIN}×)`;
}

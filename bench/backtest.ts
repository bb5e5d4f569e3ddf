/**
 * `ap bench backtest`: market-data messages per second through the backtest (momentum → planner → risk
 * → paper venue → portfolio, runtime/backtest/engine.ts), beside a bare decode of the same recording in
 * the same process: frame + checksum-validate every message and walk its TLVs.
 *
 * Data: the tardis.dev binance-futures BTCUSDT trades + quotes (`../shared/data/tardis/`, imported in
 * memory with the `ap import tardis` importer, merged by time), replicated with every header and venue
 * timestamp shifted by the span of the data per copy until it holds `--messages` (default 5 000 000).
 * Each round times both (the backtest including framing and validation of the recording, as `ap backtest`
 * does on load); the medians of `--rounds` (default 3) are reported. Targets (issue 17): ≥ 1 M msgs/s
 * and ≥ 25% of the bare decode rate. `--json` prints the figures and writes them to
 * `bench/results/backtest-<node|deno>.json`.
 *
 * @example
 * ```sh
 * npm run bench -- backtest --messages 5000000 --rounds 3 --json
 * ```
 * @module
 */

import { readFileSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { ImportReport } from "../adapters/history/report.ts";
import { TardisImporter } from "../adapters/history/tardis.ts";
import { SymbolResolver } from "../adapters/history/venues.ts";
import { retimeMessage } from "../adapters/retime-message.ts";
import { concat, HEADER_SIZE, MessageView, messageChecksum, SourceId, validateMessage } from "../protocol/mod.ts";
import { backtestConfig, BacktestFileSchema } from "../runtime/backtest/config.ts";
import { BacktestEngine } from "../runtime/backtest/engine.ts";
import { frameRecording, mergeSources, sourceFromBytes, type MessageSource } from "../runtime/backtest/sources.ts";
import * as v from "valibot";

/** One line for `ap bench --help`. */
export const summary = "backtest msgs/s (momentum+planner+risk+paper+portfolio) vs bare decode, tardis data replicated";

const DEFAULT_DATA = new URL("../../shared/data/tardis/", import.meta.url);

/** The tardis trades + quotes as one time-ordered recording. */
async function tardisRecording(dir: string): Promise<Uint8Array> {
  const files = (await readdir(dir)).filter((f) => /_(trades|quotes)_.*\.csv$/.test(f)).sort().map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no tardis trades/quotes CSV in ${dir}`);
  const chunks: Uint8Array[] = [];
  const importer = new TardisImporter({ publish: (b) => void chunks.push(b.slice()) }, { source: SourceId.ReplayFirst, symbols: new SymbolResolver(new Map()) });
  const report = new ImportReport();
  for (const f of files) await importer.importFile(f, report.file(f));
  const raw = concat(chunks);
  const src = sourceFromBytes("tardis", raw);
  const sched = mergeSources([src]);
  const out: Uint8Array[] = [];
  for (let i = 0; i < sched.length; i++) {
    const at = sched.offset[i]!;
    const len = HEADER_SIZE + new DataView(raw.buffer, raw.byteOffset + at).getUint32(24, true);
    out.push(raw.subarray(at, at + len));
  }
  return concat(out);
}

/** `base` copied until it holds `messages` messages, every copy's times shifted past the previous one. */
export function replicate(base: Uint8Array, messages: number): Uint8Array {
  const offsets = frameRecording(base, "base");
  const n = offsets.length;
  const dv0 = new DataView(base.buffer, base.byteOffset, base.byteLength);
  const first = dv0.getBigUint64(offsets[0]! + 16, true);
  const span = dv0.getBigUint64(offsets[n - 1]! + 16, true) - first + 1_000_000n;
  const copies = Math.ceil(messages / n);
  const out = new Uint8Array(base.length * copies);
  for (let c = 0; c < copies; c++) {
    const shift = span * BigInt(c);
    for (let i = 0; i < n; i++) {
      const at = offsets[i]!;
      const len = HEADER_SIZE + dv0.getUint32(at + 24, true);
      const m = c === 0 ? base.subarray(at, at + len) : retimeMessage(base.subarray(at, at + len), shift);
      const dst = c * base.length + at;
      out.set(m, dst);
      if (c > 0) {
        const dv = new DataView(out.buffer, dst, len);
        dv.setBigUint64(16, dv0.getBigUint64(at + 16, true) + shift, true);
        dv.setUint32(28, messageChecksum(out, dst, len), true);
      }
    }
  }
  return out;
}

/** Bare decode: frame, validate, walk the TLVs. Returns messages seen. */
function bareDecode(bytes: Uint8Array): number {
  const view = new MessageView();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let n = 0;
  let types = 0;
  while (at < bytes.length) {
    if (validateMessage(bytes, at) !== undefined) throw new Error(`bad message at ${at}`);
    view.wrap(bytes, at);
    if (view.firstTlv()) do types += view.tlvType;
    while (view.nextTlv());
    at += HEADER_SIZE + dv.getUint32(at + 24, true);
    n++;
  }
  if (types === 0) throw new Error("no TLVs");
  return n;
}

const CONFIG = {
  backtest: { equityIntervalMs: 60_000 },
  strategies: [{ strategy: "momentum", config: { strategyId: 21, windows: [{ seconds: 5, thresholdBps: 3 }, { seconds: 15, thresholdBps: 6 }], minTrades: 5, cooldownMs: 5000 } }],
  execution: {
    planner: { capital: "100000", capitalFraction: 0.05, orderType: "ioc", maxSlippageBps: 10, lotSize: "0.001" },
    risk: { limits: { maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "1000000", maxDataAgeMs: 10000 } },
    paper: { latencyMs: 20, fees: { makerBps: 2, takerBps: 4 } },
  },
};

/** Profiles only the backtest run (BENCH_BACKTEST_PROFILE=1, Node): writes backtest-run.cpuprofile. */
async function startProfile(): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector");
  const { writeFile } = await import("node:fs/promises");
  const s = new Session();
  s.connect();
  const post = (m: string, p?: object): Promise<unknown> => new Promise((res, rej) => s.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  return async () => {
    const r = (await post("Profiler.stop")) as { profile: unknown };
    await writeFile("backtest-run.cpuprofile", JSON.stringify(r.profile));
    s.disconnect();
  };
}

/**
 * CPU time of the calling thread so far (ms, 10 ms resolution; Linux `/proc/thread-self/stat`), or
 * undefined elsewhere. On a shared machine the wall-clock rates swing with the load; the rates per
 * second of this thread's CPU time are the steadier figures, reported beside them.
 */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the benchmark. */
export async function run(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args], options: { messages: { type: "string" }, rounds: { type: "string" }, data: { type: "string" }, json: { type: "boolean" } },
  });
  const target = Number(values.messages ?? 5_000_000);
  const rounds = Number(values.rounds ?? 3);
  const dir = values.data ?? DEFAULT_DATA.pathname;
  const base = await tardisRecording(dir);
  const bytes = replicate(base, target);
  const config = backtestConfig(v.parse(BacktestFileSchema, CONFIG), "bench-backtest.yaml");
  const profile = process.env.BENCH_BACKTEST_PROFILE === "1";
  const decodeRates: number[] = [];
  const backtestRates: number[] = [];
  const decodeCpuRates: number[] = [];
  const backtestCpuRates: number[] = [];
  let last: { messages: number; orders: number; fills: number } | undefined;
  for (let r = 0; r < rounds; r++) {
    let c = threadCpuMs();
    let t = performance.now();
    const n = bareDecode(bytes);
    decodeRates.push(n / ((performance.now() - t) / 1000));
    if (c !== undefined) decodeCpuRates.push(n / ((threadCpuMs()! - c) / 1000));
    const engine = await BacktestEngine.create(config);
    c = threadCpuMs();
    t = performance.now();
    const source: MessageSource = sourceFromBytes("replicated", bytes);
    const inspector = profile ? await startProfile() : undefined;
    const result = engine.run([source]);
    if (inspector !== undefined) await inspector();
    backtestRates.push(result.messages / ((performance.now() - t) / 1000));
    if (c !== undefined) backtestCpuRates.push(result.messages / ((threadCpuMs()! - c) / 1000));
    last = { messages: result.messages, orders: result.recorder.orders, fills: result.recorder.fills.length };
  }
  const out = {
    runtime: typeof (globalThis as { Deno?: unknown }).Deno === "undefined" ? `node ${process.versions.node}` : "deno",
    messages: last!.messages, bytes: bytes.length, rounds, orders: last!.orders, fills: last!.fills,
    bareDecodeMsgsPerSec: Math.round(median(decodeRates)), backtestMsgsPerSec: Math.round(median(backtestRates)),
    shareOfBareDecode: Number((median(backtestRates) / median(decodeRates)).toFixed(3)),
    ...(decodeCpuRates.length === rounds && backtestCpuRates.length === rounds ? {
      cpu: {
        bareDecodeMsgsPerCpuSec: Math.round(median(decodeCpuRates)), backtestMsgsPerCpuSec: Math.round(median(backtestCpuRates)),
        shareOfBareDecode: Number((median(backtestCpuRates) / median(decodeCpuRates)).toFixed(3)),
      },
    } : {}),
    targets: { msgsPerSec: 1_000_000, shareOfBareDecode: 0.25 },
  };
  if (values.json === true) {
    const runtime = out.runtime.startsWith("node") ? "node" : "deno";
    const file = new URL(`./results/backtest-${runtime}.json`, import.meta.url);
    const record = { benchmark: "backtest", date: new Date().toISOString(), cpu: cpus()[0]?.model ?? "?", cores: cpus().length, loadAverage: loadavg(), ...out };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  else {
    process.stdout.write(`backtest bench (${out.runtime}): ${out.messages} market-data messages (${(out.bytes / 1e6).toFixed(0)} MB), median of ${rounds} rounds\n`);
    process.stdout.write(`  bare decode (frame + validate + TLV walk): ${out.bareDecodeMsgsPerSec.toLocaleString("en")} msgs/s\n`);
    process.stdout.write(`  backtest (momentum + planner + risk + paper + portfolio): ${out.backtestMsgsPerSec.toLocaleString("en")} msgs/s = ${(out.shareOfBareDecode * 100).toFixed(1)}% of bare decode (${out.orders} orders, ${out.fills} fills)\n`);
    if (out.cpu !== undefined) {
      process.stdout.write(`  per second of this thread's CPU time (steadier on a loaded machine): bare decode ${out.cpu.bareDecodeMsgsPerCpuSec.toLocaleString("en")}, backtest ${out.cpu.backtestMsgsPerCpuSec.toLocaleString("en")} msgs = ${(out.cpu.shareOfBareDecode * 100).toFixed(1)}%\n`);
    }
    process.stdout.write(`  targets: ≥ 1,000,000 msgs/s ${out.backtestMsgsPerSec >= 1e6 ? "met" : "MISSED"}; ≥ 25% of bare decode ${out.shareOfBareDecode >= 0.25 ? "met" : "MISSED"}\n`);
  }
  return 0;
}

/**
 * Normalize throughput per venue: raw trade frame text → Protocol V2 message bytes through the venue
 * adapter's real parsing code (the trade fast path: exact-layout regex test + spans, exact decimals,
 * reused MessageBuilder, CRC-32), beside plain `JSON.parse` of the same frames in the same run, and the
 * adapter with its fast path off (the general in-place JSON cursor) for context. Target: ≥ 500 k trade
 * frames/s per core. Each adapter row checks that every frame was published and took the path it names.
 *
 *   npx tsx bench/normalize.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu] [--rounds <n, default 5>]
 *   $DENO run -A bench/normalize.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu] [--rounds <n>]
 *
 * Each call feeds a batch of distinct frames (increasing trade ids, varied prices and sizes, real wire
 * shapes) to a fresh adapter — the adapters drop trade ids they have seen, so the state must start over
 * per batch; the adapter's construction is inside the measured time. The sink only counts bytes.
 * Results go to `bench/results/normalize-<runtime>.json`.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { Bench } from "tinybench";
import { BinanceAdapter } from "../adapters/binance/adapter.ts";
import { CoinbaseAdapter } from "../adapters/coinbase/adapter.ts";
import type { AdapterIo, VenueAdapter } from "../adapters/common/adapter.ts";
import type { MessageSink } from "../adapters/common/sink.ts";
import { KrakenAdapter } from "../adapters/kraken/adapter.ts";
import { MessageBuilder, parseDecimal, pairAssetId } from "../protocol/mod.ts";
import { benchOptions } from "./options.ts";

const OPTIONS = benchOptions(1000);
const RUNTIME = OPTIONS.runtime;
const RUNTIME_VERSION = OPTIONS.runtimeVersion;
const jsonOutput = OPTIONS.json;
const TASK_TIME_MS = OPTIONS.taskTimeMs;
const CLOCK = OPTIONS.clock;

/** Target of every adapter row: trade frames per second on one core. */
const TARGET = 500_000;
const BATCH = 4096;

// ------------------------------------------------------------------------------------------- frames

function price(i: number, base: number, decimals: number): string {
  const units = base + ((i * 7919) % 100_000);
  const s = String(units).padStart(decimals + 1, "0");
  return `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}
function size(i: number): string {
  return `0.${String(1 + ((i * 104_729) % 99_999_999)).padStart(8, "0")}`;
}
function iso(i: number): string {
  return `2025-08-22T20:${String(10 + Math.floor(i / 60_000) % 50).padStart(2, "0")}:${String(Math.floor(i / 1000) % 60).padStart(2, "0")}.${String(i % 1_000_000).padStart(6, "0")}Z`;
}

/** Frames as a WebSocket client hands them over: flat strings decoded from UTF-8 bytes. */
const utf8 = { enc: new TextEncoder(), dec: new TextDecoder() };
const flat = (s: string): string => utf8.dec.decode(utf8.enc.encode(s));

const coinbaseFrames = Array.from({ length: BATCH }, (_, i) =>
  `{"type":"match","trade_id":${865_127_782 + i},"maker_order_id":"5f4bb11b-f065-4025-ad53-2091b10ad2cf","taker_order_id":"66715b57-0167-4ae9-8b2b-75a064a923f4","side":"${i % 3 === 0 ? "sell" : "buy"}","size":"${size(i)}","price":"${price(i, 11_682_785, 2)}","product_id":"BTC-USD","sequence":${110_614_077_300 + 7 * i},"time":"${iso(i)}"}`).map(flat);
const binanceFrames = Array.from({ length: BATCH }, (_, i) =>
  `{"stream":"btcusdt@trade","data":{"e":"trade","E":${1_755_893_490_000 + i},"s":"BTCUSDT","t":${4_912_345_678 + i},"p":"${price(i, 11_682_785, 2)}000000","q":"${size(i)}","T":${1_755_893_489_998 + i},"m":${i % 2 === 0},"M":true}}`).map(flat);
const krakenFrames = Array.from({ length: BATCH }, (_, i) =>
  `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"${i % 2 ? "buy" : "sell"}","price":${price(i, 1_059_442, 1)},"qty":${size(i)},"ord_type":"market","trade_id":${10_218_208 + i},"timestamp":"${iso(i)}"}]}`).map(flat);

// --------------------------------------------------------------------------------------------- tasks

let sinkBytes = 0;
const countingSink: MessageSink = { publish: (b) => void (sinkBytes += b.length) };
// A live feed's driver: the frame's receive time stamps its message (one clock read per frame, taken
// by the driver — here a fixed time, as the frames are not really received).
const io: AdapterIo = {
  nowMs: 1_755_893_490_100, replaying: false, send() {}, requestRest() {}, touch() {}, reconnect() {}, log() {},
};

function feed(adapter: VenueAdapter, frames: readonly string[], fastPath = true): void {
  for (let i = 0; i < frames.length; i++) adapter.onFrame(frames[i]!, io);
  const m = adapter.metrics;
  if (m.published !== frames.length || m.parseErrors !== 0 || m.fastPathFrames !== (fastPath ? frames.length : 0)) {
    throw new Error(`${adapter.name}: ${m.published} of ${frames.length} frames published, ${m.fastPathFrames} on the fast path (${m.lastError})`);
  }
}

function binance(fastPath: boolean): BinanceAdapter {
  const a = new BinanceAdapter({ sink: countingSink, symbols: ["BTCUSDT"], bookTicker: false, depth: false, fastPath });
  a.onRest("https://api.binance.com/api/v3/exchangeInfo", '{"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT"}]}', io);
  return a;
}

let parsed = 0;
function jsonParse(frames: readonly string[]): void {
  for (let i = 0; i < frames.length; i++) parsed += (JSON.parse(frames[i]!) as object) === null ? 0 : 1;
}

// The naive exact path: JSON.parse, protocol parseDecimal on the strings, builder — for context.
const naiveBuilder = new MessageBuilder();
const ASSET = pairAssetId("BTC", "USD");
function naiveCoinbase(frames: readonly string[]): void {
  for (let i = 0; i < frames.length; i++) {
    const o = JSON.parse(frames[i]!) as { price: string; size: string; side: string; time: string };
    const p = parseDecimal(o.price);
    const s = parseDecimal(o.size);
    const ns = BigInt(Date.parse(o.time)) * 1_000_000n;
    sinkBytes += naiveBuilder.begin(1, 3).addTrade(ASSET, 102, 1, o.side === "sell" ? 1 : 2, p.inexact || s.inexact ? 1 : 0, p.value, s.value, ns).finishLength();
  }
}

interface TaskSpec {
  id: string;
  venue: string;
  label: string;
  fn: () => void;
  baseline?: string;
  target?: number;
}
const coinbase = (fastPath: boolean) => new CoinbaseAdapter({ sink: countingSink, products: ["BTC-USD"], level2: false, ticker: false, fastPath });
const kraken = (fastPath: boolean) => new KrakenAdapter({ sink: countingSink, symbols: ["BTC/USD"], ticker: false, bookSubscribeDepth: 0, fastPath });
const TASKS: TaskSpec[] = [
  { id: "coinbase.adapter", venue: "coinbase", label: "CoinbaseAdapter.onFrame(match) → Trade bytes", baseline: "coinbase.json", target: TARGET,
    fn: () => feed(coinbase(true), coinbaseFrames) },
  { id: "coinbase.json", venue: "coinbase", label: "JSON.parse(match)", fn: () => jsonParse(coinbaseFrames) },
  { id: "coinbase.general", venue: "coinbase", label: "the same, fast path off (general JSON cursor)", baseline: "coinbase.json",
    fn: () => feed(coinbase(false), coinbaseFrames, false) },
  { id: "coinbase.naive", venue: "coinbase", label: "JSON.parse + parseDecimal ×2 + builder (naive exact)", baseline: "coinbase.json",
    fn: () => naiveCoinbase(coinbaseFrames) },
  { id: "binance.adapter", venue: "binance", label: "BinanceAdapter.onFrame(trade) → Trade bytes", baseline: "binance.json", target: TARGET,
    fn: () => feed(binance(true), binanceFrames) },
  { id: "binance.json", venue: "binance", label: "JSON.parse(trade)", fn: () => jsonParse(binanceFrames) },
  { id: "binance.general", venue: "binance", label: "the same, fast path off (general JSON cursor)", baseline: "binance.json",
    fn: () => feed(binance(false), binanceFrames, false) },
  { id: "kraken.adapter", venue: "kraken", label: "KrakenAdapter.onFrame(trade, JSON numbers) → Trade bytes", baseline: "kraken.json", target: TARGET,
    fn: () => feed(kraken(true), krakenFrames) },
  { id: "kraken.json", venue: "kraken", label: "JSON.parse(trade) (floats: not exact)", fn: () => jsonParse(krakenFrames) },
  { id: "kraken.general", venue: "kraken", label: "the same, fast path off (general JSON cursor)", baseline: "kraken.json",
    fn: () => feed(kraken(false), krakenFrames, false) },
];

interface Result {
  id: string;
  venue: string;
  label: string;
  framesPerSecond: number;
  nsPerFrame: number;
  rmePercent: number;
  samples: number;
  /** Frames/s of each round (the figure is their median). */
  roundRates: number[];
  baseline?: string;
  ratio?: number;
  target?: number;
  meetsTarget?: boolean;
}

// Rounds, as in the protocol benchmark: every task runs once per round, rounds one after another, and
// a task's figure is the median of its rounds; a ratio is the median of the per-round ratios (task and
// baseline measured seconds apart, not minutes). On this shared VM a neighbour can slow a whole
// stretch of seconds by 1.5–2×: one task measured in one stretch can land wholly inside it.
const ROUNDS = OPTIONS.rounds;
const perRound = new Map<string, number[]>(TASKS.map((t) => [t.id, []]));
const rmes = new Map<string, number[]>(TASKS.map((t) => [t.id, []]));
const samples = new Map<string, number>(TASKS.map((t) => [t.id, 0]));
if (!jsonOutput) {
  process.stderr.write(`running ${TASKS.length} tasks × ${ROUNDS} rounds × ~${Math.round(TASK_TIME_MS / ROUNDS)} ms (${CLOCK} clock, ${BATCH} frames/call) on ${RUNTIME_VERSION}…\n`);
}
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({
    name: "normalize", time: TASK_TIME_MS / ROUNDS, warmupTime: round === 0 ? Math.min(300, TASK_TIME_MS) : 20, iterations: 4,
    ...OPTIONS.tinybenchClock,
  });
  for (const t of TASKS) bench.add(t.id, t.fn);
  await bench.run();
  for (const t of TASKS) {
    const r = bench.getTask(t.id)?.result as { period?: number; latency?: { rme: number; samplesCount: number }; error?: Error; state?: string } | undefined;
    if (!r || r.period === undefined || r.latency === undefined) throw new Error(`task ${t.id} did not complete: ${r?.error?.message ?? r?.state ?? "no result"}`);
    perRound.get(t.id)!.push((1000 / r.period) * BATCH);
    rmes.get(t.id)!.push(r.latency.rme);
    samples.set(t.id, samples.get(t.id)! + r.latency.samplesCount);
  }
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

const results: Result[] = TASKS.map((t) => {
  const fps = median(perRound.get(t.id)!);
  const out: Result = {
    id: t.id, venue: t.venue, label: t.label, framesPerSecond: fps, nsPerFrame: 1e9 / fps, rmePercent: median(rmes.get(t.id)!),
    samples: samples.get(t.id)!, roundRates: perRound.get(t.id)!,
  };
  if (t.baseline) {
    out.baseline = t.baseline;
    const base = perRound.get(t.baseline)!;
    out.ratio = median(perRound.get(t.id)!.map((x, i) => x / base[i]!));
  }
  if (t.target) {
    out.target = t.target;
    out.meetsTarget = fps >= t.target;
  }
  return out;
});

const report = {
  benchmark: "normalize", runtime: RUNTIME, runtimeVersion: RUNTIME_VERSION, clock: CLOCK, taskTimeMs: TASK_TIME_MS, rounds: ROUNDS, framesPerCall: BATCH,
  cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadavg: loadavg(), date: new Date().toISOString(),
  results, allTargetsMet: results.every((r) => r.meetsTarget !== false),
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/normalize-${RUNTIME}.json`, import.meta.url), JSON.stringify(report, null, 2) + "\n");

if (jsonOutput) {
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
} else {
  const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
  const lines = [`${"task".padEnd(20)} ${"frames/s".padStart(10)} ${"ns/frame".padStart(9)} ${"±%".padStart(6)}  ${"vs JSON.parse".padStart(13)}  target  label`];
  for (const r of results) {
    lines.push(`${r.id.padEnd(20)} ${fmt(r.framesPerSecond).padStart(10)} ${r.nsPerFrame.toFixed(0).padStart(9)} ${r.rmePercent.toFixed(1).padStart(6)}  ${(r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`).padStart(13)}  ${r.target === undefined ? "      " : r.meetsTarget ? "  met " : "MISSED"}  ${r.label}`);
  }
  process.stdout.write(`${lines.join("\n")}\n\nload average ${loadavg().map((x) => x.toFixed(2)).join(" ")} on ${cpus().length} cores; results written to bench/results/normalize-${RUNTIME}.json\n`);
}
if (sinkBytes < 0 || parsed < 0) process.stdout.write("");

/**
 * Strategy throughput: `onMarketData` of the flash-arbitrage strategy on PoolSync/PoolSwap updates of
 * 1,000 pools across 100 token pairs, and of the momentum strategy on trades of 100 instruments, on Node
 * or Deno. Each row is checked against its target (≥ 200 k updates/s arbitrage, ≥ 1 M trades/s
 * momentum) and shown next to a baseline measured in the same run: the typed decode
 * (`decodeMessage`) of the same messages, which a strategy reading in place should beat.
 *
 *   npx tsx bench/strategies.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu]
 *   $DENO run -A bench/strategies.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu]
 *
 * Streams are built once (4,096 messages back to back); every pass rewrites block numbers and log
 * indexes (pools) or trade times (momentum) in place so updates always move forward, as live data
 * does — nothing is skipped as out of order (the counters printed at the end show it). Arbitrage streams: pool prices within the fee band of each other (the
 * normal case: screened, nothing to evaluate), with 1 % of updates moving a pool 2 % off (exact
 * evaluation: V2 closed form or V3 search, USD, gas, signal), and with every other update doing so — a
 * worst case where most pairs disagree all the time, reported without a target. Results go to `bench/results/strategies-<runtime>.json`.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { Bench } from "tinybench";
import { MessageView, RelayDomain, Side, Venue, concat, decodeMessage, encodeMessage, pairInstrument, type Tlv } from "../protocol/mod.ts";
import { ArbitrageConfigSchema } from "../trading/strategies/arbitrage/config.ts";
import { FlashArbitrageStrategy } from "../trading/strategies/arbitrage/strategy.ts";
import { parseConfig } from "../trading/config.ts";
import { isqrt } from "../trading/dex/int-math.ts";
import type { PoolMeta } from "../trading/dex/pool-cache.ts";
import { Q96, getSqrtRatioAtTick } from "../trading/dex/v3-math.ts";
import { MomentumConfigSchema } from "../trading/strategies/momentum/config.ts";
import { MomentumStrategy } from "../trading/strategies/momentum/strategy.ts";
import { benchOptions } from "./options.ts";

const OPTIONS = benchOptions(1000);
const RUNTIME = OPTIONS.runtime;
const RUNTIME_VERSION = OPTIONS.runtimeVersion;
const jsonOutput = OPTIONS.json;
const TASK_TIME_MS = OPTIONS.taskTimeMs;
const CLOCK = OPTIONS.clock;

const STREAM = 4096;
const BATCH = 1024;
const PAIRS = 100;
const POOLS_PER_PAIR = 10;
const V3_PER_PAIR = 3;

// ------------------------------------------------------------------------------------ deterministic rng
let seed = 0x2545f491;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4_294_967_296;
}

function address(kind: number, i: number): string {
  return "0x" + kind.toString(16).padStart(2, "0") + i.toString(16).padStart(38, "0");
}

// ---------------------------------------------------------------------------------------- arbitrage
interface PoolSpec extends PoolMeta { pair: number; }

const pools: PoolSpec[] = [];
const fixedUsd: Record<string, string> = {};
for (let p = 0; p < PAIRS; p++) {
  const token0 = address(0xa0, p * 2);
  const token1 = address(0xb0, p * 2 + 1);
  fixedUsd[token0] = "1";
  for (let k = 0; k < POOLS_PER_PAIR; k++) {
    const v3 = k < V3_PER_PAIR;
    pools.push({
      address: address(0x10, p * POOLS_PER_PAIR + k), kind: v3 ? "v3" : "v2", venue: v3 ? Venue.UniswapV3 : Venue.UniswapV2, token0, token1,
      decimals0: 18, decimals1: 18, fee: v3 ? 3000 : 3000, tickSpacing: 60, pair: p,
    });
  }
}
const arbConfig = parseConfig(ArbitrageConfigSchema, {
  minNetProfitUsd: "0.01", chains: { "1": { nativeUsd: "2000", gasPriceWei: "1000000000" } }, usd: { fixed: fixedUsd },
});

const BLOCK_OFF_SYNC = 32 + 2 + 60;
const BLOCK_OFF_SWAP = 32 + 2 + 100;

function v3Tlv(pool: PoolSpec, price: number, block: number): Tlv {
  const sqrtPriceX96 = isqrt(BigInt(Math.floor(price * 1e12)) * Q96 * Q96 / 10n ** 12n);
  let lo = -887272;
  let hi = 887272;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (getSqrtRatioAtTick(mid) <= sqrtPriceX96) lo = mid;
    else hi = mid - 1;
  }
  return {
    type: 4, name: "PoolSwap", venue: pool.venue, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 18, pool: pool.address, tokenIn: pool.token0,
    tokenOut: pool.token1, amountIn: 10n ** 18n, amountOut: 10n ** 18n, blockNumber: BigInt(block), logIndex: 0, blockTimestamp: 0n,
    sqrtPriceX96After: sqrtPriceX96, liquidityAfter: 10n ** 24n, tickAfter: lo,
  };
}

/** A stream of pool updates; `opportunityShare` of them move a pool 2 % off its pair's price. */
function poolStream(opportunityShare: number, kinds: "mixed" | "sync" | "swap"): { bytes: Uint8Array; offsets: Int32Array; blockOffsets: Int32Array } {
  const msgs: Uint8Array[] = [];
  const blockOffsets = new Int32Array(STREAM);
  const pairPrice = Array.from({ length: PAIRS }, () => 0.5 + rand() * 2);
  let seq = 0;
  for (let i = 0; i < STREAM; i++) {
    let pool: PoolSpec;
    do pool = pools[Math.floor(rand() * pools.length)]!;
    while ((kinds === "sync" && pool.kind === "v3") || (kinds === "swap" && pool.kind === "v2"));
    // Worst case (share 1): every other update moves a pool 2 % off while the others stay put, so
    // most pairs disagree; otherwise a random share of updates does.
    const opportunity = opportunityShare >= 1 ? i % 2 === 0 : rand() < opportunityShare;
    const drift = opportunity ? 1.02 : 1 + (rand() - 0.5) * 0.002; // ±0.1 %: inside 0.3 % + 0.3 % fees
    const price = pairPrice[pool.pair]! * drift;
    let tlv: Tlv;
    if (pool.kind === "v2") {
      const r0 = 10n ** 24n + BigInt(Math.floor(rand() * 1e6)) * 10n ** 12n;
      tlv = { type: 7, name: "PoolSync", venue: pool.venue, flags: 0, token0Decimals: 18, token1Decimals: 18, pool: pool.address, reserve0: r0,
        reserve1: (r0 * BigInt(Math.floor(price * 1e12))) / 10n ** 12n, blockNumber: 1n, logIndex: 0, blockTimestamp: 0n };
      blockOffsets[i] = BLOCK_OFF_SYNC;
    } else {
      tlv = v3Tlv(pool, price, 1);
      blockOffsets[i] = BLOCK_OFF_SWAP;
    }
    msgs.push(encodeMessage({ relayDomain: RelayDomain.MarketData, source: 6, sequence: BigInt(++seq), timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n }, [tlv]));
  }
  const bytes = concat(msgs);
  const offsets = new Int32Array(STREAM);
  let off = 0;
  for (let i = 0; i < STREAM; i++) {
    offsets[i] = off;
    off += msgs[i]!.length;
  }
  return { bytes, offsets, blockOffsets };
}

function arbitrageTask(opportunityShare: number, kinds: "mixed" | "sync" | "swap"): { fn: () => void; stream: ReturnType<typeof poolStream>; strategy: FlashArbitrageStrategy } {
  const stream = poolStream(opportunityShare, kinds);
  const strategy = new FlashArbitrageStrategy(arbConfig, pools, { publish() {} });
  const view = new MessageView();
  const dv = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
  let block = 1;
  let at = 0;
  // Prime every pool with a state so all pairs are live.
  for (let i = 0; i < STREAM; i++) strategy.onMarketData(view.wrap(stream.bytes, stream.offsets[i]!));
  const fn = (): void => {
    for (let n = 0; n < BATCH; n++) {
      if (at === STREAM) {
        at = 0;
      }
      if (at === 0) block++;
      const off = stream.offsets[at]!;
      dv.setUint32(off + stream.blockOffsets[at]!, block, true);
      dv.setUint32(off + stream.blockOffsets[at]! + 8, at, true); // log index follows the block number in both TLVs
      strategy.onMarketData(view.wrap(stream.bytes, off));
      at++;
    }
  };
  return { fn, stream, strategy };
}

// ----------------------------------------------------------------------------------------- momentum
const INSTRUMENTS = 100;
const TRADE_TIME_OFF = 32 + 2 + 32;
const STEP_NS = 100_000; // 10,000 trades/s in the stream → 100/s per instrument

function tradeStream(): { bytes: Uint8Array; offsets: Int32Array } {
  const symbols = Array.from({ length: INSTRUMENTS }, (_, i) => pairInstrument(`T${i}`, "USD", Venue.Binance));
  const prices = Array.from({ length: INSTRUMENTS }, () => 100 + rand() * 1000);
  const msgs: Uint8Array[] = [];
  for (let i = 0; i < STREAM; i++) {
    const k = Math.floor(rand() * INSTRUMENTS);
    prices[k] = prices[k]! * (1 + (rand() - 0.5) * 0.004);
    msgs.push(encodeMessage({ relayDomain: RelayDomain.MarketData, source: 1, sequence: BigInt(i + 1), timestamp: 1n }, [{
      type: 1, name: "Trade", instrument: symbols[k]!, side: rand() < 0.5 ? Side.Buy : Side.Sell, flags: 0,
      price: BigInt(Math.round(prices[k]! * 1e8)), size: BigInt(1 + Math.floor(rand() * 1e8)), execTimestamp: 1n,
    }]));
  }
  const bytes = concat(msgs);
  const offsets = new Int32Array(STREAM);
  let off = 0;
  for (let i = 0; i < STREAM; i++) {
    offsets[i] = off;
    off += msgs[i]!.length;
  }
  return { bytes, offsets };
}

function momentumTask(): { fn: () => void; strategy: MomentumStrategy; stream: ReturnType<typeof tradeStream> } {
  const stream = tradeStream();
  const strategy = new MomentumStrategy(parseConfig(MomentumConfigSchema, {
    windows: [{ seconds: 10, thresholdBps: 30 }, { seconds: 60, thresholdBps: 80 }], minTrades: 10, cooldownMs: 30_000, capacity: 8192, maxInstruments: 128,
  }), { publish() {} });
  const view = new MessageView();
  const dv = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
  let t = 1e9;
  let at = 0;
  const fn = (): void => {
    for (let n = 0; n < BATCH; n++) {
      if (at === STREAM) at = 0;
      const off = stream.offsets[at]!;
      t += STEP_NS;
      dv.setUint32(off + TRADE_TIME_OFF, t % 4_294_967_296, true);
      dv.setUint32(off + TRADE_TIME_OFF + 4, Math.floor(t / 4_294_967_296), true);
      strategy.onMarketData(view.wrap(stream.bytes, off));
      at++;
    }
  };
  return { fn, strategy, stream };
}

function decodeTask(original: { bytes: Uint8Array; offsets: Int32Array }): () => void {
  // A private copy: the strategy tasks rewrite block numbers and times in theirs (checksums go stale).
  const stream = { bytes: original.bytes.slice(), offsets: original.offsets };
  let at = 0;
  return () => {
    for (let n = 0; n < BATCH; n++) {
      if (at === STREAM) at = 0;
      const off = stream.offsets[at]!;
      const len = 32 + new DataView(stream.bytes.buffer, stream.bytes.byteOffset + off + 24, 4).getUint32(0, true);
      decodeMessage(stream.bytes.subarray(off, off + len));
      at++;
    }
  };
}

// -------------------------------------------------------------------------------------------- run
interface TaskDef { id: string; label: string; fn: () => void; target?: number; baseline?: string; }

const arbNormal = arbitrageTask(0, "mixed");
const arbSync = arbitrageTask(0, "sync");
const arbSwap = arbitrageTask(0, "swap");
const arbOnePct = arbitrageTask(0.01, "mixed");
const arbAll = arbitrageTask(1, "mixed");
const mom = momentumTask();

const TASKS: TaskDef[] = [
  { id: "decode.pools", label: "baseline: decodeMessage of the pool updates", fn: decodeTask(arbNormal.stream) },
  { id: "arb.mixed", label: "arbitrage: PoolSync + V3 PoolSwap, pools agree", fn: arbNormal.fn, target: 200_000, baseline: "decode.pools" },
  { id: "arb.sync", label: "arbitrage: PoolSync only (V2), pools agree", fn: arbSync.fn, target: 200_000, baseline: "decode.pools" },
  { id: "arb.swap", label: "arbitrage: V3 PoolSwap only, pools agree", fn: arbSwap.fn, target: 200_000, baseline: "decode.pools" },
  { id: "arb.opp1", label: "arbitrage: mixed, 1 % open an exact opportunity", fn: arbOnePct.fn, target: 200_000, baseline: "decode.pools" },
  { id: "arb.opp100", label: "arbitrage: half the updates 2 % off (worst case)", fn: arbAll.fn, baseline: "decode.pools" },
  { id: "decode.trades", label: "baseline: decodeMessage of the trades", fn: decodeTask(mom.stream) },
  { id: "momentum", label: "momentum: trades, 100 instruments, 2 windows", fn: mom.fn, target: 1_000_000, baseline: "decode.trades" },
];


const bench = new Bench({ name: "strategies", time: TASK_TIME_MS, warmupTime: Math.min(300, TASK_TIME_MS), iterations: 16, ...OPTIONS.tinybenchClock });
for (const t of TASKS) bench.add(t.id, t.fn);
if (!jsonOutput) process.stderr.write(`running ${TASKS.length} tasks × ~${TASK_TIME_MS} ms (${CLOCK} clock) on ${RUNTIME_VERSION}…\n`);
await bench.run();

interface Result { id: string; label: string; perSecond: number; nsPerMessage: number; rmePercent: number; target?: number; ratio?: number; meetsTarget?: boolean; }
const results: Result[] = TASKS.map((t) => {
  const r = bench.getTask(t.id)?.result as { period?: number; latency?: { rme: number }; error?: Error; state?: string } | undefined;
  if (!r || r.period === undefined || r.latency === undefined) throw new Error(`task ${t.id} did not complete: ${r?.error?.message ?? r?.state ?? "no result"}`);
  const perSecond = (1000 / r.period) * BATCH;
  const out: Result = { id: t.id, label: t.label, perSecond, nsPerMessage: 1e9 / perSecond, rmePercent: r.latency.rme };
  if (t.target !== undefined) {
    out.target = t.target;
    out.meetsTarget = perSecond >= t.target;
  }
  return out;
});
for (const t of TASKS) {
  const r = results.find((x) => x.id === t.id)!;
  const base = results.find((x) => x.id === t.baseline);
  if (base) r.ratio = r.perSecond / base.perSecond;
}

const report = {
  benchmark: "strategies", runtime: RUNTIME, runtimeVersion: RUNTIME_VERSION, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length,
  date: new Date().toISOString(), taskTimeMs: TASK_TIME_MS, clock: CLOCK, loadAverage: loadavg(), pools: pools.length, pairs: PAIRS, instruments: INSTRUMENTS,
  results, allTargetsMet: results.every((r) => r.meetsTarget !== false),
  // What the streams did, to show the work was real.
  arbitrageStats: { normal: arbNormal.strategy.stats(), onePercent: arbOnePct.strategy.stats(), all: arbAll.strategy.stats() },
  momentumStats: mom.strategy.stats(),
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/strategies-${RUNTIME}.json`, import.meta.url), JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}
if (jsonOutput) {
  process.stdout.write(JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
} else {
  const rows = results.map((r) => [r.label, fmt(r.perSecond), r.nsPerMessage.toFixed(0), r.rmePercent.toFixed(1),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`, r.target === undefined ? "" : `≥ ${fmt(r.target)}`, r.meetsTarget === undefined ? "" : r.meetsTarget ? "yes" : "NO"]);
  const head = ["task", "updates/s", "ns/update", "±%", "vs decode", "target", "ok"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write([line(head), ...rows.map(line)].join("\n") + "\n\n");
  process.stdout.write(`arbitrage work (normal stream): ${JSON.stringify(arbNormal.strategy.stats())}\n`);
  process.stdout.write(`arbitrage work (1 % stream): ${JSON.stringify(arbOnePct.strategy.stats())}\n`);
  process.stdout.write(`momentum work: ${JSON.stringify(mom.strategy.stats())}\n`);
  process.stdout.write(`results written to bench/results/strategies-${RUNTIME}.json\n`);
}

/**
 * EVM adapter throughput: pool-log notification text (`eth_subscription` frames) → Protocol V2 message
 * bytes, beside plain `JSON.parse` of the same frames, and the cost of decoding the ABI with viem versus
 * the hand-written decoder — all measured in the same run, on Node or Deno.
 *
 *   npx tsx bench/evm.bench.ts [--json] [--time <ms per task>]
 *   $DENO run -A bench/evm.bench.ts [--json] [--time <ms per task>]
 *
 * Corpus: 1024 SIMULATED frames (seeded; V2 Swap/Sync/Mint/Burn and V3 Swap/Mint/Burn in their real
 * proportions of the simulator), and — when ../shared/data/evm exists — the 148 REAL Uniswap logs of
 * Ethereum blocks 17173049–17173050 wrapped in the same envelope.
 *
 * Rows (frames/s; ratio = row / JSON.parse of the same frames):
 * - `json-parse`            baseline: `JSON.parse` of each frame
 * - `hand → bytes`          JSON.parse + hand ABI decode straight into the message buffer (the adapter's hot path)
 * - `viem → bytes`          JSON.parse + viem `decodeEventLog` + writing the same TLV from its bigints
 * - `feed → bytes`          the whole adapter core (`EvmFeed.onWsText`: subscription lookup, dedupe window, TLV, publish)
 * - `decode: hand`/`viem`   ABI decoding only, from parsed logs to typed bigint arguments
 * Results are written to `bench/results/evm-<runtime>.json`.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import process from "node:process";
import { Bench } from "tinybench";
import { decodeEventLog, type Hex } from "viem";
import {
  MessageBuilder, POOL_FLAG_V3, RelayDomain, TlvType, writeNanosParts, writeU128, writeU160,
} from "../protocol/mod.ts";
import { UNISWAP_V2_EVENTS_ABI, UNISWAP_V3_EVENTS_ABI, viemDecodePoolLog } from "../adapters/evm/abi.ts";
import { POLYGON } from "../adapters/evm/chains.ts";
import { decodePoolLog } from "../adapters/evm/decode.ts";
import { EVENT_LAYOUTS, EventKind, eventKindOf } from "../adapters/evm/events.ts";
import { EvmFeed } from "../adapters/evm/feed.ts";
import { parseQuantity } from "../adapters/evm/hex.ts";
import { PoolCache } from "../adapters/evm/pool-cache.ts";
import type { PoolRecord } from "../adapters/evm/pool-meta.ts";
import { SIM_VENUE_V2, SIM_VENUE_V3, SimChain } from "../adapters/evm/sim/chain.ts";
import { PoolTlvWriter, WriteStatus } from "../adapters/evm/tlv-writer.ts";
import { benchOptions } from "./options.ts";

const OPTIONS = benchOptions(500);
const RUNTIME = OPTIONS.runtime;
const RUNTIME_VERSION = OPTIONS.runtimeVersion;
const jsonOutput = OPTIONS.json;
const TASK_TIME_MS = OPTIONS.taskTimeMs;

// ------------------------------------------------------------------------------------------- corpora

interface Log { address: string; topics: string[]; data: string; blockNumber: string; logIndex: string; blockHash?: string; blockTimestamp?: string }
interface Corpus { name: string; frames: string[]; logs: Log[]; cache: PoolCache }

const SUB_ID = "0x9cef478923ff08bf67fde6c64013158d";
const frameOf = (log: Log): string => JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: SUB_ID, result: log } });

function simCorpus(): Corpus {
  const chain = new SimChain({ chain: "polygon", seed: 99, logsPerBlock: 8 });
  const logs: Log[] = [];
  while (logs.length < 1024) logs.push(...chain.mineBlock().logs);
  logs.length = 1024;
  const cache = new PoolCache();
  for (const p of chain.pools.values()) {
    cache.set(p.address, {
      kind: p.kind, venue: p.kind === "v2" ? SIM_VENUE_V2 : SIM_VENUE_V3, token0: p.token0.address, token1: p.token1.address,
      decimals0: p.token0.decimals, decimals1: p.token1.decimals, fee: p.kind === "v3" ? p.fee : 3000,
    });
  }
  return { name: "sim", frames: logs.map(frameOf), logs, cache };
}

function realCorpus(): Corpus | undefined {
  const file = new URL("../../shared/data/evm/eth_mainnet_17173049-17173050.uniswap_logs.rpc.jsonl", import.meta.url);
  if (!existsSync(file)) return undefined;
  const logs = readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Log);
  const cache = new PoolCache();
  for (const l of logs) {
    const v3 = EVENT_LAYOUTS[eventKindOf(l.topics[0])]!.v3;
    cache.set(l.address, {
      kind: v3 ? "v3" : "v2", venue: v3 ? 301 : 300, token0: "0x" + "00".repeat(19) + "a0", token1: "0x" + "00".repeat(19) + "a1",
      decimals0: 18, decimals1: 6, fee: 3000,
    });
  }
  return { name: "real", frames: logs.map(frameOf), logs, cache };
}

const corpora = [simCorpus(), realCorpus()].filter((c): c is Corpus => c !== undefined);

// ------------------------------------------------------------------------------------------- viem path

/** The hot path as it would be with viem: decodeEventLog, then the same TLV written from the bigints. */
function viemWrite(b: MessageBuilder, log: Log, kind: EventKind, pool: PoolRecord, ts: number): void {
  const layout = EVENT_LAYOUTS[kind]!;
  const { args } = decodeEventLog({ abi: layout.v3 ? UNISWAP_V3_EVENTS_ABI : UNISWAP_V2_EVENTS_ABI, data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]], strict: true });
  const a = args as unknown as Record<string, bigint | number | string>;
  const dv = b.dv;
  const u8 = b.bytes;
  const meta = pool.meta;
  const blockNumber = parseQuantity(log.blockNumber);
  const logIndex = parseQuantity(log.logIndex);
  const poolBytes = (at: number): void => {
    for (let i = 0; i < 20; i++) u8[at + i] = parseInt(log.address.slice(2 + 2 * i, 4 + 2 * i), 16);
  };
  if (kind === EventKind.V2Sync) {
    const at = b.reserve(TlvType.PoolSync, 84);
    dv.setUint16(at, meta.venue, true);
    u8[at + 3] = meta.decimals0;
    u8[at + 4] = meta.decimals1;
    poolBytes(at + 8);
    writeU128(dv, at + 28, a.reserve0 as bigint);
    writeU128(dv, at + 44, a.reserve1 as bigint);
    dv.setBigUint64(at + 60, BigInt(blockNumber), true);
    dv.setUint32(at + 68, logIndex, true);
    if (ts > 0) writeNanosParts(dv, at + 76, ts, 0);
    return;
  }
  if (kind === EventKind.V2Swap || kind === EventKind.V3Swap) {
    const v3 = kind === EventKind.V3Swap;
    const at = b.reserve(TlvType.PoolSwap, v3 ? 160 : 120);
    let zeroIn: boolean;
    let amountIn: bigint;
    let amountOut: bigint;
    if (v3) {
      const a0 = a.amount0 as bigint;
      const a1 = a.amount1 as bigint;
      zeroIn = a0 > 0n;
      amountIn = zeroIn ? a0 : a1;
      amountOut = zeroIn ? -a1 : -a0;
    } else {
      zeroIn = (a.amount0In as bigint) !== 0n;
      amountIn = (zeroIn ? a.amount0In : a.amount1In) as bigint;
      amountOut = (zeroIn ? a.amount1Out : a.amount0Out) as bigint;
    }
    dv.setUint16(at, meta.venue, true);
    u8[at + 2] = v3 ? POOL_FLAG_V3 : 0;
    u8[at + 3] = zeroIn ? meta.decimals0 : meta.decimals1;
    u8[at + 4] = zeroIn ? meta.decimals1 : meta.decimals0;
    poolBytes(at + 8);
    u8.set(zeroIn ? pool.token0Bytes : pool.token1Bytes, at + 28);
    u8.set(zeroIn ? pool.token1Bytes : pool.token0Bytes, at + 48);
    writeU128(dv, at + 68, amountIn);
    writeU128(dv, at + 84, amountOut);
    dv.setBigUint64(at + 100, BigInt(blockNumber), true);
    dv.setUint32(at + 108, logIndex, true);
    if (ts > 0) writeNanosParts(dv, at + 112, ts, 0);
    if (v3) {
      writeU160(dv, at + 120, a.sqrtPriceX96 as bigint);
      writeU128(dv, at + 140, a.liquidity as bigint);
      dv.setInt32(at + 156, a.tick as number, true);
    }
    return;
  }
  const mint = kind === EventKind.V2Mint || kind === EventKind.V3Mint;
  const at = b.reserve(mint ? TlvType.PoolMint : TlvType.PoolBurn, 128);
  dv.setUint16(at, meta.venue, true);
  u8[at + 2] = layout.v3 ? POOL_FLAG_V3 : 0;
  poolBytes(at + 8);
  writeU128(dv, at + 48, a.amount0 as bigint);
  writeU128(dv, at + 64, a.amount1 as bigint);
  if (layout.v3) {
    writeU128(dv, at + 80, a.amount as bigint);
    dv.setInt32(at + 96, a.tickLower as number, true);
    dv.setInt32(at + 100, a.tickUpper as number, true);
  }
  dv.setBigUint64(at + 104, BigInt(blockNumber), true);
  dv.setUint32(at + 112, logIndex, true);
}

// ------------------------------------------------------------------------------------------- tasks

interface TaskDef { id: string; corpus: string; label: string; perCall: number; fn: () => void; baseline?: string }
const TASKS: TaskDef[] = [];
let sinkBytes = 0; // consumed so the work cannot be optimised away

for (const c of corpora) {
  const n = c.frames.length;
  const builder = new MessageBuilder(4096);
  const writer = new PoolTlvWriter();
  const pools = c.logs.map((l) => c.cache.get(l.address)!);
  const kinds = c.logs.map((l) => eventKindOf(l.topics[0]) as EventKind);
  const ts = c.logs.map((l) => Math.max(0, parseQuantity(l.blockTimestamp)));
  // Sanity: the hand and viem paths produce the same bytes for every frame (header time aside).
  for (let i = 0; i < n; i++) {
    const log = (JSON.parse(c.frames[i]!) as { params: { result: Log } }).params.result;
    const hand = builder.begin(1, 4);
    if (writer.write(hand, log, kinds[i]!, pools[i]!, parseQuantity(log.blockNumber), parseQuantity(log.logIndex), ts[i]!, false) !== WriteStatus.Ok) {
      throw new Error(`${c.name} frame ${i}: ${writer.failedField}`);
    }
    const handBytes = hand.bytes.slice(34, hand.length);
    const viem = builder.begin(1, 4);
    viemWrite(viem, log, kinds[i]!, pools[i]!, ts[i]!);
    const viemBytes = viem.bytes.slice(34, viem.length);
    const sameOwner = kinds[i] === EventKind.V2Mint || kinds[i] === EventKind.V2Burn || kinds[i] === EventKind.V3Mint || kinds[i] === EventKind.V3Burn;
    if (!sameOwner && handBytes.join() !== viemBytes.join()) throw new Error(`${c.name} frame ${i}: hand and viem TLVs differ`);
  }
  const parsedLogs = c.frames.map((f) => (JSON.parse(f) as { params: { result: Log } }).params.result);
  const tag = `${c.name} (${n} frames)`;
  TASKS.push({ id: `${c.name}:json-parse`, corpus: tag, label: "JSON.parse of the frames (baseline)", perCall: n, fn: () => {
    for (let i = 0; i < n; i++) sinkBytes += (JSON.parse(c.frames[i]!) as { jsonrpc: string }).jsonrpc.length;
  } });
  TASKS.push({ id: `${c.name}:hand-bytes`, corpus: tag, label: "JSON.parse + hand decode → message bytes", perCall: n, baseline: `${c.name}:json-parse`, fn: () => {
    for (let i = 0; i < n; i++) {
      const log = (JSON.parse(c.frames[i]!) as { params: { result: Log } }).params.result;
      const b = builder.begin(RelayDomain.MarketData, 4);
      writer.write(b, log, eventKindOf(log.topics[0]) as EventKind, c.cache.get(log.address)!, parseQuantity(log.blockNumber), parseQuantity(log.logIndex), ts[i]!, false);
      sinkBytes += b.finishLength();
    }
  } });
  TASKS.push({ id: `${c.name}:viem-bytes`, corpus: tag, label: "JSON.parse + viem decodeEventLog → message bytes", perCall: n, baseline: `${c.name}:json-parse`, fn: () => {
    for (let i = 0; i < n; i++) {
      const log = (JSON.parse(c.frames[i]!) as { params: { result: Log } }).params.result;
      const b = builder.begin(RelayDomain.MarketData, 4);
      viemWrite(b, log, eventKindOf(log.topics[0]) as EventKind, c.cache.get(log.address)!, ts[i]!);
      sinkBytes += b.finishLength();
    }
  } });
  TASKS.push({ id: `${c.name}:feed-bytes`, corpus: tag, label: "EvmFeed.onWsText → message bytes (dedupe, window, publish)", perCall: n, baseline: `${c.name}:json-parse`, fn: () => {
    // A fresh feed per batch: the corpus repeats, and a long-lived feed would drop the repeats as duplicates.
    const feed = new EvmFeed({ chain: POLYGON, cache: c.cache, emit: (m) => (sinkBytes += m.length), priorityFeeWei: 0n });
    feed.noteSent('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["logs"]}');
    feed.onWsText(`{"jsonrpc":"2.0","id":1,"result":"${SUB_ID}"}`);
    for (let i = 0; i < n; i++) feed.onWsText(c.frames[i]!);
  } });
  TASKS.push({ id: `${c.name}:decode-hand`, corpus: tag, label: "ABI decode only: hand (typed bigints)", perCall: n, fn: () => {
    for (let i = 0; i < n; i++) sinkBytes += decodePoolLog(parsedLogs[i]!).logIndex;
  } });
  TASKS.push({ id: `${c.name}:decode-viem`, corpus: tag, label: "ABI decode only: viem (typed bigints)", perCall: n, baseline: `${c.name}:decode-hand`, fn: () => {
    for (let i = 0; i < n; i++) sinkBytes += viemDecodePoolLog(parsedLogs[i]!).event.length;
  } });
}

const bench = new Bench({ name: "evm", time: TASK_TIME_MS, warmupTime: Math.min(200, TASK_TIME_MS), iterations: 8 });
for (const t of TASKS) bench.add(t.id, t.fn);
if (!jsonOutput) process.stderr.write(`running ${TASKS.length} tasks × ~${TASK_TIME_MS} ms on ${RUNTIME_VERSION}…\n`);
await bench.run();

interface Result { id: string; corpus: string; label: string; perSecond: number; nsPerFrame: number; rmePercent: number; baseline?: string; ratioToBaseline?: number }
const results: Result[] = TASKS.map((t) => {
  const r = bench.getTask(t.id)?.result as { period?: number; latency?: { rme: number }; error?: Error; state?: string } | undefined;
  if (!r || r.period === undefined || r.latency === undefined) throw new Error(`task ${t.id} did not complete: ${r?.error?.message ?? r?.state ?? "no result"}`);
  const perSecond = (1000 / r.period) * t.perCall;
  return { id: t.id, corpus: t.corpus, label: t.label, perSecond, nsPerFrame: 1e9 / perSecond, rmePercent: r.latency.rme, ...(t.baseline ? { baseline: t.baseline } : {}) };
});
for (const r of results) {
  if (r.baseline) r.ratioToBaseline = r.perSecond / results.find((x) => x.id === r.baseline)!.perSecond;
}
const ratios: Record<string, number> = {};
for (const c of corpora) {
  const get = (id: string): number => results.find((r) => r.id === `${c.name}:${id}`)!.perSecond;
  ratios[`${c.name}: viem decode cost / hand decode cost`] = get("decode-hand") / get("decode-viem");
  ratios[`${c.name}: viem → bytes cost / hand → bytes cost`] = get("hand-bytes") / get("viem-bytes");
}

const report = {
  benchmark: "evm", runtime: RUNTIME, runtimeVersion: RUNTIME_VERSION, cpu: cpus()[0]?.model ?? "unknown", taskTimeMs: TASK_TIME_MS,
  date: new Date().toISOString(), results, ratios,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/evm-${RUNTIME}.json`, import.meta.url), JSON.stringify(report, null, 2) + "\n");
if (jsonOutput) {
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
} else {
  const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);
  const lines = [`EVM adapter benchmark — ${RUNTIME_VERSION}`, ""];
  for (const r of results) {
    lines.push(`${r.id.padEnd(18)} ${r.label.padEnd(60)} ${fmt(r.perSecond).padStart(9)} frames/s ${r.nsPerFrame.toFixed(0).padStart(7)} ns ±${r.rmePercent.toFixed(1)}%${r.ratioToBaseline !== undefined ? `  ×${r.ratioToBaseline.toFixed(2)} of ${r.baseline}` : ""}`);
  }
  lines.push("");
  for (const [k, v] of Object.entries(ratios)) lines.push(`${k}: ${v.toFixed(1)}×`);
  lines.push(`results written to bench/results/evm-${RUNTIME}.json (checksum of work: ${sinkBytes % 1000})`);
  process.stdout.write(lines.join("\n") + "\n");
}

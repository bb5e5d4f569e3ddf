/**
 * Protocol V2 throughput benchmark: build, validate + decode, zero-copy field reads, stream framing and
 * CRC-32, each next to a JSON (and msgpackr) baseline measured in the same run, on Node or Deno.
 *
 *   npx tsx bench/protocol.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu]
 *   $DENO run -A bench/protocol.bench.ts [--json] [--time <ms per task>] [--clock wall|cpu]
 *
 * `--clock cpu` times tasks by this process's CPU time (user + system) instead of wall time: on a
 * machine shared with other work it measures the code, not the scheduler.
 *
 * Prints a table of messages/s and the ratio of each protocol row to its JSON baseline, checked
 * against the targets below; `--json` prints the results as JSON instead and also writes them to
 * `bench/results/protocol-<runtime>.json`. See bench/README.md for how to read them.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import * as zlib from "node:zlib";
import { Packr } from "msgpackr";
import { Bench } from "tinybench";
import {
  MessageBuilder, MessageView, StreamFramer, TradeField, TlvType, crc32, decodeMessage, epochMillis, pairAssetId,
} from "../protocol/mod.ts";
import { benchOptions } from "./options.ts";

// ---------------------------------------------------------------------------------------------- setup

const OPTIONS = benchOptions(500);
const RUNTIME = OPTIONS.runtime;
const RUNTIME_VERSION = OPTIONS.runtimeVersion;
const jsonOutput = OPTIONS.json;
const TASK_TIME_MS = OPTIONS.taskTimeMs;
const CLOCK = OPTIONS.clock;

/** Process CPU time in ms (µs resolution on Linux), for `--clock cpu`. */

/** Messages per task call: timer overhead is amortised over a batch, rates are per message. */
const BATCH = 1024;
const TRADE_SIZE = 74; // 32 header + 2 TLV header + 40 value
const CHUNK = 64 * 1024;

const ASSET_ID = pairAssetId("BTC", "USD");
const VENUE = 102;
const PRICES = Array.from({ length: BATCH }, (_, i) => 3_000_000_000_000n + BigInt(i) * 1_234_567n);
const SIZES = Array.from({ length: BATCH }, (_, i) => 1_000_000n + BigInt(i));
const EXEC_TS = 1_764_000_000_123_456_789n;

// BATCH distinct Trade messages back to back; sequences 1..BATCH.
const builder = new MessageBuilder();
const corpus = new Uint8Array(BATCH * TRADE_SIZE);
for (let i = 0; i < BATCH; i++) {
  builder.begin(1, 3).addTrade(ASSET_ID, VENUE, 1, 1 + (i & 1), 0, PRICES[i]!, SIZES[i]!, EXEC_TS);
  corpus.set(builder.finish(), i * TRADE_SIZE);
}
if (builder.length !== TRADE_SIZE) throw new Error(`a Trade message is ${builder.length} bytes, expected ${TRADE_SIZE}`);

/** The same trades as plain objects: header + Trade fields, 64-bit values as decimal strings (§7 style). */
interface TradeJson {
  relayDomain: number; source: number; sequence: string; timestamp: string;
  assetId: string; venue: number; assetType: number; side: number; flags: number;
  price: string; size: string; execTimestamp: string;
}
const view = new MessageView();
const tradeObjects: TradeJson[] = [];
const tradeNative: Record<string, unknown>[] = [];
for (let i = 0; i < BATCH; i++) {
  view.wrap(corpus, i * TRADE_SIZE).findTlv(TlvType.Trade);
  const t = {
    relayDomain: 1, source: 3, sequence: view.sequence, timestamp: view.timestamp, assetId: view.u64(TradeField.assetId),
    venue: view.u16(TradeField.venue), assetType: view.u8At(TradeField.assetType), side: view.u8At(TradeField.side),
    flags: view.u8At(TradeField.flags), price: view.i64(TradeField.price), size: view.i64(TradeField.size),
    execTimestamp: view.u64(TradeField.execTimestamp),
  };
  tradeNative.push(t);
  tradeObjects.push({
    ...t, sequence: t.sequence.toString(), timestamp: t.timestamp.toString(), assetId: t.assetId.toString(),
    price: t.price.toString(), size: t.size.toString(), execTimestamp: t.execTimestamp.toString(),
  });
}
const tradeTexts = tradeObjects.map((o) => JSON.stringify(o));
const packr = new Packr({ useRecords: false }); // bigint → (u)int64 and back
const tradePacked = tradeNative.map((o) => packr.pack(o));

// A stream of back-to-back Trades cut into 64 KiB chunks (messages straddle chunk edges), and the
// same trades as NDJSON cut into 64 KiB chunks.
const STREAM_CHUNKS = 16;
const streamChunks = cutChunks(repeat(corpus, Math.ceil((STREAM_CHUNKS * CHUNK) / corpus.length)), CHUNK).slice(0, STREAM_CHUNKS);
const streamMessages = countWhole(streamChunks);
const ndjson = new TextEncoder().encode(tradeTexts.join("\n") + "\n");
const ndjsonChunks = cutChunks(repeat(ndjson, Math.ceil((STREAM_CHUNKS * CHUNK) / ndjson.length)), CHUNK).slice(0, STREAM_CHUNKS);
const ndjsonLines = ndjsonChunks.reduce((n, c) => n + c.reduce((k, b) => k + (b === 0x0a ? 1 : 0), 0), 0);

const small = corpus.subarray(0, TRADE_SIZE);
const big = repeat(corpus, Math.ceil(CHUNK / corpus.length)).subarray(0, CHUNK);
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
if (zlibCrc32 && (zlibCrc32(small) !== crc32(small) || zlibCrc32(big) !== crc32(big))) {
  throw new Error("node:zlib crc32 disagrees with protocol/crc32.ts");
}

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(bytes.length * times);
  for (let i = 0; i < times; i++) out.set(bytes, i * bytes.length);
  return out;
}

function cutChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, Math.min(at + size, bytes.length)));
  return out;
}

function countWhole(chunks: readonly Uint8Array[]): number {
  let n = 0;
  const f = new StreamFramer();
  for (const c of chunks) f.push(c, () => n++);
  return n;
}

// ---------------------------------------------------------------------------------------------- tasks

/** Defeats dead-code elimination: every task folds something it read into this. */
let sink = 0;
const MARK = -1n;

interface TaskSpec {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  /** Messages (or checksums) one call processes. */
  readonly perCall: number;
  readonly fn: () => void;
  /** Id of the row this one is compared with. */
  readonly baseline?: string;
  /** Minimum messages/s. */
  readonly target?: number;
  /** Minimum ratio to the baseline. */
  readonly targetRatio?: number;
  /** Bytes per message, to report MB/s (crc32 rows). */
  readonly bytes?: number;
}

const TASKS: TaskSpec[] = [];
const add = (t: TaskSpec): void => void TASKS.push(t);

// (a) build
add({
  id: "build", group: "build", label: "MessageBuilder.begin(at) + addTrade → finish (reused buffer)", perCall: BATCH,
  baseline: "json.stringify", target: 5e6, targetRatio: 3,
  fn: () => {
    const b = builder;
    const at = epochMillis(); // one clock read per batch, as an adapter reads one per received frame
    for (let i = 0; i < BATCH; i++) {
      sink += b.begin(1, 3, at).addTrade(ASSET_ID, VENUE, 1, 1, 0, PRICES[i]!, SIZES[i]!, EXEC_TS).finishLength();
    }
  },
});
add({
  id: "build.clock", group: "build", label: "  the same, reading the clock for every message", perCall: BATCH,
  baseline: "json.stringify",
  fn: () => {
    const b = builder;
    for (let i = 0; i < BATCH; i++) {
      sink += b.begin(1, 3).addTrade(ASSET_ID, VENUE, 1, 1, 0, PRICES[i]!, SIZES[i]!, EXEC_TS).finishLength();
    }
  },
});
add({
  id: "clock", group: "build", label: "  the clock read alone (performance.now())", perCall: BATCH,
  fn: () => {
    for (let i = 0; i < BATCH; i++) sink += performance.now();
  },
});
add({
  id: "json.stringify", group: "build", label: "JSON.stringify(trade object)", perCall: BATCH,
  fn: () => {
    for (let i = 0; i < BATCH; i++) sink += JSON.stringify(tradeObjects[i]).length;
  },
});
add({
  id: "msgpackr.pack", group: "build", label: "msgpackr pack(trade object)", perCall: BATCH, baseline: "json.stringify",
  fn: () => {
    for (let i = 0; i < BATCH; i++) sink += packr.pack(tradeNative[i]).length;
  },
});

// (b) decode with checksum verification
add({
  id: "decode.view", group: "decode", label: "validate (CRC) + read all Trade fields via MessageView", perCall: BATCH,
  baseline: "json.parse", target: 5e6, targetRatio: 3,
  fn: () => {
    const v = view;
    for (let i = 0; i < BATCH; i++) {
      v.wrap(corpus, i * TRADE_SIZE);
      if (v.validate() !== undefined || !v.findTlv(TlvType.Trade)) throw new Error("corpus message rejected");
      sink += v.sequenceLo + v.u16(TradeField.venue) + v.u8At(TradeField.assetType) + v.u8At(TradeField.side) + v.u8At(TradeField.flags);
      if (v.u64(TradeField.assetId) === MARK || v.i64(TradeField.price) === MARK || v.i64(TradeField.size) === MARK || v.u64(TradeField.execTimestamp) === MARK) sink++;
    }
  },
});
add({
  id: "decode.typed", group: "decode", label: "decodeMessage → typed { header, tlvs } (CRC checked)", perCall: BATCH,
  baseline: "json.parse",
  fn: () => {
    for (let i = 0; i < BATCH; i++) sink += decodeMessage(corpus, i * TRADE_SIZE).tlvs.length;
  },
});
add({
  id: "json.parse", group: "decode", label: "JSON.parse + BigInt() of the 64-bit fields", perCall: BATCH,
  fn: () => {
    for (let i = 0; i < BATCH; i++) {
      const o = JSON.parse(tradeTexts[i]!) as TradeJson;
      sink += o.venue + o.assetType + o.side + o.flags;
      if (BigInt(o.sequence) === MARK || BigInt(o.assetId) === MARK || BigInt(o.price) === MARK || BigInt(o.size) === MARK || BigInt(o.execTimestamp) === MARK) sink++;
    }
  },
});
add({
  id: "msgpackr.unpack", group: "decode", label: "msgpackr unpack + read fields", perCall: BATCH, baseline: "json.parse",
  fn: () => {
    for (let i = 0; i < BATCH; i++) {
      const o = packr.unpack(tradePacked[i]!) as { venue: number; side: number; price: bigint; size: bigint };
      sink += o.venue + o.side;
      if (o.price === MARK || o.size === MARK) sink++;
    }
  },
});

// (c) zero-copy field reads, no checksum
add({
  id: "fields.view", group: "fields", label: "MessageView.wrap + findTlv + price/size/instrument (no CRC)", perCall: BATCH,
  baseline: "json.parse", target: 20e6, targetRatio: 3,
  fn: () => {
    const v = view;
    for (let i = 0; i < BATCH; i++) {
      v.wrap(corpus, i * TRADE_SIZE);
      if (!v.findTlv(TlvType.Trade)) throw new Error("no Trade");
      sink += v.u16(TradeField.venue) + v.u8At(TradeField.assetType);
      if (v.i64(TradeField.price) === MARK || v.i64(TradeField.size) === MARK || v.u64(TradeField.assetId) === MARK) sink++;
    }
  },
});

// (d) stream framing over 64 KiB chunks
let framed = 0;
const onFramed = (_bytes: Uint8Array, _offset: number, length: number): void => {
  framed += length;
};
add({
  id: "framer", group: "framer", label: `StreamFramer over 64 KiB chunks (${streamMessages} msgs/call)`, perCall: streamMessages,
  baseline: "json.ndjson", target: 10e6, targetRatio: 3,
  fn: () => {
    const f = new StreamFramer();
    for (let i = 0; i < streamChunks.length; i++) f.push(streamChunks[i]!, onFramed);
    sink += framed;
  },
});
const utf8 = new TextDecoder();
add({
  id: "json.ndjson", group: "framer", label: `NDJSON lines from 64 KiB chunks (${ndjsonLines} lines/call)`, perCall: ndjsonLines,
  fn: () => {
    let rest = "";
    for (let i = 0; i < ndjsonChunks.length; i++) {
      const text = rest + utf8.decode(ndjsonChunks[i]!, { stream: true });
      let start = 0;
      let nl = text.indexOf("\n");
      while (nl !== -1) {
        sink += text.slice(start, nl).length;
        start = nl + 1;
        nl = text.indexOf("\n", start);
      }
      rest = text.slice(start);
    }
  },
});

// (f) CRC-32, ours vs node:zlib
const CRC_BATCH_SMALL = 1024;
add({
  id: "crc32.ours.74", group: "crc32", label: "crc32 (ours, slicing-by-16) on 74 B", perCall: CRC_BATCH_SMALL, bytes: TRADE_SIZE,
  baseline: zlibCrc32 ? "crc32.zlib.74" : undefined,
  fn: () => {
    for (let i = 0; i < CRC_BATCH_SMALL; i++) sink ^= crc32(small);
  },
});
if (zlibCrc32) {
  add({
    id: "crc32.zlib.74", group: "crc32", label: "node:zlib crc32 on 74 B", perCall: CRC_BATCH_SMALL, bytes: TRADE_SIZE,
    fn: () => {
      for (let i = 0; i < CRC_BATCH_SMALL; i++) sink ^= zlibCrc32(small);
    },
  });
}
add({
  id: "crc32.ours.64k", group: "crc32", label: "crc32 (ours, slicing-by-16) on 64 KiB", perCall: 1, bytes: CHUNK,
  baseline: zlibCrc32 ? "crc32.zlib.64k" : undefined,
  fn: () => {
    sink ^= crc32(big);
  },
});
if (zlibCrc32) {
  add({
    id: "crc32.zlib.64k", group: "crc32", label: "node:zlib crc32 on 64 KiB", perCall: 1, bytes: CHUNK,
    fn: () => {
      sink ^= zlibCrc32(big);
    },
  });
}

// ---------------------------------------------------------------------------------------------- run

interface Result {
  id: string;
  group: string;
  label: string;
  /** Messages (checksums for crc32 rows) per second. */
  perSecond: number;
  nsPerMessage: number;
  /** (fastest − slowest round) / median, %: how much the machine moved under this task. */
  spreadPercent: number;
  /** Messages/s of each round (the median of its calls). */
  roundRates: number[];
  samples: number;
  mbPerSecond?: number;
  baseline?: string;
  ratio?: number;
  target?: number;
  targetRatio?: number;
  meetsTarget?: boolean;
}

// Rounds: every task runs once per round, rounds one after another, and a task's figure is the median
// of its per-round medians. On this kind of shared VM, memory-bound code runs up to 2× slower for
// seconds at a time (a neighbour on the core); one task measured in one stretch can land wholly in
// such a window, while interleaved rounds spread every task over the whole run.
const ROUNDS = OPTIONS.rounds;
const perRound = new Map<string, number[]>(TASKS.map((t) => [t.id, []]));
const totalSamples = new Map<string, number>(TASKS.map((t) => [t.id, 0]));
if (!jsonOutput) {
  process.stderr.write(`running ${TASKS.length} tasks × ${ROUNDS} rounds × ~${Math.round(TASK_TIME_MS / ROUNDS)} ms (${CLOCK} clock) on ${RUNTIME_VERSION}…\n`);
}
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({
    name: "protocol", time: TASK_TIME_MS / ROUNDS, warmupTime: round === 0 ? Math.min(200, TASK_TIME_MS) : 20, iterations: 16,
    ...OPTIONS.tinybenchClock,
  });
  for (const t of TASKS) bench.add(t.id, t.fn);
  await bench.run();
  for (const t of TASKS) {
    const r = bench.getTask(t.id)?.result as { state: string; latency?: { p50: number; samplesCount: number }; error?: Error } | undefined;
    if (!r || r.latency === undefined) {
      throw new Error(`task ${t.id} did not complete: ${r?.error?.message ?? r?.state ?? "no result"}`);
    }
    perRound.get(t.id)!.push((1000 / r.latency.p50) * t.perCall);
    totalSamples.set(t.id, totalSamples.get(t.id)! + r.latency.samplesCount);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const results: Result[] = TASKS.map((t) => {
  const rates = perRound.get(t.id)!;
  const perSecond = median(rates);
  const out: Result = {
    id: t.id, group: t.group, label: t.label, perSecond, nsPerMessage: 1e9 / perSecond,
    spreadPercent: ((Math.max(...rates) - Math.min(...rates)) / perSecond) * 100, roundRates: rates,
    samples: totalSamples.get(t.id)!,
  };
  if (t.bytes) out.mbPerSecond = (perSecond * t.bytes) / 1e6;
  if (t.baseline) out.baseline = t.baseline;
  if (t.target) out.target = t.target;
  if (t.targetRatio) out.targetRatio = t.targetRatio;
  return out;
});
for (const r of results) {
  const base = results.find((b) => b.id === r.baseline);
  if (base) r.ratio = r.perSecond / base.perSecond;
  if (r.target !== undefined || r.targetRatio !== undefined) {
    r.meetsTarget = (r.target === undefined || r.perSecond >= r.target) && (r.targetRatio === undefined || (r.ratio ?? 0) >= r.targetRatio);
  }
}

const crcOurs = results.find((r) => r.id === "crc32.ours.74");
const crcZlib = results.find((r) => r.id === "crc32.zlib.74");
const crcVerdict = crcZlib
  ? `crc32 on a 74-byte message: ours ${fmtRate(crcOurs!.perSecond)}/s vs node:zlib ${fmtRate(crcZlib.perSecond)}/s → ` +
    (crcOurs!.perSecond >= crcZlib.perSecond
      ? "ours is faster for messages; protocol/ keeps it"
      : "node:zlib is faster for messages on this runtime; protocol/ keeps its own all the same (it must stay " +
        "web-standard, and Node 20's zlib.crc32 is the slower one for messages)")
  : "node:zlib crc32 is not available on this runtime: only ours was measured";

const report = {
  benchmark: "protocol",
  runtime: RUNTIME,
  runtimeVersion: RUNTIME_VERSION,
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  date: new Date().toISOString(),
  taskTimeMs: TASK_TIME_MS,
  clock: CLOCK,
  loadAverage: loadavg(),
  results,
  crc32: crcVerdict,
  allTargetsMet: results.every((r) => r.meetsTarget !== false),
  sink,
};

if (jsonOutput) {
  const json = JSON.stringify(report, null, 2) + "\n";
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/protocol-${RUNTIME}.json`, import.meta.url), json);
  process.stdout.write(json);
} else {
  process.stdout.write(renderTable(results) + "\n\n" + crcVerdict + "\n");
}

function fmtRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

function renderTable(rows: readonly Result[]): string {
  const header = ["task", "msgs/s", "ns/msg", "spread%", "vs baseline", "target", "ok"];
  const body = rows.map((r) => [
    `${r.group.padEnd(7)} ${r.label}`,
    fmtRate(r.perSecond) + (r.mbPerSecond !== undefined ? ` (${r.mbPerSecond >= 1000 ? (r.mbPerSecond / 1000).toFixed(2) + " GB/s" : r.mbPerSecond.toFixed(0) + " MB/s"})` : ""),
    r.nsPerMessage < 10 ? r.nsPerMessage.toFixed(2) : r.nsPerMessage.toFixed(0),
    r.spreadPercent.toFixed(0),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}× ${r.baseline}` : r.baseline === undefined && rows.some((x) => x.baseline === r.id) ? "(baseline)" : "",
    [r.target !== undefined ? `≥${fmtRate(r.target)}/s` : "", r.targetRatio !== undefined ? `≥${r.targetRatio}×` : ""].filter(Boolean).join(", "),
    r.meetsTarget === undefined ? "" : r.meetsTarget ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [
    `Protocol V2 benchmark — ${RUNTIME_VERSION}, ${report.cpu} (${report.cores} cores, load ${report.loadAverage.map((l) => l.toFixed(1)).join(" ")}), ${TASK_TIME_MS} ms/task in ${ROUNDS} rounds, ${CLOCK} clock`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
  ].join("\n");
}

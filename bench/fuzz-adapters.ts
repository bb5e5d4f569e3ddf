/**
 * Mutation fuzzer for every venue adapter's frame parser (issue 8): proves that no frame a venue (or an
 * RPC node) sends, however broken, makes `onFrame` throw, hang, publish an invalid Protocol V2 message
 * or grow memory without bound.
 *
 * Per venue (coinbase, binance, kraken, evm on the ethereum capture) the adapter is built as a live
 * service builds it (the venue's default symbols, `anySymbol` off), the venue's own capture from
 * `fixtures/` is replayed into it first (REST bodies, connects and frames — so books, sequences and
 * pool metadata are in place and mutations reach the deep paths), and its received frames become the
 * corpus. Then each input is one corpus frame mutated: number tokens replaced by edge values (huge,
 * negative, exponent, NaN, non-numbers), string values replaced (empty, long, unicode, escapes,
 * `__proto__`, odd-length hex), bytes deleted, inserted, flipped or duplicated, truncation, splices of
 * two frames, a value swapped for another frame's, deep nesting, or plain garbage; one input in ten is
 * an unmutated frame so the adapter's state stays alive. Every input goes through `adapter.onFrame`.
 *
 * Failures (exit status 1): an exception out of `onFrame` (the contract says it never throws), a
 * published message that fails `validateMessage` (checksum included). Reported per venue: inputs,
 * frames counted as parse errors / unknown / unknown instrument, messages published, the slowest
 * input, and the process RSS (peak and at checkpoints: bounded memory).
 *
 * Usage: `npx tsx bench/fuzz-adapters.ts [--count N] [--seed S] [--venues coinbase,binance,kraken,evm] [--json]`
 * (default 10,000,000 inputs for EACH venue — issue 8 asks for at least that many per parser — seed 1).
 * `runAdapterFuzz()` is the same run as a function (its `count` is the total, split evenly across the
 * venues), for the short CI version (`tests/e2e/fuzz.test.ts`).
 *
 * @module
 */

import fs from "node:fs";
import process from "node:process";
import type { AdapterIo, VenueAdapter } from "../adapters/common/adapter.ts";
import { parseCaptureText, type CaptureEvent } from "../adapters/common/capture.ts";
import { loadVenue } from "../adapters/registry.ts";
import { Rng } from "../core/prng.ts";
import { validateMessage } from "../protocol/mod.ts";

/** A fuzzed venue: the registry name and its capture (and pool cache for EVM chains). */
interface VenueTarget {
  /** Name in reports (`evm` for the ethereum capture). */
  readonly label: string;
  /** Registry name. */
  readonly venue: string;
  /** Capture file under fixtures/. */
  readonly capture: string;
  /** EVM pool metadata cache. */
  readonly poolCache?: string;
}

const FIXTURES = new URL("../fixtures/", import.meta.url);

/** The venues fuzzed by default. */
export const ADAPTER_TARGETS: readonly VenueTarget[] = [
  { label: "coinbase", venue: "coinbase", capture: "captures/coinbase.sim.jsonl" },
  { label: "binance", venue: "binance", capture: "captures/binance.sim.jsonl" },
  { label: "kraken", venue: "kraken", capture: "captures/kraken.sim.jsonl" },
  { label: "evm", venue: "ethereum", capture: "evm/ethereum.sim.capture.jsonl", poolCache: "evm/ethereum.sim.pool-cache.json" },
];

/** Settings of {@link runAdapterFuzz}. */
export interface AdapterFuzzOptions {
  /** Inputs in total, split evenly across the venues. */
  count: number;
  /** PRNG seed (same seed, same inputs). */
  seed: number;
  /** Labels of the venues to fuzz (default all of {@link ADAPTER_TARGETS}). */
  venues?: readonly string[];
  /** Progress lines (default none). */
  progress?: (line: string) => void;
}

/** Outcome for one venue. */
export interface VenueFuzzResult {
  venue: string;
  corpusFrames: number;
  /** Messages published while the capture itself was replayed (the adapter's state is live). */
  warmUpPublished: number;
  inputs: number;
  /** Inputs that were unmutated corpus frames. */
  unmutated: number;
  parseErrors: number;
  unknownFrames: number;
  unknownInstruments: number;
  venueErrors: number;
  gaps: number;
  resyncs: number;
  reconnectsAsked: number;
  published: number;
  /** Exceptions out of onFrame (must be 0). */
  thrown: number;
  /** Published messages failing validateMessage (must be 0). */
  invalidPublished: number;
  /** Slowest single input, ms. */
  slowestInputMs: number;
  seconds: number;
  /** RSS after this venue's warm-up replay and at the end of its run, MiB. */
  rssStartMiB: number;
  rssEndMiB: number;
  /** First few failures, with the input (truncated). */
  failures: { input: string; error: string }[];
}

/** Outcome of a run. */
export interface AdapterFuzzResult {
  count: number;
  seed: number;
  seconds: number;
  peakRssMiB: number;
  venues: VenueFuzzResult[];
  ok: boolean;
}

const NUMBER_EDGES = [
  "", "-", "0", "-0", "1", "-1", "00", "1e309", "-1e309", "1e-400", "NaN", "Infinity", "0x10", "1.", ".5", "1e", "+1",
  "99999999999999999999999999999999999999", "-92233720368547758080", "18446744073709551616", "0.000000000000000000001",
  "123456789012.123456789012", "4294967296", "9007199254740993", "\"1\"", "null", "true", "[]", "{}", "\"\"",
];
const STRING_EDGES = [
  "", " ", "__proto__", "constructor", "prototype", "\\u0000", "\\ud800", "\\\"", "\\\\", "\\n", "é€😀", "0x", "0x0", "0xzz",
  "0x1", "-", "BTC-USD", "ETH/USD", "XBT/USD", "btcusdt", "BTCUSDT", "snapshot", "update", "l2update", "match", "trade",
  "depthUpdate", "book", "ticker", "heartbeat", "error", "subscriptions", "eth_subscription", "buy", "sell", "b", "s",
  "2026-13-45T99:99:99Z", "1970-01-01T00:00:00Z", "0.0", "-1", "1e9", "NaN",
];

/** Token positions of one corpus frame, found once. */
interface Frame {
  text: string;
  /** [start, end) of each number token. */
  numbers: number[];
  /** [start, end) of each string's content (inside the quotes). */
  strings: number[];
}

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;
const STRING_RE = /"((?:[^"\\]|\\.)*)"/g;

function indexFrame(text: string): Frame {
  const numbers: number[] = [];
  const strings: number[] = [];
  for (const m of text.matchAll(STRING_RE)) strings.push(m.index + 1, m.index + 1 + m[1]!.length);
  // Numbers outside strings only (a digit inside a string is covered by string mutations).
  let si = 0;
  for (const m of text.matchAll(NUMBER_RE)) {
    while (si < strings.length && strings[si + 1]! < m.index) si += 2;
    if (si < strings.length && m.index >= strings[si]! && m.index < strings[si + 1]!) continue;
    numbers.push(m.index, m.index + m[0].length);
  }
  return { text, numbers, strings };
}

function randomAscii(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(32, 126));
  return s;
}

function replaceRange(text: string, start: number, end: number, by: string): string {
  return text.slice(0, start) + by + text.slice(end);
}

/** One mutation of `f` (other frames give splices and swapped values). */
function mutate(rng: Rng, f: Frame, corpus: readonly Frame[]): string {
  const t = f.text;
  switch (rng.int(0, 13)) {
    case 0:
    case 1: {
      if (f.numbers.length === 0) return t + randomAscii(rng, 3);
      const k = rng.int(0, f.numbers.length / 2 - 1) * 2;
      return replaceRange(t, f.numbers[k]!, f.numbers[k + 1]!, rng.pick(NUMBER_EDGES));
    }
    case 2:
    case 3: {
      if (f.strings.length === 0) return randomAscii(rng, 10);
      const k = rng.int(0, f.strings.length / 2 - 1) * 2;
      const by = rng.chance(0.7) ? rng.pick(STRING_EDGES) : rng.chance(0.5) ? "x".repeat(rng.int(100, 5000)) : randomAscii(rng, rng.int(1, 40)).replace(/["\\]/g, "");
      return replaceRange(t, f.strings[k]!, f.strings[k + 1]!, by);
    }
    case 4: {
      // A string value's character changed (hex digits, symbols, type names off by one).
      if (f.strings.length === 0) return t;
      const k = rng.int(0, f.strings.length / 2 - 1) * 2;
      const s = f.strings[k]!;
      const e = f.strings[k + 1]!;
      if (e === s) return replaceRange(t, s, s, "0");
      const p = rng.int(s, e - 1);
      const c = rng.pick(["0", "f", "g", "Z", "-", ".", "/", "\\\\", ""]);
      return replaceRange(t, p, p + (rng.chance(0.5) ? 1 : 0), c);
    }
    case 5: {
      const p = rng.int(0, t.length);
      return replaceRange(t, p, Math.min(t.length, p + rng.int(1, 16)), "");
    }
    case 6: {
      const p = rng.int(0, t.length);
      return replaceRange(t, p, p, rng.pick(["{", "}", "[", "]", ",", ":", "\"", "\\", "0", "-", " ", "null", "\u0000", "\ud800"]));
    }
    case 7: {
      const p = rng.int(0, t.length - 1);
      return replaceRange(t, p, p + 1, String.fromCharCode(t.charCodeAt(p) ^ (1 << rng.int(0, 6))));
    }
    case 8:
      return t.slice(0, rng.int(0, t.length - 1));
    case 9: {
      const o = rng.pick(corpus).text;
      return t.slice(0, rng.int(0, t.length)) + o.slice(rng.int(0, o.length));
    }
    case 10: {
      // Another frame's value at this value's place: a type confusion (a string where an array was…).
      const o = rng.pick(corpus);
      if (f.strings.length === 0 || o.numbers.length + o.strings.length === 0) return t;
      const k = rng.int(0, f.strings.length / 2 - 1) * 2;
      const src = o.numbers.length > 0 && rng.chance(0.5) ? o.numbers : o.strings.length > 0 ? o.strings : o.numbers;
      const j = rng.int(0, src.length / 2 - 1) * 2;
      const value = src === o.strings ? o.text.slice(src[j]!, src[j + 1]!) : o.text.slice(src[j]!, src[j + 1]!);
      return replaceRange(t, f.strings[k]! - 1, f.strings[k + 1]! + 1, src === o.strings ? `"${value}"` : value);
    }
    case 11: {
      // A range of the frame duplicated (repeated keys, doubled array entries).
      const a = rng.int(0, t.length - 1);
      const b = Math.min(t.length, a + rng.int(1, 200));
      return t.slice(0, b) + t.slice(a, b) + t.slice(b);
    }
    case 12: {
      // Deep nesting at a value's place (recursive parsers would overflow the stack).
      const depth = rng.chance(0.5) ? rng.int(10, 100) : rng.int(1000, 20_000);
      const deep = "[".repeat(depth) + "]".repeat(depth);
      if (f.numbers.length === 0) return deep;
      const k = rng.int(0, f.numbers.length / 2 - 1) * 2;
      return replaceRange(t, f.numbers[k]!, f.numbers[k + 1]!, deep);
    }
    default:
      return rng.chance(0.5) ? randomAscii(rng, rng.int(0, 64)) : rng.pick(["", "{}", "[]", "null", "0", "\"x\"", "{\"type\":null}", "[1,2,3]", "{\"id\":1}"]);
  }
}

/** The driver side of an adapter during fuzzing: nothing is sent or fetched, requests are counted. */
class FuzzIo implements AdapterIo {
  nowMs = Date.now();
  readonly replaying = false;
  reconnectsAsked = 0;
  sent = 0;
  rest = 0;
  send(): void {
    this.sent++;
  }
  requestRest(): void {
    this.rest++;
  }
  touch(): void {}
  reconnect(): void {
    this.reconnectsAsked++;
  }
  log(): void {}
}

function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / (1024 * 1024)) * 10) / 10;
}

/** Replays `events` into `adapter` (connects, REST bodies, frames) as a live session would receive them. */
function warmUp(adapter: VenueAdapter, events: readonly CaptureEvent[], io: FuzzIo): void {
  let open = false;
  for (const ev of events) {
    io.nowMs = Number(ev.t / 1_000_000n);
    if (ev.kind === "connect") {
      if (open) adapter.onClose(io);
      open = true;
      adapter.onOpen(io);
    } else if (ev.kind === "recv") adapter.onFrame(ev.data ?? "", io);
    else if (ev.kind === "rest") adapter.onRest(ev.url, ev.data ?? "", io);
  }
}

async function fuzzVenue(target: VenueTarget, count: number, rng: Rng, peak: { rss: number }, progress?: (line: string) => void): Promise<VenueFuzzResult> {
  const venue = await loadVenue(target.venue);
  let published = 0;
  let invalidPublished = 0;
  const failures: { input: string; error: string }[] = [];
  let current = "";
  const sink = {
    publish(bytes: Uint8Array): void {
      published++;
      const err = validateMessage(bytes, 0, bytes.length);
      if (err !== undefined) {
        invalidPublished++;
        if (failures.length < 5) failures.push({ input: current.slice(0, 400), error: `published invalid message: ${err.message}` });
      }
    },
  };
  const adapter = await venue.create({ sink, symbols: venue.defaultSymbols, ...(target.poolCache ? { poolCache: new URL(target.poolCache, FIXTURES).pathname } : {}) });
  const events = parseCaptureText(fs.readFileSync(new URL(target.capture, FIXTURES), "utf8"));
  const io = new FuzzIo();
  warmUp(adapter, events, io);
  const warmUpPublished = published;
  const corpus = events.filter((e) => e.kind === "recv" && e.data).map((e) => indexFrame(e.data!));
  if (corpus.length === 0) throw new Error(`${target.label}: the capture has no received frames`);
  const m = adapter.metrics;
  const before = { parseErrors: m.parseErrors, unknownFrames: m.unknownFrames, unknownInstruments: m.unknownInstruments, venueErrors: m.venueErrors, gaps: m.gaps, resyncs: m.resyncs };
  const publishedBefore = published;
  const reconnectsBefore = io.reconnectsAsked;
  const rssStart = rssMiB();
  let thrown = 0;
  let unmutated = 0;
  let slowest = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const f = corpus[rng.int(0, corpus.length - 1)]!;
    let input: string;
    if (rng.chance(0.1)) {
      input = f.text;
      unmutated++;
    } else {
      input = mutate(rng, f, corpus);
      if (rng.chance(0.25)) input = mutate(rng, indexFrame(input), corpus);
    }
    current = input;
    io.nowMs += 1;
    const s = performance.now();
    try {
      adapter.onFrame(input, io);
    } catch (e) {
      thrown++;
      if (failures.length < 5) failures.push({ input: input.slice(0, 400), error: `onFrame threw: ${(e as Error)?.stack ?? String(e)}` });
    }
    const took = performance.now() - s;
    if (took > slowest) slowest = took;
    if ((i & 0x3fff) === 0) {
      const r = rssMiB();
      if (r > peak.rss) peak.rss = r;
      // A reconnect now and then, as a live session has: books and sequences start over.
      if (rng.chance(0.05)) {
        adapter.onClose(io);
        adapter.onOpen(io);
      }
      if (progress && i > 0 && (i & 0xfffff) === 0) progress(`${target.label}: ${i.toLocaleString("en-US")} inputs, rss ${r} MiB`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const rssEnd = rssMiB();
  if (rssEnd > peak.rss) peak.rss = rssEnd;
  return {
    venue: target.label, corpusFrames: corpus.length, warmUpPublished, inputs: count, unmutated,
    parseErrors: m.parseErrors - before.parseErrors, unknownFrames: m.unknownFrames - before.unknownFrames,
    unknownInstruments: m.unknownInstruments - before.unknownInstruments, venueErrors: m.venueErrors - before.venueErrors,
    gaps: m.gaps - before.gaps, resyncs: m.resyncs - before.resyncs, reconnectsAsked: io.reconnectsAsked - reconnectsBefore,
    published: published - publishedBefore, thrown, invalidPublished, slowestInputMs: Math.round(slowest * 100) / 100,
    seconds: Math.round(seconds * 10) / 10, rssStartMiB: rssStart, rssEndMiB: rssEnd, failures,
  };
}

/** Runs the fuzzer over the chosen venues; `ok` is false when any input threw or published an invalid message. */
export async function runAdapterFuzz(options: AdapterFuzzOptions): Promise<AdapterFuzzResult> {
  const labels = options.venues ?? ADAPTER_TARGETS.map((t) => t.label);
  const targets = labels.map((l) => {
    const t = ADAPTER_TARGETS.find((x) => x.label === l);
    if (!t) throw new Error(`unknown venue ${JSON.stringify(l)}: one of ${ADAPTER_TARGETS.map((x) => x.label).join(", ")}`);
    return t;
  });
  const rng = new Rng(options.seed);
  const peak = { rss: rssMiB() };
  const per = Math.ceil(options.count / targets.length);
  const t0 = performance.now();
  const venues: VenueFuzzResult[] = [];
  for (const t of targets) venues.push(await fuzzVenue(t, per, rng, peak, options.progress));
  return {
    count: per * targets.length, seed: options.seed, seconds: Math.round((performance.now() - t0) / 100) / 10, peakRssMiB: peak.rss, venues,
    ok: venues.every((v) => v.thrown === 0 && v.invalidPublished === 0),
  };
}

function parseArgs(argv: readonly string[]): { count: number; seed: number; venues?: string[]; json: boolean } {
  const opts: { count: number; seed: number; venues?: string[]; json: boolean } = { count: 10_000_000, seed: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === "--count") opts.count = int();
    else if (a === "--seed") opts.seed = int();
    else if (a === "--venues") opts.venues = (argv[++i] ?? "").split(",").filter((s) => s !== "");
    else if (a === "--json") opts.json = true;
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  return opts;
}

function usage(why: string): never {
  process.stderr.write(`fuzz-adapters: ${why}\nusage: npx tsx bench/fuzz-adapters.ts [--count N per venue] [--seed S] [--venues coinbase,binance,kraken,evm] [--json]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const venueCount = opts.venues?.length ?? ADAPTER_TARGETS.length;
  const result = await runAdapterFuzz({ count: opts.count * venueCount, seed: opts.seed, ...(opts.venues ? { venues: opts.venues } : {}), progress: (l) => process.stderr.write(l + "\n") });
  if (opts.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
  } else {
    process.stdout.write(`fuzz-adapters: ${result.count.toLocaleString("en-US")} inputs (seed ${result.seed}) in ${result.seconds} s, peak RSS ${result.peakRssMiB} MiB\n`);
    for (const v of result.venues) {
      process.stdout.write(
        `  ${v.venue.padEnd(9)} ${v.inputs.toLocaleString("en-US")} inputs (${v.corpusFrames} corpus frames, warm-up published ${v.warmUpPublished}) in ${v.seconds} s: parse errors ${v.parseErrors}, unknown ${v.unknownFrames}, ` +
          `unknown instrument ${v.unknownInstruments}, venue errors ${v.venueErrors}, gaps ${v.gaps}, resyncs ${v.resyncs}, reconnects asked ${v.reconnectsAsked}, ` +
          `published ${v.published}; thrown ${v.thrown}, invalid published ${v.invalidPublished}; slowest input ${v.slowestInputMs} ms; rss ${v.rssStartMiB} → ${v.rssEndMiB} MiB\n`,
      );
      for (const f of v.failures) process.stdout.write(`    FAIL ${f.error}\n      input: ${JSON.stringify(f.input)}\n`);
    }
    process.stdout.write(result.ok ? "fuzz-adapters: OK\n" : "fuzz-adapters: FAILED\n");
  }
  process.exit(result.ok ? 0 : 1);
}

const isMain = (() => {
  const argv1 = process.argv[1] ?? "";
  return argv1.endsWith("fuzz-adapters.ts") || import.meta.url === `file://${argv1}`;
})();
if (isMain) await main();

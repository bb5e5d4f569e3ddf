/**
 * Stress (`ap bench stress`, issue 8): synthetic publishers at the highest rate the machine takes, for a
 * bounded time, through a real relay process to real subscriber processes (fast and slow); at the end
 * every message of every source is accounted for at every subscriber — delivered, or covered by a Gap
 * notice the subscriber received — and relay, publisher and subscriber RSS is sampled during the run
 * and compared with the bound the configured queue and ring sizes allow.
 *
 * Processes (one runtime, Unix sockets; this file is also the worker, `stress.ts worker <role> …`):
 * - `relay` — `startRelayServer` (market-data domain) with the given subscriber queue, ring size and
 *   overflow limit; prints its metrics on `stop`.
 * - `pub` — one source: Trades built as an adapter builds them, unpaced (bounded by its relay client's
 *   queue: it waits for a flush above 1 MiB queued), for `--seconds`; prints the last sequence sent.
 * - `sub` — a relay client with gap recovery (retransmit requests, Gap notices, reconnect + resume); per
 *   source it marks every delivered sequence and every sequence a Gap notice covered in a bitmap; a slow
 *   subscriber spends `--slow-us` µs per message. On `report <sent per source>` it reconciles.
 *
 * Accounting per subscriber and source s with `sent[s]` messages: delivered (unique), duplicates
 * delivered (must be 0), covered only by a Gap, and unaccounted = sent − delivered − gap-only; the
 * sequences that are neither are listed as ranges. The client's own counters (lost, gapsDetected,
 * retransmitRequests, reconnects) and the warnings it logged are reported next to them.
 *
 * Usage: `npx tsx main.ts bench stress [--seconds 5] [--publishers 4] [--fast 1] [--slow 1] [--slow-us 20]
 *   [--queue-bytes 1048576] [--ring-bytes 4194304] [--overflow-ms 5000] [--json]`
 *
 * @module
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setImmediate } from "node:timers";
import { fileURLToPath } from "node:url";
import { AssetType, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, TlvType, Venue } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { firstTlvType, readGap, Role } from "../relay/wire/control.ts";
import { silentLogger, type Logger } from "../core/log.ts";
import { startRelayServer } from "../relay/server/server.ts";
import { emit, emitAndExit, onStdinLine } from "./worker-io.ts";
import { startWorker, type WorkerProcess } from "./worker-process.ts";
import { installRuntimePlatform } from "../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

/** One line for `ap bench --help`. */
export const summary = "stress: max-rate publishers → relay → fast and slow subscribers, every message accounted per source, RSS";

const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const SELF = fileURLToPath(import.meta.url);

/** Settings of {@link measureStress}. */
export interface StressOptions {
  /** Publishing time, seconds. */
  seconds: number;
  /** Publisher processes (sources 1…N). */
  publishers: number;
  /** Subscribers that take messages as fast as they come. */
  fast: number;
  /** Subscribers that spend {@link StressOptions.slowMicros} per message. */
  slow: number;
  /** Busy time per message of a slow subscriber, µs. */
  slowMicros: number;
  /** Relay: bytes a subscriber's backlog may hold before its oldest are dropped (with Gaps). */
  queueBytes: number;
  /** Relay: bytes kept per source for retransmission. */
  ringBytes: number;
  /** Relay: ms of sustained overflow before a subscriber is disconnected. */
  overflowMs: number;
}

/** Reconciliation of one source at one subscriber. */
export interface SourceAccount {
  source: number;
  /** Messages the source published (its last sequence). */
  sent: number;
  /** Distinct sequences delivered. */
  delivered: number;
  /** Sequences delivered more than once (must be 0). */
  duplicatesDelivered: number;
  /** Sequences not delivered but covered by a Gap notice. */
  gapCovered: number;
  /** Sequences neither delivered nor covered by a Gap. */
  unaccounted: number;
  /** First few unaccounted ranges, inclusive. */
  unaccountedRanges: [number, number][];
}

/** One subscriber's report. */
export interface SubscriberReport {
  name: string;
  slow: boolean;
  sources: SourceAccount[];
  gapNotices: number;
  client: Record<string, number>;
  /** Warnings and errors the client logged, by message. */
  warnings: Record<string, number>;
}

/** RSS of a process kind: samples every 200 ms, MiB. */
export interface RssReport {
  kind: string;
  first: number;
  peak: number;
  last: number;
}

/** The relay process's memory at one moment (`process.memoryUsage()`, MiB). */
export interface RelayMemorySample {
  /** Seconds since the publishers started. */
  t: number;
  rss: number;
  heapUsed: number;
  /** Bytes of ArrayBuffers alive or not yet collected (read chunks, queues, rings). */
  arrayBuffers: number;
}

/** Result of a stress run. */
export interface StressResult {
  runtime: "node" | "deno";
  options: StressOptions;
  /** Messages published per source (the last sequence). */
  sent: Record<string, number>;
  publisherDroppedOutgoing: number;
  /** Total sent ÷ publishing time. */
  publishRatePerSec: number;
  subscribers: SubscriberReport[];
  relay: Record<string, unknown>;
  rss: RssReport[];
  /** The relay's own memory view, about once a second. */
  relayMemory: RelayMemorySample[];
  /** The relay's memory after the run, after a full GC (what it still holds: rings and queues), MiB. */
  relayAfterGc: { rss: number; heapUsed: number; arrayBuffers: number };
  /** The relay's memory bound from its configuration: queue × subscribers + ring × sources + windows, MiB. */
  relayBoundMiB: number;
  /** Every message of every source delivered or covered by a Gap at every subscriber. */
  allAccounted: boolean;
  settleSeconds: number;
}

// ------------------------------------------------------------------------------------------ workers




const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function relayWorker(socket: string, queueBytes: number, ringBytes: number, overflowMs: number): Promise<void> {
  const server = await startRelayServer({
    domain: RelayDomain.MarketData, socketPath: socket, logger: silentLogger,
    subscriberQueueBytes: queueBytes, ringBytesPerSource: ringBytes, overflowDisconnectMs: overflowMs,
  });
  emit({ ready: true });
  onStdinLine(async (line) => {
    if (line === "memory" || line === "memory-gc") {
      // After a full GC (the relay runs with --expose-gc): what the relay really keeps, not garbage yet to collect.
      if (line === "memory-gc") (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      emit({ memory: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers } });
    }
    if (line !== "stop") return;
    const snap = server.relay.metrics.snapshot();
    await server.close();
    emitAndExit({ metrics: snap });
  });
}

async function pubWorker(socket: string, source: number, seconds: number): Promise<void> {
  const client = await RelayClient.connect({ endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: source, role: Role.Publisher, logger: silentLogger });
  const asset = pairAssetId("BTC", "USD");
  const b = new MessageBuilder(256);
  let sent = 0;
  let price = 6_000_000_000_000n;
  emit({ ready: true });
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 512; i++) {
      price += BigInt((sent % 7) - 3) * 1000n;
      b.begin(RelayDomain.MarketData, source).addTrade(asset, Venue.Coinbase, AssetType.Spot, (sent & 1) === 0 ? Side.Buy : Side.Sell, 0, price, 100_000n, 0n);
      client.publishFrom(b.bytes, 0, b.finishLength());
      sent++;
    }
    if (client.queuedBytes > 1024 * 1024) await client.flush();
    else await yieldMacrotask();
  }
  await client.flush();
  const stats = { ...client.stats };
  await client.close();
  emitAndExit({ source, sent, droppedOutgoing: stats.droppedOutgoing, reconnects: stats.reconnects });
}

/** Sequences 1… of one source: 1 = delivered, 2 = covered by a Gap, 3 = both. */
class SeqMarks {
  marks = new Uint8Array(1 << 16);
  duplicates = 0;
  private ensure(n: number): void {
    if (n < this.marks.length) return;
    let len = this.marks.length;
    while (len <= n) len *= 2;
    const next = new Uint8Array(len);
    next.set(this.marks);
    this.marks = next;
  }
  delivered(seq: number): void {
    this.ensure(seq);
    if ((this.marks[seq]! & 1) !== 0) this.duplicates++;
    this.marks[seq]! |= 1;
  }
  gap(from: number, to: number): void {
    // The relay caps a Gap at the last sequence it saw of the source; 2^31 only guards against a bogus one.
    const cap = Math.min(to, 2 ** 31 - 1);
    this.ensure(cap);
    for (let s = Math.max(1, from); s <= cap; s++) this.marks[s]! |= 2;
  }
}

async function subWorker(socket: string, name: string, slowMicros: number): Promise<void> {
  const warnings: Record<string, number> = {};
  const note = (msg: string): void => {
    warnings[msg] = (warnings[msg] ?? 0) + 1;
  };
  const logger: Logger = { debug() {}, info() {}, warn: (m) => note(m), error: (m, f) => note(`${m}${f?.error ? `: ${String((f.error as Error)?.message ?? f.error)}` : ""}`) };
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 60 + Number(name.replace(/\D/g, "") || 0), role: Role.Subscriber, logger,
  });
  const bySource = new Map<number, SeqMarks>();
  const marks = (s: number): SeqMarks => {
    let m = bySource.get(s);
    if (m === undefined) bySource.set(s, (m = new SeqMarks()));
    return m;
  };
  let gapNotices = 0;
  client.onMessage((bytes, offset) => {
    if (firstTlvType(bytes, offset) === TlvType.Gap) {
      const g = readGap(bytes, offset);
      if (g !== undefined) {
        gapNotices++;
        marks(g.source).gap(Number(g.from), Number(g.to > 0xffff_ffffn ? 0xffff_ffffn : g.to));
      }
      return;
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    marks(dv.getUint16(offset + HeaderOffset.source, true)).delivered(Number(dv.getBigUint64(offset + HeaderOffset.sequence, true)));
    if (slowMicros > 0) {
      const until = performance.now() + slowMicros / 1000;
      while (performance.now() < until) { /* a slow consumer's work */ }
    }
  });
  emit({ ready: true });
  onStdinLine((line) => {
    if (line.startsWith("report ")) {
      const sent = JSON.parse(line.slice(7)) as Record<string, number>;
      const sources: SourceAccount[] = [];
      for (const [src, n] of Object.entries(sent)) {
        const m = marks(Number(src));
        let delivered = 0;
        let gapCovered = 0;
        const ranges: [number, number][] = [];
        let unaccounted = 0;
        for (let s = 1; s <= n; s++) {
          const v = s < m.marks.length ? m.marks[s]! : 0;
          if ((v & 1) !== 0) delivered++;
          else if ((v & 2) !== 0) gapCovered++;
          else {
            unaccounted++;
            const last = ranges[ranges.length - 1];
            if (last !== undefined && last[1] === s - 1) last[1] = s;
            else if (ranges.length < 5) ranges.push([s, s]);
          }
        }
        sources.push({ source: Number(src), sent: n, delivered, duplicatesDelivered: m.duplicates, gapCovered, unaccounted, unaccountedRanges: ranges });
      }
      emit({ report: { name, slow: slowMicros > 0, sources, gapNotices, client: { ...client.stats }, warnings } satisfies SubscriberReport });
    } else if (line === "stop") {
      void client.close(200).then(() => emitAndExit({ stopped: true }));
    }
  });
}

async function worker(args: readonly string[]): Promise<void> {
  const [role, a, b, c, d] = args;
  if (role === "relay") await relayWorker(a!, Number(b), Number(c), Number(d));
  else if (role === "pub") await pubWorker(a!, Number(b), Number(c));
  else if (role === "sub") await subWorker(a!, b!, Number(c));
  else throw new Error(`unknown stress worker role ${role}`);
}

// ------------------------------------------------------------------------------------- orchestrator


/** A worker process of this benchmark, with what it is (for the RSS report). */
interface Worker extends WorkerProcess {
  kind: string;
}

function startStressWorker(kind: string, args: string[]): Worker {
  return { kind, ...startWorker(SELF, ["worker", ...args], { exposeGc: kind === "relay" }) };
}

/** VmRSS of a process in MiB (Linux /proc), or 0 when it is gone. */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : 0;
  } catch {
    return 0;
  }
}

/** Runs one stress session (spawns and always kills its processes). */
export async function measureStress(o: StressOptions): Promise<StressResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-stress-"));
  const socket = path.join(dir, "md.sock");
  const workers: Worker[] = [];
  const samples = new Map<string, number[]>();
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const relay = startStressWorker("relay", ["relay", socket, String(o.queueBytes), String(o.ringBytes), String(o.overflowMs)]);
    workers.push(relay);
    await relay.next();
    const subs: Worker[] = [];
    for (let i = 0; i < o.fast + o.slow; i++) {
      const slow = i >= o.fast;
      const w = startStressWorker(slow ? "subscriber (slow)" : "subscriber (fast)", ["sub", socket, `${slow ? "slow" : "fast"}${i}`, String(slow ? o.slowMicros : 0)]);
      subs.push(w);
      workers.push(w);
    }
    for (const s of subs) await s.next();
    const pubs: Worker[] = [];
    for (let i = 0; i < o.publishers; i++) {
      const w = startStressWorker("publisher", ["pub", socket, String(1 + i), String(o.seconds)]);
      pubs.push(w);
      workers.push(w);
    }
    const sample = (): void => {
      for (const w of workers) {
        const r = rssOf(w.child.pid);
        if (r === 0) continue;
        const key = `${w.kind}#${w.child.pid}`;
        let a = samples.get(key);
        if (!a) samples.set(key, (a = []));
        a.push(r);
      }
    };
    sample();
    sampler = setInterval(sample, 200);
    for (const p of pubs) await p.next();
    const t0 = performance.now();
    const relayMemory: RelayMemorySample[] = [];
    const mib = (b: number): number => Math.round((b / (1024 * 1024)) * 10) / 10;
    let memoryDone = false;
    const memoryLoop = (async () => {
      while (!memoryDone) {
        relay.send("memory");
        const m = (await relay.next()).memory as { rss: number; heapUsed: number; arrayBuffers: number };
        relayMemory.push({ t: Math.round((performance.now() - t0) / 100) / 10, rss: mib(m.rss), heapUsed: mib(m.heapUsed), arrayBuffers: mib(m.arrayBuffers) });
        await sleep(1000);
      }
    })();
    const results = await Promise.all(pubs.map((p) => p.next((o.seconds + 60) * 1000)));
    const publishSeconds = o.seconds;
    const sent: Record<string, number> = {};
    let dropped = 0;
    for (const r of results) {
      sent[String(r.source)] = r.sent as number;
      dropped += r.droppedOutgoing as number;
    }
    // Settle: until every subscriber accounts for everything, or nothing changes for 5 s (at most 60 s).
    let reports: SubscriberReport[] = [];
    let lastKey = "";
    let stableSince = performance.now();
    const settleStart = performance.now();
    for (;;) {
      reports = [];
      for (const s of subs) {
        s.send(`report ${JSON.stringify(sent)}`);
        reports.push((await s.next()).report as SubscriberReport);
      }
      const done = reports.every((r) => r.sources.every((x) => x.unaccounted === 0));
      const key = JSON.stringify(reports.map((r) => r.sources.map((x) => [x.delivered, x.gapCovered])));
      if (key !== lastKey) {
        lastKey = key;
        stableSince = performance.now();
      }
      if (done || performance.now() - stableSince > 5000 || performance.now() - settleStart > 60_000) break;
      await sleep(250);
    }
    const settleSeconds = (performance.now() - settleStart) / 1000;
    memoryDone = true;
    await memoryLoop;
    relay.send("memory-gc");
    const live = (await relay.next()).memory as { rss: number; heapUsed: number; arrayBuffers: number };
    const relayAfterGc = { rss: mib(live.rss), heapUsed: mib(live.heapUsed), arrayBuffers: mib(live.arrayBuffers) };
    clearInterval(sampler);
    sampler = undefined;
    relay.send("stop");
    const relayMetrics = ((await relay.next()).metrics ?? {}) as Record<string, unknown>;
    for (const s of subs) s.send("stop");
    await Promise.all(subs.map((s) => s.next(5000).catch(() => undefined)));
    const rss: RssReport[] = [...samples.entries()].map(([key, a]) => ({
      kind: key, first: a[0]!, peak: Math.max(...a), last: a[a.length - 1]!,
    }));
    const total = Object.values(sent).reduce((x, y) => x + y, 0);
    const subscribers = o.fast + o.slow;
    return {
      runtime: IS_DENO ? "deno" : "node", options: o, sent, publisherDroppedOutgoing: dropped, publishRatePerSec: Math.round(total / publishSeconds),
      subscribers: reports, relay: relayMetrics, rss, relayMemory, relayAfterGc,
      relayBoundMiB: Math.round(((o.queueBytes + 256 * 1024) * subscribers + o.ringBytes * o.publishers) / (1024 * 1024) * 10) / 10,
      allAccounted: reports.every((r) => r.sources.every((x) => x.unaccounted === 0 && x.duplicatesDelivered === 0)),
      settleSeconds: Math.round(settleSeconds * 10) / 10,
    };
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseOptions(args: readonly string[]): StressOptions & { json: boolean } {
  const o = { seconds: 5, publishers: 4, fast: 1, slow: 1, slowMicros: 20, queueBytes: 1024 * 1024, ringBytes: 4 * 1024 * 1024, overflowMs: 5000, json: false };
  const num = (i: number, name: string): number => {
    const v = Number(args[i]);
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`${name} takes a non-negative number`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") o.json = true;
    else if (a === "--seconds") o.seconds = num(++i, a);
    else if (a === "--publishers") o.publishers = Math.max(1, Math.floor(num(++i, a)));
    else if (a === "--fast") o.fast = Math.floor(num(++i, a));
    else if (a === "--slow") o.slow = Math.floor(num(++i, a));
    else if (a === "--slow-us") o.slowMicros = num(++i, a);
    else if (a === "--queue-bytes") o.queueBytes = Math.floor(num(++i, a));
    else if (a === "--ring-bytes") o.ringBytes = Math.floor(num(++i, a));
    else if (a === "--overflow-ms") o.overflowMs = num(++i, a);
    else throw new Error(`unknown option ${a}`);
  }
  if (o.fast + o.slow < 1) throw new Error("at least one subscriber (--fast/--slow)");
  return o;
}

function table(r: StressResult): string {
  const lines: string[] = [];
  const total = Object.values(r.sent).reduce((x, y) => x + y, 0);
  lines.push(`stress (${r.runtime}): ${r.options.publishers} publishers × ${r.options.seconds} s unpaced → relay → ${r.options.fast} fast + ${r.options.slow} slow (${r.options.slowMicros} µs/msg) subscribers`);
  lines.push(`published ${total.toLocaleString("en-US")} (${r.publishRatePerSec.toLocaleString("en-US")} msgs/s), publisher-side drops ${r.publisherDroppedOutgoing}; settled in ${r.settleSeconds} s`);
  for (const s of r.subscribers) {
    const d = s.sources.reduce((a, x) => a + x.delivered, 0);
    const g = s.sources.reduce((a, x) => a + x.gapCovered, 0);
    const u = s.sources.reduce((a, x) => a + x.unaccounted, 0);
    const dup = s.sources.reduce((a, x) => a + x.duplicatesDelivered, 0);
    lines.push(`  ${s.name}: delivered ${d.toLocaleString("en-US")}, covered by Gap ${g.toLocaleString("en-US")}, unaccounted ${u}, duplicates ${dup}; gap notices ${s.gapNotices}; client lost ${s.client.lost}, reconnects ${s.client.reconnects}, retransmit requests ${s.client.retransmitRequests}`);
    for (const x of s.sources) if (x.unaccounted > 0) lines.push(`    source ${x.source}: ${x.unaccounted} unaccounted, first ranges ${JSON.stringify(x.unaccountedRanges)}`);
    for (const [w, n] of Object.entries(s.warnings)) lines.push(`    logged ×${n}: ${w}`);
  }
  const m = r.relay as { messagesIn?: number; messagesOut?: number; gapsSent?: number; drops?: Record<string, number>; disconnects?: Record<string, number> };
  lines.push(`relay: in ${m.messagesIn}, out ${m.messagesOut}, gaps sent ${m.gapsSent}, drops ${JSON.stringify(m.drops)}, disconnects ${JSON.stringify(m.disconnects)}`);
  for (const x of r.rss) lines.push(`  rss ${x.kind}: first ${x.first} MiB, peak ${x.peak} MiB, last ${x.last} MiB`);
  lines.push(`  relay memory (t s: rss / heapUsed / arrayBuffers MiB): ${r.relayMemory.map((x) => `${x.t}: ${x.rss}/${x.heapUsed}/${x.arrayBuffers}`).join(", ")}`);
  lines.push(`  relay after the run, after a full GC: rss ${r.relayAfterGc.rss} MiB, heapUsed ${r.relayAfterGc.heapUsed} MiB, arrayBuffers ${r.relayAfterGc.arrayBuffers} MiB`);
  lines.push(`relay memory bound from its settings (queue+window per subscriber, ring per source): ${r.relayBoundMiB} MiB above its idle RSS`);
  lines.push(r.allAccounted ? "every message accounted for at every subscriber" : "NOT every message accounted for");
  return lines.join("\n");
}

/** `ap bench stress`: exit 0 when every message is accounted for, 1 otherwise. */
export async function run(args: readonly string[]): Promise<number> {
  const o = parseOptions(args);
  const { json, ...opts } = o;
  const r = await measureStress(opts);
  process.stdout.write((json ? JSON.stringify(r) : table(r)) + "\n");
  return r.allAccounted ? 0 : 1;
}

const argv = process.argv.slice(2);
if ((process.argv[1] ?? "").endsWith("stress.ts")) {
  if (argv[0] === "worker") await worker(argv.slice(1));
  else process.exitCode = await run(argv);
}

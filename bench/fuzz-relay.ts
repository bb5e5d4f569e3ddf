/**
 * Mutation fuzzer for the relay's connection handler (issue 8): random and mutated byte streams from
 * several connections at once into a real in-process {@link Relay}, while an honest publisher and an
 * honest subscriber use the same relay over a real Unix socket. Proves: no exception out of the relay,
 * no hang, bounded memory, nothing invalid ever forwarded, and the honest clients unaffected.
 *
 * The fuzzed connections are in-memory {@link Connection}s attached with `relay.attach()` — exactly
 * what a listener hands the relay — so millions of inputs need no syscalls and chunk boundaries can be
 * anywhere (a message split over chunks, many messages in one chunk). Each input is one message of a
 * corpus (valid messages of every market-data TLV type, other domains' messages, Hello / Subscribe /
 * RetransmitRequest with odd values) mutated — bit flips, byte sets, truncation, extension, payloadSize
 * and TLV length edits, splices, random bytes, a control TLV inside a data message — and then, most of
 * the time, given a fresh sequence of one of a bounded set of sources with payloadSize and checksum
 * repaired, so the mutation is accepted and forwarded and exercises the rings, retransmission and the
 * subscribers' outboxes. Connections start with a Hello (publisher, subscriber or both; sometimes a
 * broken one), subscribers may stall (their socket never drains) so their backlog overflows, and now
 * and then a connection is closed by its peer. Whatever the relay writes to a fuzzed subscriber is
 * framed and validated (checksum included): the relay must never send a byte that is not a valid
 * message. A connection the relay closes is replaced by a new one.
 *
 * The honest pair: a {@link RelayClient} publishes a Trade of source 7777 every 32 inputs (fuzzed
 * messages never carry that source as their own — the harness keeps them off it, and the relay would refuse
 * them as `sourceOwned` — but
 * may carry Gap TLVs naming it, which the relay must refuse: tests/e2e/forged-gap.test.ts); a subscriber
 * client must receive every one of them, once and in order, with no reconnect on either side.
 *
 * Usage: `npx tsx bench/fuzz-relay.ts [--count N] [--seed S] [--connections C] [--json]` (add
 * `node --expose-gc --import tsx` to also get the live heap after a full GC every 1 M inputs) (default
 * 10,000,000 inputs, 8 connections, seed 1). `runRelayFuzz()` is the same run as a function, for the
 * short CI version (`tests/e2e/fuzz.test.ts`).
 *
 * @module
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setImmediate } from "node:timers";
import fc from "fast-check";
import { Rng } from "../core/prng.ts";
import {
  AssetType, HEADER_SIZE, HeaderOffset, MessageBuilder, RelayDomain, Side, StreamFramer, TlvType, Venue, encodeMessage, messageChecksum,
  pairAssetId, validateMessage,
} from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { encodeHello, encodeRetransmitRequest, encodeSubscribe, Role } from "../relay/wire/control.ts";
import { silentLogger } from "../core/log.ts";
import type { Relay } from "../relay/server/relay.ts";
import { startRelayServer } from "../relay/server/server.ts";
import type { Connection, ConnectionHandlers } from "../relay/transport/types.ts";
import { domainTlvArb, metaArb } from "../tests/protocol/arbitraries.ts";
import { installRuntimePlatform } from "../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

/** Source of the honest publisher (fuzzed messages never carry it). */
export const HONEST_SOURCE = 7777;
/** Fuzzed data messages are mostly restamped with one of this many sources (100…). */
const FUZZ_SOURCES = 64;

/** Settings of {@link runRelayFuzz}. */
export interface RelayFuzzOptions {
  /** Inputs (messages, mutated or not) in total. */
  count: number;
  /** PRNG seed (same seed, same inputs). */
  seed: number;
  /** Fuzzed connections open at once (default 8). */
  connections?: number;
  /** Relay limit (default: the relay's own). */
  subscriberQueueBytes?: number;
  /** Relay limit (default: the relay's own). */
  ringBytesPerSource?: number;
  /** Relay limit (default: the relay's own). */
  overflowDisconnectMs?: number;
  /** Bytes a subscriber's connection takes before its queue fills (relay `writeWindowBytes`; default 256 KiB). */
  writeWindowBytes?: number;
  /** Progress lines (default none). */
  progress?: (line: string) => void;
}

/** Outcome of a run. */
export interface RelayFuzzResult {
  count: number;
  seed: number;
  seconds: number;
  inputsPerSecond: number;
  /** Chunks handed to the relay (inputs are split and coalesced at random). */
  chunks: number;
  /** Fuzzed connections opened in total (replacements of closed ones included). */
  connectionsOpened: number;
  /** Quiet subscribers (one prompt, one stalled) opened in total. */
  quietOpened: number;
  /** Fuzzed connections the fuzzer itself closed (peer close). */
  peerCloses: number;
  /** Messages the relay wrote to fuzzed subscribers (all validated). */
  outputMessages: number;
  /** Relay output that was not a valid message (must be 0). */
  invalidOutput: number;
  /** Exceptions out of the relay's handlers (must be 0). */
  thrown: number;
  honest: { sent: number; delivered: number; outOfOrder: number; publisherReconnects: number; subscriberReconnects: number; ok: boolean };
  relay: { messagesIn: number; messagesOut: number; gapsSent: number; retransmitRequests: number; drops: Record<string, number>; errors: Record<string, number>; disconnects: Record<string, number> };
  /** RSS sampled every 16 k inputs: first sample, peak, last (MiB). */
  rssMiB: { first: number; peak: number; last: number };
  /** Heap and ArrayBuffer bytes after a full GC every 1 M inputs (only when the runtime exposes gc). */
  liveAfterGc: { inputs: number; heapUsedMiB: number; arrayBuffersMiB: number }[];
  failures: string[];
  ok: boolean;
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 0x20, 0x40];

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 256) | 0;
  return out;
}

/** Valid market-data messages of every type, some of other domains, and control messages with odd values. */
function buildCorpus(seed: number): Uint8Array[] {
  const corpus: Uint8Array[] = [];
  const md = fc.record({ meta: metaArb(1), tlv: domainTlvArb(1) });
  for (const { meta, tlv } of fc.sample(md, { seed, numRuns: 400 })) corpus.push(encodeMessage(meta, [tlv]));
  for (const d of [2, 3, 4] as const) {
    for (const { meta, tlv } of fc.sample(fc.record({ meta: metaArb(d), tlv: domainTlvArb(d) }), { seed: seed + d, numRuns: 20 })) corpus.push(encodeMessage(meta, [tlv]));
  }
  for (const role of [0, 1, 2, 3, 4, 255]) corpus.push(encodeHello(1, 50 + role, role), encodeHello(1, 60 + role, role, "x".repeat(Math.min(247, role * 10))));
  corpus.push(encodeSubscribe(1, 9, []), encodeSubscribe(1, 9, [1]), encodeSubscribe(1, 9, [1, 2, 3, 4, 5, 6, 255, 256, 65535]));
  for (const [src, from, to] of [[100, 1n, 10n], [100, 0n, 5n], [101, 9n, 2n], [102, 1n, 0xffff_ffff_ffff_ffffn], [HONEST_SOURCE, 1n, 100n], [65535, 1n, 1n], [103, 5n, 1_000_000n]] as const) {
    corpus.push(encodeRetransmitRequest(1, 9, src, from, to));
  }
  for (const m of corpus) {
    const err = validateMessage(m, 0, m.length, { checkDomain: false });
    if (err) throw new Error(`corpus message does not validate: ${err.message}`);
  }
  return corpus;
}

function mutate(rng: Rng, m: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  switch (rng.int(0, 8)) {
    case 0: {
      const out = m.slice();
      for (let i = rng.int(1, 4); i > 0 && out.length > 0; i--) {
        const at = rng.chance(0.9) && out.length > HEADER_SIZE ? rng.int(HeaderOffset.relayDomain, out.length - 1) : rng.int(0, out.length - 1);
        out[at]! ^= 1 << rng.int(0, 7);
      }
      return out;
    }
    case 1: {
      const out = m.slice();
      // Mostly past the framing fields, so the message reaches validation rather than closing the stream.
      for (let i = rng.int(1, 3); i > 0 && out.length > 0; i--) {
        const at = rng.chance(0.9) && out.length > HEADER_SIZE ? rng.int(HEADER_SIZE, out.length - 1) : rng.int(0, out.length - 1);
        out[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(0, 255);
      }
      return out;
    }
    case 2:
      return m.slice(0, rng.int(HEADER_SIZE, Math.max(HEADER_SIZE, m.length)));
    case 3: {
      const out = new Uint8Array(m.length + rng.int(1, 64));
      out.set(m);
      out.set(randomBytes(rng, out.length - m.length), m.length);
      return out;
    }
    case 4: {
      // A TLV length / type byte edited.
      if (m.length <= HEADER_SIZE + 1) return m;
      const out = m.slice();
      const at = HEADER_SIZE + (rng.chance(0.5) ? 0 : 1);
      out[at] = rng.chance(0.5) ? (out[at]! + rng.pick([1, -1, 2, 128])) & 0xff : rng.pick(INTERESTING);
      return out;
    }
    case 5: {
      const o = rng.pick(corpus);
      const cut = rng.int(HEADER_SIZE, Math.max(HEADER_SIZE, m.length));
      const from = rng.int(Math.min(HEADER_SIZE, o.length), o.length);
      const out = new Uint8Array(cut + o.length - from);
      out.set(m.subarray(0, cut));
      out.set(o.subarray(from), cut);
      return out;
    }
    case 6: {
      // A control TLV (Hello, Subscribe, RetransmitRequest, Gap) after or instead of the data TLV.
      const c = rng.pick(corpus.filter((x) => x[HEADER_SIZE]! >= TlvType.Hello && x[HEADER_SIZE]! <= TlvType.RetransmitRequest));
      const keep = rng.chance(0.5) ? m.length : HEADER_SIZE;
      const out = new Uint8Array(keep + c.length - HEADER_SIZE);
      out.set(m.subarray(0, keep));
      out.set(c.subarray(HEADER_SIZE), keep);
      return out;
    }
    case 7: {
      // Framing damage: magic, version or payloadSize (the relay closes the stream; a new connection follows).
      if (m.length < HEADER_SIZE) return m;
      const out = m.slice();
      const dv = new DataView(out.buffer);
      const r = rng.int(0, 3);
      if (r === 0) out[rng.int(0, 3)]! ^= 0x10;
      else if (r === 1) out[HeaderOffset.version] = rng.int(0, 255);
      else dv.setUint32(HeaderOffset.payloadSize, rng.pick([0, 0xffffffff, 1 << 20, (1 << 16) + 1, out.length]), true);
      return out;
    }
    default: {
      // Random bytes, half of them behind a plausible header start.
      const out = randomBytes(rng, rng.int(0, 300));
      if (rng.chance(0.5) && out.length >= HEADER_SIZE) out.set([0xef, 0xbe, 0xad, 0xde, 1, 1], 0);
      return out;
    }
  }
}

/** Gives `m` one of the fuzz sources and that source's next sequence, and repairs payloadSize and checksum. */
function restamp(rng: Rng, m: Uint8Array, nextSeq: Float64Array): void {
  if (m.length < HEADER_SIZE) return;
  const dv = new DataView(m.buffer, m.byteOffset, m.length);
  if (m[HeaderOffset.magic] === 0xef && rng.chance(0.9)) {
    const k = rng.int(0, FUZZ_SOURCES - 1);
    dv.setUint16(HeaderOffset.source, 100 + k, true);
    // Mostly the next sequence; sometimes a jump (a gap for subscribers) or an old one (a duplicate).
    const r = rng.next();
    const seq = r < 0.85 ? ++nextSeq[k]! : r < 0.95 ? (nextSeq[k]! += rng.int(2, 50)) : Math.max(1, nextSeq[k]! - rng.int(0, 20));
    dv.setBigUint64(HeaderOffset.sequence, BigInt(seq), true);
    dv.setBigUint64(HeaderOffset.timestamp, BigInt(Date.now()) * 1_000_000n, true);
  } else if (dv.getUint16(HeaderOffset.source, true) === HONEST_SOURCE) {
    dv.setUint16(HeaderOffset.source, HONEST_SOURCE + 1, true);
  }
  // Forged Gap TLVs naming the honest source stay in: the relay must refuse them (only a source's own
  // publisher may announce its gaps; tests/e2e/forged-gap.test.ts), or the honest pair fails.
  if (rng.chance(0.9)) dv.setUint32(HeaderOffset.payloadSize, m.length - HEADER_SIZE, true);
  const total = HEADER_SIZE + dv.getUint32(HeaderOffset.payloadSize, true);
  if (total <= m.length && rng.chance(0.95)) dv.setUint32(HeaderOffset.checksum, messageChecksum(m, 0, total), true);
}

/** An in-memory connection handed to the relay; it checks every byte the relay writes to it. */
class FuzzConnection implements Connection {
  readonly peer: string;
  readonly secure = false;
  pendingBytes = 0;
  closed = false;
  handlers: ConnectionHandlers | undefined;
  /** A stalled peer never drains: the relay's writes pile up as pending bytes. */
  stalled: boolean;
  outputMessages = 0;
  invalidOutput = 0;
  firstInvalid: string | undefined;
  private readonly framer = new StreamFramer();
  private readonly onOut = (bytes: Uint8Array, offset: number, length: number): void => {
    this.outputMessages++;
    const err = validateMessage(bytes, offset, length);
    if (err !== undefined) {
      this.invalidOutput++;
      this.firstInvalid ??= err.message;
    }
  };

  constructor(id: number, stalled: boolean) {
    this.peer = `fuzz:${id}`;
    this.stalled = stalled;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  write(chunks: readonly Uint8Array[]): void {
    if (this.closed) return;
    for (const c of chunks) {
      try {
        this.framer.push(c, this.onOut);
      } catch (e) {
        this.invalidOutput++;
        this.firstInvalid ??= `framing of relay output: ${(e as Error).message}`;
      }
      if (this.stalled) this.pendingBytes += c.length;
    }
  }

  pause(): void {}
  resume(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const h = this.handlers;
    queueMicrotask(() => h?.close());
  }

  /** The peer goes away (as a socket's close event). */
  peerClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close();
  }
}

function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / (1024 * 1024)) * 10) / 10;
}

const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs the relay fuzzer; `ok` is false on any exception, invalid relay output, or an honest message lost. */
export async function runRelayFuzz(options: RelayFuzzOptions): Promise<RelayFuzzResult> {
  const rng = new Rng(options.seed);
  const corpus = buildCorpus(options.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-fuzz-relay-"));
  const socketPath = path.join(dir, "md.sock");
  const server = await startRelayServer({
    domain: RelayDomain.MarketData, socketPath, logger: silentLogger,
    ...(options.subscriberQueueBytes !== undefined ? { subscriberQueueBytes: options.subscriberQueueBytes } : {}),
    ...(options.ringBytesPerSource !== undefined ? { ringBytesPerSource: options.ringBytesPerSource } : {}),
    ...(options.overflowDisconnectMs !== undefined ? { overflowDisconnectMs: options.overflowDisconnectMs } : {}),
    ...(options.writeWindowBytes !== undefined ? { writeWindowBytes: options.writeWindowBytes } : {}),
  });
  const relay: Relay = server.relay;
  const failures: string[] = [];
  let thrown = 0;
  // The honest pair, over the real socket.
  const endpoint = { kind: "unix" as const, path: socketPath };
  const sub = await RelayClient.connect({ endpoint, domain: 1, serviceId: 71, role: Role.Subscriber, logger: silentLogger });
  let honestDelivered = 0;
  let outOfOrder = 0;
  sub.onMessage((bytes, offset) => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    if (dv.getUint16(offset + HeaderOffset.source, true) !== HONEST_SOURCE) return;
    const seq = Number(dv.getBigUint64(offset + HeaderOffset.sequence, true));
    if (seq !== honestDelivered + 1) outOfOrder++;
    honestDelivered++;
  });
  while (relay.metrics.subscribers < 1) await new Promise((r) => setTimeout(r, 5));
  const pub = await RelayClient.connect({ endpoint, domain: 1, serviceId: HONEST_SOURCE, role: Role.Publisher, logger: silentLogger });
  const hb = new MessageBuilder(256);
  const asset = pairAssetId("BTC", "USD");
  let honestSent = 0;

  const nConns = options.connections ?? 8;
  const conns: FuzzConnection[] = [];
  const streams: Uint8Array[][] = [];
  let opened = 0;
  let peerCloses = 0;
  let chunks = 0;
  let retiredOutput = 0;
  let retiredInvalid = 0;
  const nextSeq = new Float64Array(FUZZ_SOURCES);
  const retire = (c: FuzzConnection): void => {
    retiredOutput += c.outputMessages;
    retiredInvalid += c.invalidOutput;
    if (c.firstInvalid !== undefined && failures.length < 10) failures.push(`relay wrote invalid bytes to ${c.peer}: ${c.firstInvalid}`);
  };
  const open = (i: number): void => {
    const c = new FuzzConnection(++opened, rng.chance(0.2));
    conns[i] = c;
    streams[i] = [];
    try {
      relay.attach(c, { requireToken: false });
    } catch (e) {
      thrown++;
      if (failures.length < 10) failures.push(`attach threw: ${(e as Error).stack}`);
    }
    // Mostly a proper Hello first; sometimes garbage, a bad role, or data before Hello.
    const r = rng.next();
    const role = rng.pick([Role.Publisher, Role.Publisher, Role.Subscriber, Role.Both]);
    // Most fuzzed connections say they are one service (200), so the sources they spray stay theirs across
    // connections (the relay binds a source to its publisher's service); one in ten is a stranger whose
    // messages of those sources are refused as `sourceOwned`.
    if (r < 0.9) streams[i]!.push(encodeHello(1, opened % 10 === 0 ? 201 + (opened % 49) : 200, role));
    if (r < 0.9 && role !== Role.Publisher && rng.chance(0.3)) streams[i]!.push(encodeSubscribe(1, 9, rng.chance(0.5) ? [TlvType.Trade] : [rng.int(1, 20), rng.int(1, 300)]));
  };
  for (let i = 0; i < nConns; i++) open(i);
  // Two quiet subscribers that only say Hello: one reads promptly, one never drains (its backlog overflows,
  // the relay drops its oldest with Gaps and, past the overflow limit, disconnects it; then it comes back).
  const quiet: FuzzConnection[] = [];
  let quietOpened = 0;
  const openQuiet = (k: number): void => {
    const c = new FuzzConnection(1_000_000 + ++quietOpened, k === 1);
    quiet[k] = c;
    relay.attach(c, { requireToken: false });
    c.handlers!.data(encodeHello(1, 300 + k, Role.Subscriber));
  };
  openQuiet(0);
  openQuiet(1);

  const rss = { first: rssMiB(), peak: 0, last: 0 };
  const liveAfterGc: { inputs: number; heapUsedMiB: number; arrayBuffersMiB: number }[] = [];
  const t0 = performance.now();
  for (let n = 0; n < options.count; n++) {
    const i = rng.int(0, nConns - 1);
    let c = conns[i]!;
    if (c.closed) {
      retire(c);
      open(i);
      c = conns[i]!;
    }
    let m = rng.pick(corpus);
    if (rng.chance(0.85)) m = mutate(rng, m, corpus);
    else m = m.slice();
    if (rng.chance(0.25)) m = mutate(rng, m, corpus);
    restamp(rng, m, nextSeq);
    streams[i]!.push(m);
    // Hand the connection's pending bytes over in one chunk, or in two split anywhere, now and then.
    if (rng.chance(0.5)) {
      const parts = streams[i]!;
      streams[i] = [];
      let total = 0;
      for (const p of parts) total += p.length;
      const all = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      const cuts = rng.chance(0.3) && total > 1 ? [all.subarray(0, rng.int(1, total - 1))] : [all];
      if (cuts[0]!.length < total) cuts.push(all.subarray(cuts[0]!.length));
      for (const chunk of cuts) {
        if (c.closed) break;
        chunks++;
        try {
          c.handlers!.data(chunk);
        } catch (e) {
          thrown++;
          if (failures.length < 10) failures.push(`relay data handler threw: ${(e as Error).stack}`);
        }
      }
    }
    if (!c.closed) {
      if (c.stalled && c.pendingBytes > 0 && rng.chance(0.001)) {
        // A stalled peer catches up now and then.
        c.pendingBytes = 0;
        c.handlers!.drain?.();
      } else if (rng.chance(0.0005)) {
        peerCloses++;
        c.peerClose();
      }
    }
    if ((n & 31) === 0) {
      honestSent++;
      hb.begin(RelayDomain.MarketData, HONEST_SOURCE).addTrade(asset, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, 100_000n, 0n);
      pub.publishFrom(hb.bytes, 0, hb.finishLength());
    }
    if ((n & 0x3fff) === 0) {
      const r = rssMiB();
      if (r > rss.peak) rss.peak = r;
      if (n > 0 && (n & 0xfffff) === 0) {
        // With --expose-gc (node) / --v8-flags=--expose-gc (deno): what the relay really keeps, not garbage.
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc !== undefined) {
          gc();
          const u = process.memoryUsage();
          liveAfterGc.push({ inputs: n, heapUsedMiB: Math.round(u.heapUsed / 104857.6) / 10, arrayBuffersMiB: Math.round(u.arrayBuffers / 104857.6) / 10 });
        }
        options.progress?.(`fuzz-relay: ${n.toLocaleString("en-US")} inputs, rss ${r} MiB, honest ${honestDelivered}/${honestSent}${gc ? `, live after GC ${JSON.stringify(liveAfterGc.at(-1))}` : ""}`);
      }
    }
    // Let the sockets, timers and the honest clients run.
    if ((n & 2047) === 2047) {
      await yieldMacrotask();
      for (let k = 0; k < quiet.length; k++) {
        if (!quiet[k]!.closed) continue;
        retire(quiet[k]!);
        openQuiet(k);
      }
    }
  }
  await pub.flush();
  const deadline = performance.now() + 10_000;
  while (honestDelivered < honestSent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - t0) / 1000;
  rss.last = rssMiB();
  if (rss.last > rss.peak) rss.peak = rss.last;
  for (const c of [...conns, ...quiet]) {
    retire(c);
    c.peerClose();
  }
  const snap = relay.metrics.snapshot();
  const honest = {
    sent: honestSent, delivered: honestDelivered, outOfOrder,
    publisherReconnects: pub.stats.reconnects, subscriberReconnects: sub.stats.reconnects, ok: false,
  };
  honest.ok = honest.sent === honest.delivered && outOfOrder === 0 && honest.publisherReconnects === 0 && honest.subscriberReconnects === 0;
  if (!honest.ok) failures.push(`honest clients affected: ${JSON.stringify(honest)}`);
  await pub.close();
  await sub.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    count: options.count, seed: options.seed, seconds: Math.round(seconds * 10) / 10, inputsPerSecond: Math.round(options.count / seconds),
    chunks, connectionsOpened: opened, quietOpened, peerCloses, outputMessages: retiredOutput, invalidOutput: retiredInvalid, thrown, honest,
    relay: {
      messagesIn: snap.messagesIn, messagesOut: snap.messagesOut, gapsSent: snap.gapsSent, retransmitRequests: snap.retransmitRequests,
      drops: snap.drops, errors: Object.fromEntries(Object.entries(snap.errors).filter(([, v]) => v > 0)), disconnects: snap.disconnects,
    },
    rssMiB: rss, liveAfterGc, failures, ok: thrown === 0 && retiredInvalid === 0 && honest.ok,
  };
}

function parseArgs(argv: readonly string[]): { count: number; seed: number; connections: number; json: boolean } {
  const opts = { count: 10_000_000, seed: 1, connections: 8, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === "--count") opts.count = int();
    else if (a === "--seed") opts.seed = int();
    else if (a === "--connections") opts.connections = Math.max(1, int());
    else if (a === "--json") opts.json = true;
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  return opts;
}

function usage(why: string): never {
  process.stderr.write(`fuzz-relay: ${why}\nusage: npx tsx bench/fuzz-relay.ts [--count N] [--seed S] [--connections C] [--json]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const r = await runRelayFuzz({ count: opts.count, seed: opts.seed, connections: opts.connections, progress: (l) => process.stderr.write(l + "\n") });
  if (opts.json) {
    process.stdout.write(JSON.stringify(r) + "\n");
  } else {
    const out = (s: string): boolean => process.stdout.write(s + "\n");
    out(`fuzz-relay: ${r.count.toLocaleString("en-US")} inputs (seed ${r.seed}) in ${r.seconds} s (${r.inputsPerSecond.toLocaleString("en-US")}/s), ${r.chunks.toLocaleString("en-US")} chunks, ${r.connectionsOpened} connections (${r.peerCloses} closed by the fuzzer), ${r.quietOpened} quiet subscribers`);
    out(`  relay: in ${r.relay.messagesIn}, out ${r.relay.messagesOut}, gaps sent ${r.relay.gapsSent}, retransmit requests ${r.relay.retransmitRequests}`);
    out(`  drops ${JSON.stringify(r.relay.drops)}`);
    out(`  errors ${JSON.stringify(r.relay.errors)}`);
    out(`  disconnects ${JSON.stringify(r.relay.disconnects)}`);
    out(`  relay output to fuzzed subscribers: ${r.outputMessages} messages, ${r.invalidOutput} invalid; thrown ${r.thrown}`);
    out(`  honest clients: ${JSON.stringify(r.honest)}`);
    out(`  rss MiB: first ${r.rssMiB.first}, peak ${r.rssMiB.peak}, last ${r.rssMiB.last}`);
    if (r.liveAfterGc.length > 0) out(`  live after GC (MiB): ${r.liveAfterGc.map((x) => `${x.inputs}: heap ${x.heapUsedMiB} / arrayBuffers ${x.arrayBuffersMiB}`).join(", ")}`);
    for (const f of r.failures) out(`  FAIL ${f}`);
    out(r.ok ? "fuzz-relay: OK" : "fuzz-relay: FAILED");
  }
  process.exit(r.ok ? 0 : 1);
}

const argv1 = process.argv[1] ?? "";
if (argv1.endsWith("fuzz-relay.ts")) await main();

/**
 * Relay client: connects with Hello (and Subscribe), publishes with writes coalesced per tick, delivers
 * received messages zero-copy (a callback for hot paths, or an async iterator), recovers gaps, and
 * survives relay restarts.
 *
 * Importable on its own: it depends on `protocol/`, `relay/transport/` and four leaf modules of this
 * folder (control messages, the message check, the sink interface, the logger), never on the relay server.
 *
 * Publishing: {@link RelayClient.publish} copies the message into the current batch at once (the
 * caller may reuse its buffer) and one write per tick sends the batch. While the relay is away, or its
 * socket is backed up, batches wait in a bounded buffer (`outBufferBytes`); past it the oldest messages
 * are dropped and counted. Recently written batches (`resendBytes`) are written again after a reconnect,
 * because a relay that died may not have processed them; relays and subscribers drop the duplicates by
 * sequence.
 *
 * Receiving: per source the client expects the next sequence. A duplicate or older message is dropped
 * and counted. A jump sends a RetransmitRequest for the missing range by itself and holds the later
 * messages of that source back, so delivery stays in sequence order; the retransmitted messages (or a Gap
 * notice for what the relay no longer holds, or a timeout) release them. Gap notices are delivered
 * to the consumer too. Gap detection is on when there is no type filter (a filter makes sequences jump
 * legitimately).
 *
 * Reconnects with exponential backoff and jitter, forever, until {@link RelayClient.close}.
 *
 * @example
 * ```ts
 * const client = await RelayClient.connect({ endpoint: { kind: "unix", path }, domain: 1, serviceId: 3, role: Role.Both });
 * client.publish(builder.finish());
 * for await (const msg of client.subscribe()) console.log(new MessageView().wrap(msg).sequence);
 * ```
 * @module
 */

import { GapReason, HEADER_SIZE, HeaderOffset, StreamFramer, TlvType, validateMessage, viewsOf } from "../protocol/mod.ts";
import { QuickCheck, quickCheck } from "./check.ts";
import { canSubscribe, encodeHello, encodeRetransmitRequest, encodeSubscribe, firstTlvType, Role } from "./control.ts";
import { createLogger, type Logger } from "./log.ts";
import type { MessageSink } from "./sink.ts";
import { selectTransport } from "./transport/select.ts";
import { formatEndpoint, type Connection, type Endpoint, type Transport } from "./transport/types.ts";

/** Receives one message `bytes[offset, offset+length)`; the bytes may be kept (never reused). */
export type ClientMessageHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/** Settings of a {@link RelayClient}. */
export interface RelayClientOptions {
  /** Where the relay listens. */
  endpoint: Endpoint;
  /** The relay's domain (used on control messages). */
  domain: number;
  /** This service's id (Hello serviceId and the source of control messages). */
  serviceId: number;
  /** Hello role (default {@link Role.Publisher}). */
  role?: number;
  /** Hello token (required on TCP listeners). */
  token?: string;
  /** TLV types to receive (empty or absent: every type of the domain). */
  types?: readonly number[];
  /** Bytes of unsent messages kept while the relay is away or backed up (default 8 MiB). */
  outBufferBytes?: number;
  /** Bytes of recently written messages re-sent after a reconnect (default 4 MiB). */
  resendBytes?: number;
  /** Socket bytes pending above which new batches wait in the client's buffer (default 1 MiB). */
  highWaterBytes?: number;
  /** Reconnect backoff (default 50 ms doubling up to 5 s, with jitter). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Keep retrying the first connection instead of failing (default false). */
  waitForRelay?: boolean;
  /** Detect per-source gaps and request retransmission (default: on without a type filter). */
  gapRecovery?: boolean;
  /** Milliseconds to wait for a requested range before giving it up (default 2000). */
  gapTimeoutMs?: number;
  /** Bytes of later messages held back per source while a gap is filled (default 4 MiB). */
  holdBytes?: number;
  /** Bytes queued for the async iterator before reading pauses (default 16 MiB). */
  inboxBytes?: number;
  /** Verify checksums of received messages (default false: the relay verified them). */
  verifyChecksum?: boolean;
  /** Transport (default: this runtime's). */
  transport?: Transport;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
}

/** Counters of a {@link RelayClient}. */
export interface RelayClientStats {
  /** Messages given to {@link RelayClient.publish}. */
  published: number;
  /** Published messages dropped because the outgoing buffer was full. */
  droppedOutgoing: number;
  /** Messages delivered to the consumer. */
  delivered: number;
  /** Received messages dropped as duplicates (sequence not above the last delivered). */
  duplicates: number;
  /** Received messages dropped as invalid. */
  invalid: number;
  /** Gaps detected in a source's sequence. */
  gapsDetected: number;
  /** RetransmitRequests sent. */
  retransmitRequests: number;
  /** Sequences given up as lost (Gap notices, timeouts, hold overflow). */
  lost: number;
  /** Successful reconnects after a loss of the connection. */
  reconnects: number;
}

const BATCH_SIZE = 256 * 1024;
const FLUSH_AT = 64 * 1024;
const TWO32 = 4_294_967_296;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Messages of one source held back while a gap before them is being filled. */
interface HeldSource {
  msgs: Uint8Array[];
  seqs: bigint[];
  bytes: number;
  /** Missing range requested, inclusive. */
  from: bigint;
  to: bigint;
  timer: ReturnType<typeof setTimeout>;
}

/** Number of whole messages in chunks of back-to-back messages. */
function countMessages(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) {
    const { dv } = viewsOf(c);
    for (let p = c.byteOffset, end = c.byteOffset + c.length; p < end; n++) p += HEADER_SIZE + dv.getUint32(p + HeaderOffset.payloadSize, true);
  }
  return n;
}

function readSeq(dv: DataView, base: number): bigint {
  return dv.getBigUint64(base + HeaderOffset.sequence, true);
}

/** A connection to one relay that reconnects by itself. Implements {@link MessageSink}. */
export class RelayClient implements MessageSink {
  /** Counters. */
  readonly stats: RelayClientStats = {
    published: 0, droppedOutgoing: 0, delivered: 0, duplicates: 0, invalid: 0, gapsDetected: 0, retransmitRequests: 0, lost: 0, reconnects: 0,
  };
  private readonly opts: RelayClientOptions;
  private readonly log: Logger;
  private readonly role: number;
  private readonly outLimit: number;
  private readonly resendLimit: number;
  private readonly highWater: number;
  private readonly gapRecovery: boolean;
  private transport: Transport | undefined;
  private conn: Connection | undefined;
  private ready = false;
  private closing = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly framer = new StreamFramer();
  // Outgoing
  private batch = new Uint8Array(BATCH_SIZE);
  private batchDv = new DataView(this.batch.buffer);
  private batchStart = 0;
  private batchPos = 0;
  private flushQueued = false;
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    this.flushBatch();
  };
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private resend: Uint8Array[] = [];
  // The last array published from / received, with its whole-buffer views and byte offset.
  private pubBytes: Uint8Array | undefined;
  private pubU8: Uint8Array = new Uint8Array(0);
  private pubDv: DataView = new DataView(new ArrayBuffer(0));
  private pubBase = 0;
  private rxBytes: Uint8Array | undefined;
  private rxU8: Uint8Array = new Uint8Array(0);
  private rxDv: DataView = new DataView(new ArrayBuffer(0));
  private rxBase = 0;
  private resendTotal = 0;
  private drainWaiters: (() => void)[] = [];
  // Incoming
  private handler: ClientMessageHandler | undefined;
  private readonly expHi = new Uint32Array(65536);
  private readonly expLo = new Uint32Array(65536);
  private readonly known = new Uint8Array(65536);
  private readonly knownSources: number[] = [];
  // Timestamp of the last message seen per source (two u32 words), to tell a restart from a re-send.
  private readonly tsHi = new Uint32Array(65536);
  private readonly tsLo = new Uint32Array(65536);
  private readonly held = new Map<number, HeldSource>();
  private inbox: Uint8Array[] = [];
  private inboxHead = 0;
  private inboxBytes = 0;
  private inboxPaused = false;
  private inboxWaiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private iterating = false;
  private ended = false;
  private readonly onFrame = (bytes: Uint8Array, offset: number, length: number): void => this.receive(bytes, offset, length);

  private constructor(options: RelayClientOptions) {
    this.opts = options;
    this.log = options.logger ?? createLogger(`relay-client.${options.serviceId}`);
    this.role = options.role ?? Role.Publisher;
    this.outLimit = options.outBufferBytes ?? 8 * 1024 * 1024;
    this.resendLimit = options.resendBytes ?? 4 * 1024 * 1024;
    this.highWater = options.highWaterBytes ?? 1024 * 1024;
    this.gapRecovery = options.gapRecovery ?? (options.types === undefined || options.types.length === 0);
  }

  /**
   * Connects to the relay (Hello, then Subscribe when types are given). Rejects when the first attempt
   * fails unless `waitForRelay` is set; after that the client reconnects by itself.
   */
  static async connect(options: RelayClientOptions): Promise<RelayClient> {
    const c = new RelayClient(options);
    c.transport = options.transport ?? (await selectTransport());
    if (options.waitForRelay) {
      await new Promise<void>((resolve) => {
        c.onFirstReady = resolve;
        void c.dial();
      });
    } else {
      const conn = await c.transport.connect(options.endpoint);
      c.adopt(conn);
    }
    return c;
  }

  private onFirstReady: (() => void) | undefined;

  /** True while connected and greeted. */
  get connected(): boolean {
    return this.ready;
  }

  /** Bytes waiting to be written (the current batch, the buffer, and the socket's own queue). */
  get queuedBytes(): number {
    return this.batchPos - this.batchStart + this.pendingBytes + (this.ready ? this.conn!.pendingBytes : 0);
  }

  // ---------------------------------------------------------------- publishing

  /** Queues one whole message (copied now; the caller may reuse `bytes`). Never blocks. */
  publish(bytes: Uint8Array): void {
    this.publishFrom(bytes, 0, bytes.length);
  }

  /** Queues the message `bytes[offset, offset+length)` (copied now). */
  publishFrom(bytes: Uint8Array, offset: number, length: number): void {
    if (this.closing) return;
    let pos = this.batchPos;
    if (pos + length > this.batch.length) {
      this.flushBatch();
      this.batch = new Uint8Array(Math.max(BATCH_SIZE, length));
      this.batchDv = new DataView(this.batch.buffer);
      this.batchStart = 0;
      pos = 0;
    }
    const b = this.batch;
    if (length <= 256) {
      // Small messages: 32-bit words through DataViews beat both a byte loop and set(subarray()).
      // The source array is usually the same builder buffer every time: its views and byte offset are
      // looked up once (the getters are calls Node 20's V8 does not inline).
      if (bytes !== this.pubBytes) {
        const v = viewsOf(bytes);
        this.pubBytes = bytes;
        this.pubU8 = v.u8;
        this.pubDv = v.dv;
        this.pubBase = bytes.byteOffset;
      }
      const u8 = this.pubU8;
      const dv = this.pubDv;
      const src = this.pubBase + offset;
      const out = this.batchDv;
      let i = 0;
      for (; i + 4 <= length; i += 4) out.setUint32(pos + i, dv.getUint32(src + i, true), true);
      for (; i < length; i++) b[pos + i] = u8[src + i]!;
    } else {
      b.set(bytes.subarray(offset, offset + length), pos);
    }
    this.batchPos = pos + length;
    this.stats.published++;
    if (this.batchPos - this.batchStart >= FLUSH_AT) {
      this.flushBatch();
    } else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** Hands the current batch to the socket now (normally done once per tick by itself). */
  flushBatch(): void {
    if (this.batchPos === this.batchStart) return;
    const chunk = this.batch.subarray(this.batchStart, this.batchPos);
    this.batchStart = this.batchPos;
    if (this.ready && this.pending.length === 0 && this.conn!.pendingBytes < this.highWater) {
      this.writeData(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.outLimit) this.dropOldestPending();
  }

  private writeData(chunk: Uint8Array): void {
    this.conn!.write([chunk]);
    this.resend.push(chunk);
    this.resendTotal += chunk.length;
    while (this.resend.length > 1 && this.resendTotal - this.resend[0]!.length >= this.resendLimit) {
      this.resendTotal -= this.resend.shift()!.length;
    }
  }

  private dropOldestPending(): void {
    let dropped = 0;
    while (this.pendingBytes > this.outLimit && this.pending.length > 0) {
      const head = this.pending[0]!;
      const { dv } = viewsOf(head);
      const len = HEADER_SIZE + dv.getUint32(head.byteOffset + HeaderOffset.payloadSize, true);
      dropped++;
      this.pendingBytes -= len;
      if (len >= head.length) this.pending.shift();
      else this.pending[0] = head.subarray(len);
    }
    if (dropped > 0) {
      if (this.stats.droppedOutgoing === 0) this.log.warn("outgoing buffer full, dropping oldest messages", { limitBytes: this.outLimit });
      this.stats.droppedOutgoing += dropped;
    }
  }

  private pumpPending(): void {
    if (!this.ready) return;
    const conn = this.conn!;
    while (this.pending.length > 0 && conn.pendingBytes < this.highWater) {
      const c = this.pending.shift()!;
      this.pendingBytes -= c.length;
      this.writeData(c);
    }
    if (this.pending.length === 0 && conn.pendingBytes === 0 && this.batchPos === this.batchStart) {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves once everything published so far has been handed to the kernel (waits for a reconnect if needed). */
  flush(): Promise<void> {
    this.flushBatch();
    if (this.ready && this.pending.length === 0 && this.conn!.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.pumpPending();
    });
  }

  /** Sends a RetransmitRequest for `source`'s `from..to` (done by itself on gaps). */
  requestRetransmit(source: number, from: bigint, to: bigint): void {
    if (!this.ready) return;
    this.stats.retransmitRequests++;
    this.conn!.write([encodeRetransmitRequest(this.opts.domain, this.opts.serviceId, source, from, to)]);
  }

  /**
   * Asks the relay for `source`'s messages from sequence `next` on (e.g. after a restart, from a
   * persisted position) and delivers them in order before anything newer of that source. What the relay
   * no longer holds arrives as a Gap notice.
   */
  resumeFrom(source: number, next: bigint): void {
    if (next < 1n) throw new RangeError(`resumeFrom: sequence ${next} must be ≥ 1`);
    const before = this.held.get(source);
    if (before !== undefined && this.expected(source) === next) {
      // Already waiting for this source: widen the wait to everything from `next` and ask again.
      before.to = U64_MAX;
      this.requestRetransmit(source, next, U64_MAX);
      return;
    }
    this.dropHeld(source, false);
    if (this.known[source] === 0) {
      this.known[source] = 1;
      this.knownSources.push(source);
    }
    this.setExpectedBig(source, next);
    const h: HeldSource = {
      msgs: [], seqs: [], bytes: 0, from: next, to: U64_MAX,
      timer: setTimeout(() => this.giveUp(source, "timeout"), this.opts.gapTimeoutMs ?? 2000),
    };
    (h.timer as { unref?: () => void }).unref?.();
    this.held.set(source, h);
    this.requestRetransmit(source, next, U64_MAX);
  }

  // ---------------------------------------------------------------- receiving

  /** Delivers every message to `handler` (zero-copy; bytes may be kept). Replaces the async iterator. */
  onMessage(handler: ClientMessageHandler): void {
    this.handler = handler;
  }

  /** Received messages as an async iterator of zero-copy byte arrays, one whole message each. */
  subscribe(): AsyncIterableIterator<Uint8Array> {
    if (this.iterating) throw new Error("subscribe(): this client already has an iterator");
    this.iterating = true;
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next(): Promise<IteratorResult<Uint8Array>> {
        if (self.inboxHead < self.inbox.length) return Promise.resolve({ value: self.takeInbox(), done: false });
        if (self.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          self.inboxWaiter = resolve;
        });
      },
      return(): Promise<IteratorResult<Uint8Array>> {
        self.iterating = false;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private takeInbox(): Uint8Array {
    const m = this.inbox[this.inboxHead]!;
    this.inbox[this.inboxHead++] = undefined as unknown as Uint8Array;
    this.inboxBytes -= m.length;
    if (this.inboxHead === this.inbox.length) {
      this.inbox = [];
      this.inboxHead = 0;
    }
    if (this.inboxPaused && this.inboxBytes < (this.opts.inboxBytes ?? 16 * 1024 * 1024) / 2) {
      this.inboxPaused = false;
      this.conn?.resume();
    }
    return m;
  }

  private deliver(bytes: Uint8Array, offset: number, length: number): void {
    this.stats.delivered++;
    const h = this.handler;
    if (h !== undefined) {
      h(bytes, offset, length);
      return;
    }
    const msg = bytes.subarray(offset, offset + length);
    const w = this.inboxWaiter;
    if (w !== undefined) {
      this.inboxWaiter = undefined;
      w({ value: msg, done: false });
      return;
    }
    this.inbox.push(msg);
    this.inboxBytes += length;
    if (!this.inboxPaused && this.inboxBytes > (this.opts.inboxBytes ?? 16 * 1024 * 1024)) {
      this.inboxPaused = true;
      this.conn?.pause();
    }
  }

  private receive(bytes: Uint8Array, offset: number, length: number): void {
    // Many messages per received chunk: views and byte offset once per chunk.
    if (bytes !== this.rxBytes) {
      const v = viewsOf(bytes);
      this.rxBytes = bytes;
      this.rxU8 = v.u8;
      this.rxDv = v.dv;
      this.rxBase = bytes.byteOffset;
    }
    const u8 = this.rxU8;
    const dv = this.rxDv;
    const base = this.rxBase + offset;
    const verify = this.opts.verifyChecksum ?? false;
    if (quickCheck(u8, dv, base, length, verify) !== QuickCheck.ok && validateMessage(bytes, offset, length, { verifyChecksum: verify }) !== undefined) {
      this.stats.invalid++;
      return;
    }
    if (!this.gapRecovery) {
      this.deliver(bytes, offset, length);
      return;
    }
    if (firstTlvType(bytes, offset) === TlvType.Gap) {
      // The notice first: it stands in the stream before the messages it releases.
      this.deliver(bytes, offset, length);
      this.onGapNotice(dv, base + HEADER_SIZE + 2);
      return;
    }
    const source = dv.getUint16(base + HeaderOffset.source, true);
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    if (this.known[source] === 0) {
      this.known[source] = 1;
      this.knownSources.push(source);
      this.noteTimestamp(source, dv, base);
      this.setExpected(source, hi, lo + 1);
      this.deliver(bytes, offset, length);
      return;
    }
    const eh = this.expHi[source]!;
    const el = this.expLo[source]!;
    if (hi === eh && lo === el) {
      this.noteTimestamp(source, dv, base);
      this.setExpected(source, hi, lo + 1);
      this.deliver(bytes, offset, length);
      if (this.held.size > 0 && this.held.has(source)) this.releaseHeld(source);
      return;
    }
    if (hi < eh || (hi === eh && lo < el)) {
      // Sequence 1 stamped later than the last delivered message: the source restarted (a new process);
      // follow it. A re-sent old message (after a reconnect) carries its old timestamp: a duplicate.
      const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
      const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
      const th = this.tsHi[source]!;
      if (hi === 0 && lo === 1 && (tsHi > th || (tsHi === th && tsLo > this.tsLo[source]!))) {
        this.log.warn("source restarted its sequence", { source });
        this.dropHeld(source, false);
        this.tsHi[source] = tsHi;
        this.tsLo[source] = tsLo;
        this.setExpected(source, 0, 2);
        this.deliver(bytes, offset, length);
        return;
      }
      this.stats.duplicates++;
      return;
    }
    this.holdBack(source, bytes.subarray(offset, offset + length), readSeq(dv, base));
  }

  private noteTimestamp(source: number, dv: DataView, base: number): void {
    const hi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
    const lo = dv.getUint32(base + HeaderOffset.timestamp, true);
    if (hi > this.tsHi[source]! || (hi === this.tsHi[source] && lo > this.tsLo[source]!)) {
      this.tsHi[source] = hi;
      this.tsLo[source] = lo;
    }
  }

  private setExpected(source: number, hi: number, lo: number): void {
    if (lo >= TWO32) {
      lo -= TWO32;
      hi++;
    }
    this.expHi[source] = hi;
    this.expLo[source] = lo;
  }

  private expected(source: number): bigint {
    return (BigInt(this.expHi[source]!) << 32n) | BigInt(this.expLo[source]!);
  }

  private holdBack(source: number, msg: Uint8Array, seq: bigint): void {
    let h = this.held.get(source);
    if (h === undefined) {
      const from = this.expected(source);
      this.stats.gapsDetected++;
      h = {
        msgs: [], seqs: [], bytes: 0, from, to: seq - 1n,
        timer: setTimeout(() => this.giveUp(source, "timeout"), this.opts.gapTimeoutMs ?? 2000),
      };
      (h.timer as { unref?: () => void }).unref?.();
      this.held.set(source, h);
      this.requestRetransmit(source, from, seq - 1n);
    }
    // Insert in sequence order (almost always at the end); drop a duplicate of a held one.
    let i = h.seqs.length;
    while (i > 0 && h.seqs[i - 1]! > seq) i--;
    if (i > 0 && h.seqs[i - 1] === seq) {
      this.stats.duplicates++;
      return;
    }
    h.msgs.splice(i, 0, msg);
    h.seqs.splice(i, 0, seq);
    h.bytes += msg.length;
    if (h.bytes > (this.opts.holdBytes ?? 4 * 1024 * 1024)) this.giveUp(source, "hold buffer full");
  }

  /** Delivers held messages that are now next in sequence. */
  private releaseHeld(source: number): void {
    const h = this.held.get(source)!;
    let exp = this.expected(source);
    let i = 0;
    while (i < h.seqs.length && h.seqs[i]! <= exp) {
      if (h.seqs[i] === exp) {
        const m = h.msgs[i]!;
        this.noteTimestamp(source, viewsOf(m).dv, m.byteOffset);
        this.deliver(m, 0, m.length);
        exp++;
      } else {
        this.stats.duplicates++;
      }
      i++;
    }
    h.msgs.splice(0, i);
    h.seqs.splice(0, i);
    h.bytes = h.msgs.reduce((a, m) => a + m.length, 0);
    this.setExpectedBig(source, exp);
    if (h.msgs.length === 0) {
      // Done once the requested range is filled; until then later arrivals wait here (no new request).
      if (exp > h.to) {
        clearTimeout(h.timer);
        this.held.delete(source);
      }
    } else if (exp > h.to) {
      // Another hole after the first one: ask for it.
      clearTimeout(h.timer);
      this.held.delete(source);
      const rest = h.msgs;
      const seqs = h.seqs;
      for (let k = 0; k < rest.length; k++) this.holdBackOrDeliver(source, rest[k]!, seqs[k]!);
    }
  }

  private holdBackOrDeliver(source: number, msg: Uint8Array, seq: bigint): void {
    const exp = this.expected(source);
    if (seq === exp && !this.held.has(source)) {
      this.deliver(msg, 0, msg.length);
      this.setExpectedBig(source, exp + 1n);
    } else if (seq < exp) {
      this.stats.duplicates++;
    } else {
      this.holdBack(source, msg, seq);
    }
  }

  private setExpectedBig(source: number, v: bigint): void {
    this.expHi[source] = Number(v >> 32n);
    this.expLo[source] = Number(v & 0xffffffffn);
  }

  /** A Gap notice: the relay will not deliver `from..to` of a source. */
  private onGapNotice(dv: DataView, v: number): void {
    const source = dv.getUint16(v, true);
    const from = dv.getBigUint64(v + 8, true);
    const to = dv.getBigUint64(v + 16, true);
    const reason = dv.getUint8(v + 2);
    if (this.known[source] === 0) return;
    const exp = this.expected(source);
    if (to < exp) return;
    const start = from > exp ? from : exp;
    this.stats.lost += Number(to - start + 1n);
    this.log.warn("relay reports a gap", { source, from, to, reason: reason === GapReason.SlowConsumer ? "slowConsumer" : "evicted" });
    if (from <= exp) {
      this.setExpectedBig(source, to + 1n);
      if (this.held.has(source)) this.releaseHeld(source);
    }
  }

  private giveUp(source: number, why: string): void {
    const h = this.held.get(source);
    if (h === undefined) return;
    if (h.seqs.length === 0) {
      this.held.delete(source);
      return;
    }
    const exp = this.expected(source);
    const next = h.seqs[0]!;
    this.stats.lost += Number(next - exp);
    this.log.warn("giving up on a gap", { source, from: exp, to: next - 1n, why });
    this.setExpectedBig(source, next);
    this.releaseHeld(source);
  }

  private dropHeld(source: number, count: boolean): void {
    const h = this.held.get(source);
    if (h === undefined) return;
    clearTimeout(h.timer);
    if (count) this.stats.lost += h.msgs.length;
    this.held.delete(source);
  }

  // ---------------------------------------------------------------- connection

  private async dial(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    let conn: Connection;
    try {
      conn = await this.transport!.connect(this.opts.endpoint);
    } catch (e) {
      this.scheduleReconnect(e instanceof Error ? e.message : String(e));
      return;
    }
    if (this.closing) {
      conn.close(true);
      return;
    }
    if (this.wasReady) this.stats.reconnects++;
    this.adopt(conn);
  }

  private wasReady = false;
  private readySince = 0;
  private gotData = false;
  private closeWaiter: (() => void) | undefined;

  private adopt(conn: Connection): void {
    this.conn = conn;
    this.framer.reset();
    conn.setHandlers({
      data: (chunk) => {
        this.gotData = true;
        try {
          this.framer.push(chunk, this.onFrame);
        } catch (e) {
          this.log.error("bad stream from relay, reconnecting", { error: e });
          conn.close(true);
        }
      },
      drain: () => this.pumpPending(),
      close: (error) => this.onConnClosed(conn, error),
    });
    const hello = [encodeHello(this.opts.domain, this.opts.serviceId, this.role, this.opts.token ?? "")];
    const types = this.opts.types ?? [];
    if (canSubscribe(this.role) && types.length > 0) hello.push(encodeSubscribe(this.opts.domain, this.opts.serviceId, types));
    conn.write(hello);
    this.ready = true;
    this.readySince = performance.now();
    this.gotData = false;
    this.attempt = 0;
    const reconnected = this.wasReady;
    if (reconnected) this.log.info("reconnected to relay", { endpoint: formatEndpoint(this.opts.endpoint) });
    this.wasReady = true;
    if (this.inboxPaused) conn.pause();
    // What was written before the loss may not have been processed: write it again, then the backlog.
    const again = this.resend;
    this.resend = [];
    this.resendTotal = 0;
    for (const c of again) this.writeData(c);
    this.pumpPending();
    this.flushBatch();
    // Messages may have passed while this subscriber was away: ask for each known source's rest.
    if (reconnected && this.gapRecovery && canSubscribe(this.role)) {
      for (const source of this.knownSources) this.resumeFrom(source, this.expected(source));
    }
    const f = this.onFirstReady;
    this.onFirstReady = undefined;
    f?.();
  }

  private onConnClosed(conn: Connection, error?: Error): void {
    if (conn !== this.conn) return;
    this.ready = false;
    this.conn = undefined;
    if (this.closing) {
      this.finishIterator();
      const w = this.closeWaiter;
      this.closeWaiter = undefined;
      w?.();
      return;
    }
    const refused = !this.gotData && performance.now() - this.readySince < 1000;
    this.log.warn(refused ? "relay closed the connection right after Hello (wrong token or role?)" : "relay connection lost", {
      endpoint: formatEndpoint(this.opts.endpoint), ...(error ? { error: error.message } : {}),
    });
    this.scheduleReconnect();
  }

  private scheduleReconnect(reason?: string): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    const initial = this.opts.reconnect?.initialMs ?? 50;
    const max = this.opts.reconnect?.maxMs ?? 5000;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt, 30));
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt++;
    if (this.attempt === 1 || this.attempt % 20 === 0) {
      this.log.info("relay unreachable, retrying", { endpoint: formatEndpoint(this.opts.endpoint), attempt: this.attempt, delayMs: Math.round(delay), ...(reason ? { reason } : {}) });
    }
    this.reconnectTimer = setTimeout(() => void this.dial(), delay);
  }

  private finishIterator(): void {
    this.ended = true;
    const w = this.inboxWaiter;
    this.inboxWaiter = undefined;
    w?.({ value: undefined, done: true });
  }

  /**
   * Flushes (waiting at most `timeoutMs`, default 2000) and closes. Messages still unsent after the
   * timeout are counted as dropped. The async iterator ends.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closing) return;
    if (this.ready) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closing = true;
    this.flushBatch();
    const unsent = countMessages(this.pending);
    if (unsent > 0) {
      this.stats.droppedOutgoing += unsent;
      this.log.warn("closing with unsent messages", { unsent });
    }
    this.pending = [];
    this.pendingBytes = 0;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    for (const source of [...this.held.keys()]) this.dropHeld(source, false);
    const conn = this.conn;
    if (conn && !conn.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.closeWaiter = () => {
          clearTimeout(t);
          resolve();
        };
        conn.close();
      });
    }
    this.ready = false;
    this.finishIterator();
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }
}

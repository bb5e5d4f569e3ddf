/**
 * The domain relay: accepts connections from any {@link Transport}, checks every message, tracks
 * sequences per source, and forwards the exact received bytes to the subscribers that want them.
 *
 * Per connection: the first message must carry Hello (role, service id, token — the token is checked
 * in constant time where the listener requires one). An optional Subscribe sets a TLV type filter;
 * RetransmitRequest is answered from the per-source ring ({@link SourceRing}) with the held messages,
 * then Gap (reason 1) for what is not held — or, when {@link Relay.retransmitFallback} is set (a NATS
 * bridge's JetStream), what the ring misses is looked up there first (relay/retransmit-source.ts).
 *
 * Per message: the framer checks the header (framing errors close only that connection); then
 * {@link validateMessage} checks checksum (unless disabled), TLV structure, sizes and that every type
 * belongs to the domain — a failing message is dropped and counted, the connection stays. A message
 * whose sequence is not above its source's last is dropped as a duplicate. Accepted messages are kept
 * in the source's ring and added, as slices of the read chunk, to every matching subscriber's
 * {@link Outbox} except the sender's own; after each chunk every touched outbox is flushed as one batch.
 *
 * Sources are bound to their publisher's connection while it is open (relay/source-owners.ts): another
 * connection's message of an owned source is dropped as `sourceOwned` (rate-limited warning), unless its
 * Hello service id is the owner's (a publisher back on a new connection takes over); Gap notices about
 * a source follow the same ownership. The rings live in a {@link RingStore}: bounded per source and,
 * across sources, by `ringBytesTotal` with each pinned chunk counted once (least recently written
 * sources evicted first).
 *
 * A publishing connection is told what became of its messages: every refusal (invalid, wrongDomain,
 * badControl, foreignSource, sourceOwned, duplicate, sequenceJump) and acceptance is counted on its
 * session, and at most every 100 ms while it sends, it gets a refusal notice — a StatusReport with its
 * accepted/refused totals and one Gap per refused run, reason 16+ (relay/refusal-notice.ts).
 *
 * When a subscriber's connection goes with messages still queued for it, their per-source ranges are
 * remembered under its service id (relay/discard-memory.ts). A connection of that service id whose
 * first RetransmitRequest comes within 0.5 s of its Hello is a client resuming its stream (the client asks
 * for its known sources' rest right after reconnecting): after that chunk it is also answered the
 * remembered ranges — from the rings, Gap reason 1 for what is gone — so a source it never saw and that
 * went silent is not lost without notice. A process starting fresh asks for nothing and gets nothing old.
 *
 * Nothing a client sends can throw out of the relay: every handler is guarded and a fault is confined
 * to the connection that caused it.
 *
 * @example
 * ```ts
 * const relay = new Relay({ domain: RelayDomain.MarketData });
 * listener = await transport.listen(endpoint, (conn) => relay.attach(conn, { requireToken: false }));
 * ```
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import {
  ChunkViews, EXTENDED_TLV_MARKER, GapReason, HEADER_SIZE, HeaderOffset, isProtocolError, nowNanos, type RelayDomain,
  TlvType, validateMessage, viewsOf,
} from "../../protocol/mod.ts";
import { QuickCheck, quickCheck } from "../wire/check.ts";
import { canPublish, canSubscribe, encodeGap, firstTlvType } from "../wire/control.ts";
import { DiscardedRanges, DiscardMemory } from "./discard-memory.ts";
import { mayRelayOthers, type RelayKey } from "../wire/identity.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { DisconnectReason, DropReason, RelayMetrics } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import {
  DEFAULT_CONNECTION_BUFFER_BYTES, DEFAULT_PARTIAL_BYTES_TOTAL, DEFAULT_PARTIAL_DEADLINE_MS, PartialLimits,
} from "./partial-limits.ts";
import { MAX_NOTICE_BACKLOG, NOTICE_INTERVAL_MS, PublisherReport, RefusalReason } from "../wire/refusal-notice.ts";
import { Refusals } from "./refusals.ts";
import { domainName } from "../wire/socket-paths.ts";
import type { RetransmitFallback } from "./retransmit-source.ts";
import { DEFAULT_RING_BYTES_TOTAL, RingStore } from "./ring-store.ts";
import { forEachInSequence } from "./source-ring.ts";
import { SourceOwners } from "./source-owners.ts";
import { Session, SessionState } from "./session.ts";
import type { Connection } from "../transport/types.ts";
import { matchesFilter } from "./type-filter.ts";

/** Settings of a {@link Relay}. */
export interface RelayOptions {
  /** The relay domain (1–4). */
  domain: RelayDomain;
  /** Verify every message's CRC-32 (default true). */
  verifyChecksum?: boolean;
  /** Bytes a subscriber's backlog may hold before its oldest messages are dropped (default 8 MiB). */
  subscriberQueueBytes?: number;
  /** Bytes a subscriber's socket may hold before messages wait in the backlog (default 256 KiB). */
  writeWindowBytes?: number;
  /** Milliseconds of sustained overflow after which a subscriber is disconnected (default 5000). */
  overflowDisconnectMs?: number;
  /** Bytes of recent messages kept per source for retransmission (default 4 MiB). */
  ringBytesPerSource?: number;
  /**
   * Bytes of received chunks all sources' rings together may keep alive, each chunk counted once
   * (default 256 MiB); past it the oldest messages of the least recently written sources are evicted.
   */
  ringBytesTotal?: number;
  /**
   * Milliseconds the sequence ranges discarded with a closed subscriber's queue are remembered for its
   * service id, to be answered when it says Hello again (default 60 000; 0 = not remembered).
   */
  discardMemoryMs?: number;
  /** Milliseconds a new connection has to send Hello (default 5000). */
  helloTimeoutMs?: number;
  /** The token connections must present where the listener requires one (relays without identities). */
  token?: string;
  /**
   * The run key: every Hello, on every listener, must carry a token proving its service id
   * (relay/identity.ts), and a proven service publishes only the sources its token proved (its own id;
   * the execution service its range 40–59) — relays, bridges and tools
   * (80–99) also others' not bound to their live owner. Absent: Hellos are not authenticated (the
   * shared `token` only where the listener requires one).
   */
  identityKey?: RelayKey;
  /**
   * How far a source's sequence may jump ahead of its last accepted one (default 1,000,000; 0 = no
   * limit). A jump past it is refused (`sequenceJump`) unless the source restarts at sequence 1.
   */
  sequenceJumpWindow?: number;
  /** Milliseconds a started message has to be completed before its connection is closed (default 5000; 0 = none). */
  partialDeadlineMs?: number;
  /** Bytes one connection's incomplete message may hold (default 1 MiB + 64 KiB). */
  connectionBufferBytes?: number;
  /** Bytes all connections' incomplete messages may hold together (default 32 MiB). */
  partialBytesTotal?: number;
  /** This relay's own source id, used on the Gap messages it sends (default 80 + domain − 1). */
  serviceId?: number;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
  /** Metrics to update (default: a new {@link RelayMetrics}). */
  metrics?: RelayMetrics;
}

/** Per-connection settings given by the listener that accepted it. */
export interface AttachOptions {
  /** The Hello must carry the relay's token (TCP/TLS listeners). */
  requireToken: boolean;
}

/** Default of {@link RelayOptions.sequenceJumpWindow}. */
export const DEFAULT_SEQUENCE_JUMP_WINDOW = 1_000_000;

/** Milliseconds after its Hello within which a connection's first RetransmitRequest marks it as resuming. */
const RESUME_WINDOW_MS = 500;

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A domain relay. */
export class Relay {
  /** The relay's domain. */
  readonly domain: RelayDomain;
  /** Live metrics. */
  readonly metrics: RelayMetrics;
  /** Where a RetransmitRequest's range the ring no longer holds is looked up (e.g. JetStream); consulted only then. */
  retransmitFallback: RetransmitFallback | undefined;
  private readonly log: Logger;
  private readonly verifyChecksum: boolean;
  private readonly queueBytes: number;
  private readonly windowBytes: number;
  private readonly overflowMs: number;
  private readonly helloTimeoutMs: number;
  private readonly tokenDigest: Buffer | undefined;
  private readonly identityKey: RelayKey | undefined;
  private readonly jumpWindow: number;
  private readonly partials: PartialLimits;
  /** Refused messages and Hellos: counted, logged rate-limited; `lastAt` for the service's alert. */
  readonly refusals: Refusals;
  private readonly serviceId: number;
  private readonly sessions = new Set<Session>();
  private subscribers: Session[] = [];
  private readonly dirty: Session[] = [];
  private nextId = 1;
  private gapSequence = 0n;
  /** Publishing connections whose refusal notice is due, and the timer that sends them. */
  private noticesDue: Session[] = [];
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  // Per source (u16): last accepted sequence and timestamp as two u32 words each, whether seen, ring.
  private readonly lastHi = new Uint32Array(65536);
  private readonly lastLo = new Uint32Array(65536);
  private readonly seen = new Uint8Array(65536);
  /** Per source, the open connection that publishes it. */
  private readonly owners = new SourceOwners<Session>();
  private readonly lastTsHi = new Uint32Array(65536);
  private readonly lastTsLo = new Uint32Array(65536);
  private readonly rings: RingStore;
  private readonly discards: DiscardMemory | undefined;
  private readonly sweepTimer: ReturnType<typeof setInterval>;
  private stopped = false;
  // Views, buffer and byte offset of the chunk being read (many messages per chunk).
  private readonly chunk = new ChunkViews();

  /** @param options domain and limits */
  constructor(options: RelayOptions) {
    this.domain = options.domain;
    this.metrics = options.metrics ?? new RelayMetrics(domainName(options.domain));
    this.log = options.logger ?? createLogger(`relay.${domainName(options.domain)}`);
    this.verifyChecksum = options.verifyChecksum ?? true;
    this.queueBytes = options.subscriberQueueBytes ?? 8 * 1024 * 1024;
    this.windowBytes = options.writeWindowBytes ?? 256 * 1024;
    this.overflowMs = options.overflowDisconnectMs ?? 5000;
    this.rings = new RingStore({
      bytesPerSource: options.ringBytesPerSource ?? 4 * 1024 * 1024,
      bytesTotal: options.ringBytesTotal ?? DEFAULT_RING_BYTES_TOTAL,
      metrics: this.metrics,
    });
    const memoryMs = options.discardMemoryMs ?? 60_000;
    this.discards = memoryMs > 0 ? new DiscardMemory({ ttlMs: memoryMs }) : undefined;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 5000;
    this.tokenDigest = options.token ? digest(options.token) : undefined;
    this.identityKey = options.identityKey;
    const window = options.sequenceJumpWindow ?? DEFAULT_SEQUENCE_JUMP_WINDOW;
    this.jumpWindow = window > 0 ? window : Infinity;
    this.partials = new PartialLimits({
      deadlineMs: options.partialDeadlineMs ?? DEFAULT_PARTIAL_DEADLINE_MS,
      perConnectionBytes: options.connectionBufferBytes ?? DEFAULT_CONNECTION_BUFFER_BYTES,
      totalBytes: options.partialBytesTotal ?? DEFAULT_PARTIAL_BYTES_TOTAL,
    });
    this.refusals = new Refusals(this.metrics, this.log);
    this.serviceId = options.serviceId ?? 80 + options.domain - 1;
    const deadline = this.partials.deadlineMs > 0 ? this.partials.deadlineMs : Infinity;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, this.overflowMs / 4, deadline / 4)));
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Takes over an accepted connection. Never throws. */
  attach(conn: Connection, options: AttachOptions): void {
    if (this.stopped) {
      conn.close(true);
      return;
    }
    const s = new Session(this.nextId++, conn, options.requireToken);
    s.onMessage = (bytes, offset, length) => this.onMessage(s, bytes, offset, length);
    this.sessions.add(s);
    this.metrics.connections++;
    s.helloTimer = setTimeout(() => {
      if (s.state === SessionState.AwaitHello) this.disconnect(s, DisconnectReason.noHello, "no Hello within the time limit");
    }, this.helloTimeoutMs);
    (s.helloTimer as { unref?: () => void }).unref?.();
    conn.setHandlers({
      data: (chunk) => this.onChunk(s, chunk),
      drain: () => s.outbox?.pump(),
      close: (error) => this.onClosed(s, error),
    });
    this.log.debug("connection opened", { conn: s.id, peer: conn.peer });
  }

  /** Closes every connection and stops timers. */
  close(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.noticeTimer);
    for (const s of [...this.sessions]) this.disconnect(s, DisconnectReason.shutdown, "relay shutting down", false);
  }

  private onChunk(s: Session, chunk: Uint8Array): void {
    if (s.state === SessionState.Closed) return;
    const t0 = performance.now();
    const m = this.metrics;
    m.bytesIn += chunk.length;
    const outBefore = m.messagesOut;
    const inBefore = m.messagesIn;
    try {
      s.framer.push(chunk, s.onMessage);
      const held = s.framer.held;
      if ((held !== 0 || s.held !== 0) && (s.state as SessionState) !== SessionState.Closed) this.checkPartial(s, held, m.messagesIn !== inBefore);
    } catch (e) {
      if (isProtocolError(e)) {
        m.error(e.kind);
        this.disconnect(s, DisconnectReason.framing, `framing error: ${e.message}`);
      } else {
        this.log.error("internal error while reading a connection", { conn: s.id, peer: s.conn.peer, error: e });
        this.disconnect(s, DisconnectReason.framing, "internal error");
      }
    }
    if (s.recall !== undefined) this.answerRecall(s);
    this.flushDirty();
    const forwarded = m.messagesOut - outBefore;
    if (forwarded > 0) m.recordForward((performance.now() - t0) * 1e6, forwarded);
  }

  /** Applies the partial-message bounds after a chunk of `s` (relay/partial-limits.ts). */
  private checkPartial(s: Session, held: number, completed: boolean): void {
    const limits = this.partials;
    if (limits.afterChunk(s, held, completed, performance.now())) {
      this.disconnect(s, DisconnectReason.bufferCap, `incomplete message of ${held} bytes is over the connection's cap of ${limits.perConnectionBytes}`);
    }
    while (limits.overBudget) {
      let oldest: Session | undefined;
      for (const x of this.sessions) if (x.partialSince !== 0 && (oldest === undefined || x.partialSince < oldest.partialSince)) oldest = x;
      if (oldest === undefined) break;
      this.disconnect(oldest, DisconnectReason.partialBudget, `incomplete messages of all connections hold ${limits.total} bytes, over the budget of ${limits.totalBytes}; this one is the oldest`);
    }
  }

  private flushDirty(): void {
    const d = this.dirty;
    for (let i = 0; i < d.length; i++) {
      const s = d[i]!;
      s.dirty = false;
      if (s.state === SessionState.Open) s.outbox!.flush();
    }
    d.length = 0;
  }

  private onMessage(s: Session, bytes: Uint8Array, offset: number, length: number): void {
    if (s.state === SessionState.Closed) return;
    const m = this.metrics;
    m.messagesIn++;
    // A chunk carries many messages: its buffer, views and byte offset are read once per chunk.
    const chunk = this.chunk.of(bytes);
    const u8 = chunk.u8;
    const dv = chunk.dv;
    const base = chunk.base + offset;
    if (quickCheck(u8, dv, base, length, this.verifyChecksum) !== QuickCheck.ok) {
      const err = validateMessage(bytes, offset, length, { verifyChecksum: this.verifyChecksum });
      if (err !== undefined) {
        m.error(err.kind);
        if (s.state === SessionState.AwaitHello) {
          this.disconnect(s, DisconnectReason.noHello, `first message is invalid: ${err.message}`);
          return;
        }
        const wrong = err.kind === "TypeNotInDomain";
        m.drop(wrong ? DropReason.wrongDomain : DropReason.invalid);
        this.noteRefusal(s, wrong ? RefusalReason.wrongDomain : RefusalReason.invalid, dv, base);
        this.log.debug("message dropped", { conn: s.id, reason: err.kind, detail: err.message });
        return;
      }
    }
    const first = length < HEADER_SIZE + 2 ? -1 : u8[base + HEADER_SIZE] === EXTENDED_TLV_MARKER ? firstTlvType(bytes, offset) : u8[base + HEADER_SIZE]!;
    if (s.state === SessionState.AwaitHello) {
      if (first !== TlvType.Hello) {
        this.disconnect(s, DisconnectReason.noHello, `first message must be Hello, got TLV type ${first}`);
        return;
      }
      this.control(s, bytes, offset, length);
      return;
    }
    if (first >= TlvType.Hello && first <= TlvType.RetransmitRequest) {
      this.control(s, bytes, offset, length);
      return;
    }
    if (u8[base + HeaderOffset.relayDomain] !== this.domain) {
      m.drop(DropReason.wrongDomain);
      this.noteRefusal(s, RefusalReason.wrongDomain, dv, base);
      return;
    }
    if (!canPublish(s.role)) {
      m.drop(DropReason.notPublisher);
      return;
    }
    // A Gap notice tells every subscriber to skip a range of a source: only the connection that
    // publishes that source may send one (e.g. a NATS bridge passing on an origin loss). Anyone else's
    // would silence another publisher's stream.
    if (first === TlvType.Gap) {
      const v = base + HEADER_SIZE + (u8[base + HEADER_SIZE] === EXTENDED_TLV_MARKER ? 5 : 2);
      if (!this.owners.mayNotify(dv.getUint16(v, true), s)) {
        m.drop(DropReason.badControl);
        this.noteRefusal(s, RefusalReason.badControl, dv, base);
        this.log.warn("dropped a Gap notice about a source this connection does not publish", { conn: s.id, peer: s.conn.peer, source: dv.getUint16(v, true) });
        return;
      }
    }
    const source = dv.getUint16(base + HeaderOffset.source, true);
    // With identities a proven service publishes the sources its token proved (usually its own id);
    // relays, bridges and tools any other.
    if ((source < s.ownLo || source > s.ownHi) && !s.anySource) {
      this.refusals.foreignSource(s, source);
      this.noteRefusal(s, RefusalReason.foreignSource, dv, base);
      return;
    }
    // A source is bound to the open connection publishing it (relay/source-owners.ts): checked before
    // the sequence, so a stranger can neither advance nor restart another publisher's source. With
    // identities, a source's own proven service takes it over from a bridge or tool that holds it.
    const owner = this.owners.ownerOf(source);
    if (owner !== s && owner !== undefined && owner.serviceId !== s.serviceId && !(s.proven && !s.anySource && source >= s.ownLo && source <= s.ownHi)) {
      this.refusals.sourceOwned(s, owner, source);
      this.noteRefusal(s, RefusalReason.sourceOwned, dv, base);
      return;
    }
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
    const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
    if (this.seen[source] === 1) {
      const lh = this.lastHi[source]!;
      if (hi < lh || (hi === lh && lo <= this.lastLo[source]!)) {
        // Sequence 1 stamped later than the last message: the source restarted (a new process). A
        // re-sent old message carries its old timestamp and stays a duplicate.
        const th = this.lastTsHi[source]!;
        if (hi === 0 && lo === 1 && (tsHi > th || (tsHi === th && tsLo > this.lastTsLo[source]!))) {
          this.restartSource(s, source);
        } else {
          m.drop(DropReason.duplicate);
          this.noteRefusal(s, RefusalReason.duplicate, dv, base);
          return;
        }
      } else if ((hi - lh) * 4294967296 + (lo - this.lastLo[source]!) > this.jumpWindow) {
        this.refuseJump(s, source, hi, lo);
        this.noteRefusal(s, RefusalReason.sequenceJump, dv, base);
        return;
      }
    } else {
      this.seen[source] = 1;
    }
    if (owner !== s) this.takeSource(s, owner, source);
    const report = s.report!;
    report.accepted++;
    if (!report.due) this.noticeDue(s, report);
    this.lastHi[source] = hi;
    this.lastLo[source] = lo;
    this.lastTsHi[source] = tsHi;
    this.lastTsLo[source] = tsLo;
    const buffer = chunk.buffer;
    const rings = this.rings;
    let ring = rings.get(source);
    if (ring === undefined || !rings.isNewest(source)) ring = rings.touch(source);
    ring.push(buffer, base, length, hi, lo);
    if (rings.overBudget) rings.enforceBudget(source);
    this.forward(s, buffer, length, u8, base, source, hi, lo);
  }

  /** Counts a refused message (header at absolute `base` of `dv`) in `s`'s report for its next notice. */
  private noteRefusal(s: Session, reason: number, dv: DataView, base: number): void {
    const report = s.report;
    if (report === undefined) return;
    const full = report.refuse(reason, dv.getUint16(base + HeaderOffset.source, true), dv.getBigUint64(base + HeaderOffset.sequence, true));
    if (full) this.sendNotice(s, report);
    else if (!report.due) this.noticeDue(s, report);
  }

  /** Schedules `s`'s next refusal notice (relay/refusal-notice.ts). */
  private noticeDue(s: Session, report: PublisherReport): void {
    report.due = true;
    this.noticesDue.push(s);
    if (this.noticeTimer === undefined) {
      this.noticeTimer = setTimeout(() => this.sendNotices(), NOTICE_INTERVAL_MS);
      (this.noticeTimer as { unref?: () => void }).unref?.();
    }
  }

  private sendNotices(): void {
    this.noticeTimer = undefined;
    const due = this.noticesDue;
    this.noticesDue = [];
    for (const s of due) {
      const report = s.report!;
      if (report.due) this.sendNotice(s, report);
    }
  }

  /** Writes `s`'s notice now (without its runs when `s` does not read what it is sent). Never throws. */
  private sendNotice(s: Session, report: PublisherReport): void {
    if (s.state !== SessionState.Open) return;
    try {
      s.conn.write([report.takeNotice(this.domain, this.serviceId, this.sessions.size, s.conn.pendingBytes <= MAX_NOTICE_BACKLOG)]);
    } catch (e) {
      this.log.error("could not send a refusal notice", { conn: s.id, peer: s.conn.peer, error: e });
    }
  }

  private forward(
    from: Session, buffer: ArrayBufferLike, length: number, u8: Uint8Array, base: number, source: number, hi: number, lo: number,
  ): void {
    const subs = this.subscribers;
    const n = subs.length;
    let delivered = 0;
    for (let i = 0; i < n; i++) {
      const t = subs[i]!;
      if (t === from) continue;
      if (t.filter !== undefined && !matchesFilter(u8, base, length, t.filter)) continue;
      t.outbox!.add(buffer, base, length, source, hi, lo);
      delivered++;
      if (!t.dirty) {
        t.dirty = true;
        this.dirty.push(t);
      }
    }
    this.metrics.messagesOut += delivered;
    this.metrics.bytesOut += delivered * length;
  }

  /** A source restarted its sequence at 1: forget its old stream (logged). */
  private restartSource(s: Session, source: number): void {
    this.log.warn("source restarted its sequence", {
      conn: s.id, source, previousLast: (BigInt(this.lastHi[source]!) << 32n) | BigInt(this.lastLo[source]!),
    });
    this.rings.clear(source);
  }

  /** `s` got a message of `source` accepted: it owns the source now (logged when taken over). */
  private takeSource(s: Session, previous: Session | undefined, source: number): void {
    this.owners.claim(source, s);
    if (previous !== undefined) {
      this.log.info("source taken over by a new connection of the same service", {
        source, serviceId: s.serviceId, conn: s.id, previousConn: previous.id, previousPeer: previous.conn.peer,
      });
    }
  }

  /** Drops a message whose sequence `hi:lo` is past the jump window of `source`'s last accepted one. */
  private refuseJump(s: Session, source: number, hi: number, lo: number): void {
    const last = (BigInt(this.lastHi[source]!) << 32n) | BigInt(this.lastLo[source]!);
    this.refusals.sequenceJump(s, source, last, (BigInt(hi) << 32n) | BigInt(lo), this.jumpWindow);
  }

  private control(s: Session, bytes: Uint8Array, offset: number, length: number): void {
    const { u8, dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const end = base + length;
    let p = base + HEADER_SIZE;
    while (p < end && s.state !== SessionState.Closed) {
      let type = u8[p]!;
      let len: number;
      if (type === EXTENDED_TLV_MARKER) {
        type = u8[p + 2]!;
        len = u8[p + 3]! | (u8[p + 4]! << 8);
        p += 5;
      } else {
        len = u8[p + 1]!;
        p += 2;
      }
      if (type === TlvType.Hello) this.onHello(s, u8, dv, p, len);
      else if (type === TlvType.Subscribe) this.onSubscribe(s, dv, p);
      else if (type === TlvType.RetransmitRequest) this.onRetransmit(s, dv, p);
      p += len;
    }
  }

  private onHello(s: Session, u8: Uint8Array, dv: DataView, v: number, len: number): void {
    if (s.state !== SessionState.AwaitHello) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    const role = u8[v]!;
    const serviceId = dv.getUint16(v + 2, true);
    if (role < 1 || role > 3) {
      this.disconnect(s, DisconnectReason.noHello, `Hello role ${role} is not 1–3`);
      return;
    }
    if (this.identityKey !== undefined) {
      const given = new TextDecoder().decode(u8.subarray(v + 8, v + len));
      const range = this.identityKey.provenRange(given, serviceId);
      if (range === undefined) {
        this.refusals.lastAt = performance.now();
        this.disconnect(s, DisconnectReason.auth, given.length === 0
          ? `Hello for service id ${serviceId} carries no token; this relay requires each service's identity token`
          : `Hello token does not prove service id ${serviceId}`);
        return;
      }
      s.proven = true;
      s.anySource = mayRelayOthers(serviceId);
      s.ownLo = range.lo;
      s.ownHi = range.hi;
    } else if (s.requireToken) {
      const given = new TextDecoder().decode(u8.subarray(v + 8, v + len));
      const ok = this.tokenDigest !== undefined && given.length > 0 && timingSafeEqual(digest(given), this.tokenDigest);
      if (!ok) {
        this.disconnect(s, DisconnectReason.auth, given.length === 0 ? "Hello carries no token" : "Hello token is wrong");
        return;
      }
    }
    clearTimeout(s.helloTimer);
    s.state = SessionState.Open;
    s.role = role;
    s.serviceId = serviceId;
    if (canPublish(role)) {
      this.metrics.publishers++;
      s.report = new PublisherReport();
    }
    if (canSubscribe(role)) {
      s.outbox = new Outbox(s.conn, {
        maxQueueBytes: this.queueBytes,
        windowBytes: this.windowBytes,
        makeGap: (source, from, to) => this.makeGap(source, GapReason.SlowConsumer, from, to),
        onDrop: (count) => {
          this.metrics.drop(DropReason.slowConsumer, count);
          this.checkOverflow(s);
        },
        onDiscard: (count) => this.metrics.drop(DropReason.disconnected, count),
      });
      this.subscribers = [...this.subscribers, s];
      this.metrics.subscribers++;
      s.helloAt = performance.now();
    }
    this.log.info("connection ready", { conn: s.id, peer: s.conn.peer, role, serviceId, proven: s.proven });
  }

  private onSubscribe(s: Session, dv: DataView, v: number): void {
    if (!canSubscribe(s.role)) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    const n = dv.getUint16(v, true);
    if (n === 0) {
      s.filter = undefined;
    } else {
      const f = new Uint8Array(256);
      for (let i = 0; i < n; i++) {
        const t = dv.getUint16(v + 4 + 2 * i, true);
        if (t < 256) f[t] = 1;
      }
      s.filter = f;
    }
    this.log.debug("subscription set", { conn: s.id, types: n });
  }

  private onRetransmit(s: Session, dv: DataView, v: number): void {
    if (!canSubscribe(s.role)) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    const source = dv.getUint16(v, true);
    const from = dv.getBigUint64(v + 8, true);
    const to = dv.getBigUint64(v + 16, true);
    this.metrics.retransmitRequests++;
    if (from > to || from === 0n) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    if (!s.askedBefore) {
      s.askedBefore = true;
      // A client resuming a stream asks for its known sources' rest right after its Hello; a process
      // starting fresh does not, and must not be handed old messages it never asked for.
      if (this.discards !== undefined && performance.now() - s.helloAt < RESUME_WINDOW_MS) s.recall = this.discards.take(s.serviceId);
    }
    this.answerRange(s, source, from, to);
  }

  /**
   * Answers a subscriber who came back after its previous connection's queue was discarded: every
   * discarded range, from the rings (Gap reason 1 for what is gone), ahead of any live message.
   */
  private answerRecall(s: Session): void {
    const ranges = s.recall!;
    s.recall = undefined;
    if (s.state !== SessionState.Open) return;
    this.log.info("answering the ranges discarded with this subscriber's previous connection", { conn: s.id, serviceId: s.serviceId, sources: ranges.length });
    for (const r of ranges) {
      if (s.state !== SessionState.Open) return;
      this.metrics.recalledRanges++;
      this.answerRange(s, r.source, r.from, r.to);
    }
  }

  /** Queues `source`'s held messages in `from..to` for `s`, with Gap notices for what is not held. */
  private answerRange(s: Session, source: number, from: bigint, to: bigint): void {
    const last = this.seen[source] === 1 ? (BigInt(this.lastHi[source]!) << 32n) | BigInt(this.lastLo[source]!) : 0n;
    const ring = this.rings.get(source);
    const filter = s.filter;
    const accept = filter === undefined ? undefined : (msg: Uint8Array) => matchesFilter(viewsOf(msg).u8, msg.byteOffset, msg.length, filter);
    const outbox = s.outbox!;
    const fallback = this.retransmitFallback;
    if (fallback !== undefined) {
      fallback.answer({
        source, from, to, last, lastTimestamp: (BigInt(this.lastTsHi[source]!) << 32n) | BigInt(this.lastTsLo[source]!), ring, accept,
        gap: (a, b) => this.makeGap(source, GapReason.Evicted, a, b),
        send: (parts) => {
          if (s.state !== SessionState.Open) return;
          for (const part of parts) outbox.addOwned(part);
          outbox.flush();
        },
      });
      return;
    }
    if (ring === undefined) {
      const end = to < last ? to : last;
      if (from <= end) outbox.addOwned(this.makeGap(source, GapReason.Evicted, from, end));
    } else {
      const r = ring.collect(from, to, last, accept);
      forEachInSequence(r.bytes, r.missing, (m) => outbox.addOwned(m), (a, b) => outbox.addOwned(this.makeGap(source, GapReason.Evicted, a, b)));
    }
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  private makeGap(source: number, reason: number, from: bigint, to: bigint): Uint8Array {
    this.metrics.gapsSent++;
    return encodeGap(this.domain, this.serviceId, ++this.gapSequence, nowNanos(), source, reason, from, to);
  }

  private checkOverflow(s: Session): void {
    const since = s.outbox?.overflowSince ?? 0;
    if (since !== 0 && performance.now() - since > this.overflowMs) {
      this.disconnect(s, DisconnectReason.slowConsumer, `subscriber overflowed for more than ${this.overflowMs} ms`);
    }
  }

  private sweep(): void {
    for (const s of this.subscribers) this.checkOverflow(s);
    const now = performance.now();
    for (const s of this.sessions) {
      if (this.partials.expired(s, now)) {
        this.disconnect(s, DisconnectReason.partialTimeout, `message not completed within ${this.partials.deadlineMs} ms (${s.framer.buffered} of ${s.held} bytes received)`);
      }
    }
    this.discards?.expire();
  }

  private disconnect(s: Session, reason: DisconnectReason, why: string, abort = true): void {
    if (s.state === SessionState.Closed) return;
    this.metrics.disconnects[reason]++;
    const level = reason === DisconnectReason.shutdown ? "info" : "warn";
    this.log[level]("closing connection", { conn: s.id, peer: s.conn.peer, serviceId: s.serviceId, reason, detail: why });
    this.forget(s, reason !== DisconnectReason.shutdown);
    s.conn.close(abort);
  }

  private onClosed(s: Session, error?: Error): void {
    if (s.state === SessionState.Closed) return;
    this.metrics.disconnects.peer++;
    this.log.info("connection closed by peer", { conn: s.id, peer: s.conn.peer, serviceId: s.serviceId, ...(error ? { error: error.message } : {}) });
    this.forget(s);
  }

  /** Drops a closed connection's state; with `remember`, what its queue held is kept for its return. */
  private forget(s: Session, remember = true): void {
    const wasOpen = s.state === SessionState.Open;
    s.state = SessionState.Closed;
    s.recall = undefined;
    clearTimeout(s.helloTimer);
    if (!this.sessions.delete(s)) return;
    this.partials.release(s);
    this.metrics.connections--;
    if (wasOpen && canPublish(s.role)) this.metrics.publishers--;
    this.owners.releaseAll(s);
    if (s.outbox !== undefined) {
      const memory = remember ? this.discards : undefined;
      const lost = memory !== undefined ? new DiscardedRanges() : undefined;
      s.outbox.discard(lost);
      if (lost !== undefined && lost.size > 0) {
        const refused = memory!.remember(s.serviceId, lost);
        this.log.info("remembering the ranges discarded with a subscriber's queue", { conn: s.id, serviceId: s.serviceId, sources: lost.size, notRemembered: refused });
      }
      this.subscribers = this.subscribers.filter((x) => x !== s);
      this.metrics.subscribers--;
    }
  }
}

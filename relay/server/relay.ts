/**
 * The domain relay: accepts connections from any {@link Transport}, checks every message, tracks
 * sequences per source, and forwards the exact received bytes to the subscribers that want them.
 *
 * Per connection: the first message must carry Hello (role, service id, token — the token is checked
 * in constant time where the listener requires one). An optional Subscribe sets a TLV type filter;
 * RetransmitRequest is answered from the per-source ring with the held messages, then Gap (reason 1) for
 * what is not held (or from {@link Relay.retransmitFallback} first).
 *
 * Per message: the framer checks the header (framing errors close only that connection); then
 * {@link validateMessage} checks checksum (unless disabled; for in-process publishers only with
 * `verifyInProcessChecksum`, since nothing lies between their builder and the relay), TLV structure, sizes and that every type
 * belongs to the domain — a failing message is dropped and counted, the connection stays. A message
 * whose sequence is not above its source's last is dropped as a duplicate. Accepted messages are kept
 * in the source's ring and added, as slices of the read chunk, to every matching subscriber's
 * {@link Outbox} except the sender's own; after each chunk every touched outbox is flushed as one batch.
 *
 * Which publisher may send which source, duplicates and sequence jumps: relay/server/source-admission.ts
 * (Gap notices about a source follow the same ownership). The rings live in a {@link RingStore}: bounded
 * per source and, across sources, by `ringBytesTotal` with each pinned chunk counted once. Forwarding:
 * relay/server/fan-out.ts. Publishers are told what became of their messages: notice-schedule.ts. A
 * Hello is admitted by hello-admission.ts; RetransmitRequests, and the ranges discarded with a
 * subscriber's previous connection, are answered by retransmit-answers.ts.
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

import {
  ChunkViews, GapField, GapReason, HelloField, HEADER_SIZE, HeaderOffset, isProtocolError, type RelayDomain, tlvNext, TlvType, tlvType, tlvValue,
  validateMessage, viewsOf,
} from "../../protocol/mod.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { QuickCheck, quickCheck } from "../wire/check.ts";
import { canPublish, canSubscribe } from "../wire/control.ts";
import { PublisherReport, RefusalReason } from "../wire/refusal-notice.ts";
import { domainName } from "../wire/socket-paths.ts";
import type { Connection } from "../transport/types.ts";
import { DiscardMemory } from "./discard-memory.ts";
import { FanOut } from "./fan-out.ts";
import { HelloAdmission } from "./hello-admission.ts";
import { DisconnectReason, DropReason, RelayMetrics } from "./metrics.ts";
import { NoticeSchedule } from "./notice-schedule.ts";
import { Outbox } from "./outbox.ts";
import {
  DEFAULT_CONNECTION_BUFFER_BYTES, DEFAULT_PARTIAL_BYTES_TOTAL, DEFAULT_PARTIAL_DEADLINE_MS, PartialLimits,
} from "./partial-limits.ts";
import { Refusals } from "./refusals.ts";
import { DEFAULT_SEQUENCE_JUMP_WINDOW, type AttachOptions, type RelayOptions } from "./relay-options.ts";
import { RetransmitAnswers } from "./retransmit-answers.ts";
import type { RetransmitFallback } from "./retransmit-source.ts";
import { DEFAULT_RING_BYTES_TOTAL, RingStore } from "./ring-store.ts";
import { Session, SessionState } from "./session.ts";
import { SourceAdmission } from "./source-admission.ts";
import { SourceSequences } from "./source-sequences.ts";
import { readSubscribeFilter } from "./type-filter.ts";

export { DEFAULT_SEQUENCE_JUMP_WINDOW, type AttachOptions, type RelayOptions } from "./relay-options.ts";

/** A domain relay. */
export class Relay {
  /** The relay's domain. */
  readonly domain: RelayDomain;
  /** Live metrics. */
  readonly metrics: RelayMetrics;
  private readonly log: Logger;
  private readonly verifyChecksum: boolean;
  private readonly verifyInProcessChecksum: boolean;
  private readonly queueBytes: number;
  private readonly windowBytes: number;
  private readonly overflowMs: number;
  private readonly helloTimeoutMs: number;
  private readonly partials: PartialLimits;
  /** Refused messages and Hellos: counted, logged rate-limited; `lastAt` for the service's alert. */
  readonly refusals: Refusals;
  private readonly admission: HelloAdmission;
  private readonly notices: NoticeSchedule;
  private readonly answers: RetransmitAnswers;
  private readonly sessions = new Set<Session>();
  private readonly fanOut: FanOut;
  private nextId = 1;
  private readonly sequences = new SourceSequences();
  private readonly sources: SourceAdmission;
  private readonly rings: RingStore;
  private readonly sweepTimer: ReturnType<typeof setInterval>;
  private stopped = false;
  // Views, buffer and byte offset of the chunk being read (many messages per chunk).
  private readonly chunk = new ChunkViews();
  /** The chunk being handled was lent by its connection (see {@link onChunk}). */
  private lent = false;

  /** @param options domain and limits */
  constructor(options: RelayOptions) {
    this.domain = options.domain;
    this.metrics = options.metrics ?? new RelayMetrics(domainName(options.domain));
    this.log = options.logger ?? createLogger(`relay.${domainName(options.domain)}`);
    this.verifyChecksum = options.verifyChecksum ?? true;
    this.verifyInProcessChecksum = options.verifyInProcessChecksum ?? false;
    this.queueBytes = options.subscriberQueueBytes ?? 8 * 1024 * 1024;
    this.windowBytes = options.writeWindowBytes ?? 256 * 1024;
    this.overflowMs = options.overflowDisconnectMs ?? 5000;
    this.rings = new RingStore({
      bytesPerSource: options.ringBytesPerSource ?? 4 * 1024 * 1024,
      bytesTotal: options.ringBytesTotal ?? DEFAULT_RING_BYTES_TOTAL,
      metrics: this.metrics,
    });
    const memoryMs = options.discardMemoryMs ?? 60_000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 5000;
    const window = options.sequenceJumpWindow ?? DEFAULT_SEQUENCE_JUMP_WINDOW;
    this.partials = new PartialLimits({
      deadlineMs: options.partialDeadlineMs ?? DEFAULT_PARTIAL_DEADLINE_MS,
      perConnectionBytes: options.connectionBufferBytes ?? DEFAULT_CONNECTION_BUFFER_BYTES,
      totalBytes: options.partialBytesTotal ?? DEFAULT_PARTIAL_BYTES_TOTAL,
    });
    this.refusals = new Refusals(this.metrics, this.log);
    this.fanOut = new FanOut(this.metrics);
    this.sources = new SourceAdmission({
      sequences: this.sequences, rings: this.rings, refusals: this.refusals, log: this.log,
      jumpWindow: window > 0 ? window : Infinity,
    });
    this.admission = new HelloAdmission(options.token, options.identityKey, this.refusals);
    const serviceId = options.serviceId ?? 80 + options.domain - 1;
    this.notices = new NoticeSchedule({ domain: this.domain, serviceId, log: this.log, connectionCount: () => this.sessions.size });
    this.answers = new RetransmitAnswers({
      domain: this.domain, serviceId, rings: this.rings, sequences: this.sequences, metrics: this.metrics, log: this.log, fanOut: this.fanOut,
      discards: memoryMs > 0 ? new DiscardMemory({ ttlMs: memoryMs }) : undefined,
    });
    const deadline = this.partials.deadlineMs > 0 ? this.partials.deadlineMs : Infinity;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, this.overflowMs / 4, deadline / 4)));
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** Where a RetransmitRequest's range the ring no longer holds is looked up (e.g. JetStream); consulted only then. */
  get retransmitFallback(): RetransmitFallback | undefined {
    return this.answers.fallback;
  }

  set retransmitFallback(fallback: RetransmitFallback | undefined) {
    this.answers.fallback = fallback;
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
    const s = new Session(this.nextId++, conn, options.requireToken, this.verifyChecksum && (conn.inProcess !== true || this.verifyInProcessChecksum));
    s.onMessage = (bytes, offset, length) => this.onMessage(s, bytes, offset, length);
    this.sessions.add(s);
    this.metrics.connections++;
    s.helloTimer = setTimeout(() => {
      if (s.state === SessionState.AwaitHello) this.disconnect(s, DisconnectReason.noHello, "no Hello within the time limit");
    }, this.helloTimeoutMs);
    (s.helloTimer as { unref?: () => void }).unref?.();
    conn.setHandlers({
      acceptsLent: true,
      data: (chunk, lent) => this.onChunk(s, chunk, lent === true),
      drain: () => s.outbox?.pump(),
      close: (error) => this.onClosed(s, error),
    });
    this.log.debug("connection opened", { conn: s.id, peer: conn.peer });
  }

  /** Closes every connection and stops timers. */
  close(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    this.notices.close();
    for (const s of [...this.sessions]) this.disconnect(s, DisconnectReason.shutdown, "relay shutting down", false);
  }

  /** `lent`: `chunk` is rewritten once this returns, so what is kept of it is copied (the rings, outboxes). */
  private onChunk(s: Session, chunk: Uint8Array, lent: boolean): void {
    if (s.state === SessionState.Closed) return;
    this.lent = lent;
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
    if (lent) this.rings.flushCopies();
    if (s.recall !== undefined) this.answers.recall(s);
    this.fanOut.flush();
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

  private onMessage(s: Session, bytes: Uint8Array, offset: number, length: number): void {
    if (s.state === SessionState.Closed) return;
    const m = this.metrics;
    m.messagesIn++;
    // A chunk carries many messages: its buffer, views and byte offset are read once per chunk.
    const chunk = this.chunk.of(bytes);
    const u8 = chunk.u8;
    const dv = chunk.dv;
    const base = chunk.base + offset;
    if (quickCheck(u8, dv, base, length, s.verifyChecksum) !== QuickCheck.ok) {
      const err = validateMessage(bytes, offset, length, { verifyChecksum: s.verifyChecksum });
      if (err !== undefined) {
        m.error(err.kind);
        if (s.state === SessionState.AwaitHello) {
          this.disconnect(s, DisconnectReason.noHello, `first message is invalid: ${err.message}`);
          return;
        }
        const wrong = err.kind === "TypeNotInDomain";
        m.drop(wrong ? DropReason.wrongDomain : DropReason.invalid);
        this.notices.refused(s, wrong ? RefusalReason.wrongDomain : RefusalReason.invalid, dv, base);
        this.log.debug("message dropped", { conn: s.id, reason: err.kind, detail: err.message });
        return;
      }
    }
    const firstAt = base + HEADER_SIZE;
    // Checked above, so the payload is whole TLVs: any first TLV lies wholly inside.
    const first = length > HEADER_SIZE ? tlvType(u8, firstAt) : -1;
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
      this.notices.refused(s, RefusalReason.wrongDomain, dv, base);
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
      const gapSource = dv.getUint16(tlvValue(u8, firstAt) + GapField.source, true);
      if (!this.sources.owners.mayNotify(gapSource, s)) {
        m.drop(DropReason.badControl);
        this.notices.refused(s, RefusalReason.badControl, dv, base);
        this.log.warn("dropped a Gap notice about a source this connection does not publish", { conn: s.id, peer: s.conn.peer, source: gapSource });
        return;
      }
    }
    // Which publisher may send this source now (relay/server/source-admission.ts), checked inline: this
    // is the per-message path, and as a call it cost ~10% of the relay's throughput (bench/relay-core.ts).
    const source = dv.getUint16(base + HeaderOffset.source, true);
    if ((source < s.ownLo || source > s.ownHi) && !s.anySource) {
      this.refusals.foreignSource(s, source);
      this.notices.refused(s, RefusalReason.foreignSource, dv, base);
      return;
    }
    const sources = this.sources;
    const owner = sources.owners.ownerOf(source);
    if (owner !== s && owner !== undefined && !sources.mayTakeOver(s, owner, source)) {
      this.refusals.sourceOwned(s, owner, source);
      this.notices.refused(s, RefusalReason.sourceOwned, dv, base);
      return;
    }
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
    const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
    const seqs = this.sequences;
    if (seqs.seen[source] === 1) {
      const lh = seqs.lastHi[source]!;
      if (hi < lh || (hi === lh && lo <= seqs.lastLo[source]!)) {
        if (!sources.restarted(s, source, hi, lo, tsHi, tsLo)) {
          m.drop(DropReason.duplicate);
          this.notices.refused(s, RefusalReason.duplicate, dv, base);
          return;
        }
      } else if ((hi - lh) * 4294967296 + (lo - seqs.lastLo[source]!) > sources.jumpWindow) {
        sources.refuseJump(s, source, hi, lo);
        this.notices.refused(s, RefusalReason.sequenceJump, dv, base);
        return;
      }
    }
    if (owner !== s) sources.take(s, owner, source);
    // SourceSequences.record, written out: as a call it pushed quickCheck out of V8's inlining budget here.
    seqs.seen[source] = 1;
    seqs.lastHi[source] = hi;
    seqs.lastLo[source] = lo;
    seqs.lastTsHi[source] = tsHi;
    seqs.lastTsLo[source] = tsLo;
    const report = s.report!;
    report.accepted++;
    if (!report.due) this.notices.schedule(s, report);
    const buffer = chunk.buffer;
    const rings = this.rings;
    let ring = rings.get(source);
    if (ring === undefined || !rings.isNewest(source)) ring = rings.touch(source);
    const lent = this.lent;
    if (lent) ring.pushCopy(u8, base, length, hi, lo);
    else ring.push(buffer, base, length, hi, lo);
    if (rings.overBudget) rings.enforceBudget(source);
    this.fanOut.forward(s, buffer, length, u8, base, source, hi, lo, lent);
  }

  /** Handles the control TLVs (Hello, Subscribe, RetransmitRequest) of a validated message of `s`. */
  private control(s: Session, bytes: Uint8Array, offset: number, length: number): void {
    const { u8, dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const end = base + length;
    for (let p = base + HEADER_SIZE, next = 0; p < end && s.state !== SessionState.Closed; p = next) {
      next = tlvNext(u8, p, end);
      if (next < 0) return;
      const type = tlvType(u8, p);
      const v = tlvValue(u8, p);
      if (type === TlvType.Hello) this.onHello(s, u8, dv, v, next - v);
      else if (type === TlvType.Subscribe) this.onSubscribe(s, dv, v);
      else if (type === TlvType.RetransmitRequest) this.answers.request(s, dv, v);
    }
  }

  private onHello(s: Session, u8: Uint8Array, dv: DataView, v: number, len: number): void {
    if (s.state !== SessionState.AwaitHello) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    const refused = this.admission.check(s, u8, dv, v, len);
    if (refused !== undefined) {
      this.disconnect(s, refused.reason, refused.why);
      return;
    }
    const role = s.role = u8[v + HelloField.role]!;
    s.serviceId = dv.getUint16(v + HelloField.serviceId, true);
    clearTimeout(s.helloTimer);
    s.state = SessionState.Open;
    if (canPublish(role)) {
      this.metrics.publishers++;
      s.report = new PublisherReport();
    }
    if (canSubscribe(role)) {
      s.outbox = new Outbox(s.conn, {
        maxQueueBytes: this.queueBytes,
        windowBytes: this.windowBytes,
        makeGap: (source, from, to) => this.answers.gap(source, GapReason.SlowConsumer, from, to),
        onDrop: (count) => {
          this.metrics.drop(DropReason.slowConsumer, count);
          this.checkOverflow(s);
        },
        onDiscard: (count) => this.metrics.drop(DropReason.disconnected, count),
      });
      this.fanOut.add(s);
      s.helloAt = performance.now();
    }
    this.log.info("connection ready", { conn: s.id, peer: s.conn.peer, role, serviceId: s.serviceId, proven: s.proven });
  }

  private onSubscribe(s: Session, dv: DataView, v: number): void {
    if (!canSubscribe(s.role)) {
      this.metrics.drop(DropReason.badControl);
      return;
    }
    s.filter = readSubscribeFilter(dv, v);
    this.log.debug("subscription set", { conn: s.id, types: dv.getUint16(v, true) });
  }

  private checkOverflow(s: Session): void {
    const since = s.outbox?.overflowSince ?? 0;
    if (since !== 0 && performance.now() - since > this.overflowMs) {
      this.disconnect(s, DisconnectReason.slowConsumer, `subscriber overflowed for more than ${this.overflowMs} ms`);
    }
  }

  private sweep(): void {
    for (const s of this.fanOut.subscribers) this.checkOverflow(s);
    const now = performance.now();
    for (const s of this.sessions) {
      if (this.partials.expired(s, now)) {
        this.disconnect(s, DisconnectReason.partialTimeout, `message not completed within ${this.partials.deadlineMs} ms (${s.framer.buffered} of ${s.held} bytes received)`);
      }
    }
    this.answers.expireDiscards();
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
    this.sources.owners.releaseAll(s);
    if (s.outbox !== undefined) {
      this.answers.discardQueue(s, remember);
      this.fanOut.remove(s);
    }
  }
}

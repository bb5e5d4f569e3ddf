/**
 * How a relay answers what a subscriber missed. A RetransmitRequest is answered from the per-source
 * ring ({@link RingStore}) with the held messages, then Gap (reason 1) for what is not held — or, when
 * {@link RetransmitAnswers.fallback} is set (a NATS bridge's JetStream), what the ring misses is looked
 * up there first (relay/server/retransmit-source.ts).
 *
 * When a subscriber's connection goes with messages still queued for it, their per-source ranges are
 * remembered under its service id (relay/server/discard-memory.ts). A connection of that service id
 * whose first RetransmitRequest comes within 0.5 s of its Hello is a client resuming its stream (the
 * client asks for its known sources' rest right after reconnecting): after that chunk it is also
 * answered the remembered ranges — from the rings, Gap reason 1 for what is gone — so a source it never
 * saw and that went silent is not lost without notice. A process starting fresh asks for nothing and
 * gets nothing old.
 *
 * The relay's own Gap notices (these and a slow consumer's) are made here, numbered in one sequence.
 *
 * @example
 * ```ts
 * const answers = new RetransmitAnswers({ domain, serviceId, rings, sequences, discards, metrics, log, fanOut });
 * answers.request(session, dv, valueAt); // a RetransmitRequest's value
 * if (session.recall !== undefined) answers.recall(session); // after the chunk
 * ```
 * @module
 */

import { GapReason, nowNanos, RetransmitRequestField, viewsOf } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";
import { canSubscribe, encodeGap } from "../wire/control.ts";
import { DiscardedRanges, type DiscardMemory } from "./discard-memory.ts";
import type { FanOut } from "./fan-out.ts";
import { DropReason, type RelayMetrics } from "./metrics.ts";
import type { RetransmitFallback } from "./retransmit-source.ts";
import type { RingStore } from "./ring-store.ts";
import { forEachInSequence } from "./ring-range.ts";
import type { SourceSequences } from "./source-sequences.ts";
import { type Session, SessionState } from "./session.ts";
import { matchesFilter } from "./type-filter.ts";

/** Milliseconds after its Hello within which a connection's first RetransmitRequest marks it as resuming. */
const RESUME_WINDOW_MS = 500;

/** What {@link RetransmitAnswers} reads and writes of its relay. */
export interface RetransmitAnswersOptions {
  /** The relay's domain (on its Gap notices). */
  domain: number;
  /** The relay's own source id (on its Gap notices). */
  serviceId: number;
  /** The per-source rings of recent messages. */
  rings: RingStore;
  /** Each source's last accepted sequence and timestamp. */
  sequences: SourceSequences;
  /** Ranges discarded with closed subscribers' queues, when remembered. */
  discards: DiscardMemory | undefined;
  /** Counters (requests, recalled ranges, gaps sent, badControl drops). */
  metrics: RelayMetrics;
  /** Logger. */
  log: Logger;
  /** The relay's fan-out (sessions given answers are flushed with the chunk's others). */
  fanOut: FanOut;
}

/** Answers RetransmitRequests and recalls, and makes the relay's Gap notices. */
export class RetransmitAnswers {
  /** Where a RetransmitRequest's range the ring no longer holds is looked up (e.g. JetStream); consulted only then. */
  fallback: RetransmitFallback | undefined;
  private readonly o: RetransmitAnswersOptions;
  private gapSequence = 0n;

  /** @param options the relay's state the answers come from */
  constructor(options: RetransmitAnswersOptions) {
    this.o = options;
  }

  /**
   * Discards closing `s`'s queue; with `remember` (and the relay remembering), the per-source ranges it
   * held are kept under its service id for its return.
   */
  discardQueue(s: Session, remember: boolean): void {
    const memory = remember ? this.o.discards : undefined;
    const lost = memory !== undefined ? new DiscardedRanges() : undefined;
    s.outbox!.discard(lost);
    if (lost !== undefined && lost.size > 0) {
      const refused = memory!.remember(s.serviceId, lost);
      this.o.log.info("remembering the ranges discarded with a subscriber's queue", { conn: s.id, serviceId: s.serviceId, sources: lost.size, notRemembered: refused });
    }
  }

  /** Forgets remembered ranges past their time. */
  expireDiscards(): void {
    this.o.discards?.expire();
  }

  /** A Gap notice from the relay: `source`'s `from..to` will not be delivered, for `reason` (GapReason). */
  gap(source: number, reason: number, from: bigint, to: bigint): Uint8Array {
    const o = this.o;
    o.metrics.gapsSent++;
    return encodeGap(o.domain, o.serviceId, ++this.gapSequence, nowNanos(), source, reason, from, to);
  }

  /** Handles the RetransmitRequest value at absolute `v` of `dv`, received on `s`. */
  request(s: Session, dv: DataView, v: number): void {
    const metrics = this.o.metrics;
    if (!canSubscribe(s.role)) {
      metrics.drop(DropReason.badControl);
      return;
    }
    const source = dv.getUint16(v + RetransmitRequestField.source, true);
    const from = dv.getBigUint64(v + RetransmitRequestField.fromSequence, true);
    const to = dv.getBigUint64(v + RetransmitRequestField.toSequence, true);
    metrics.retransmitRequests++;
    if (from > to || from === 0n) {
      metrics.drop(DropReason.badControl);
      return;
    }
    if (!s.askedBefore) {
      s.askedBefore = true;
      // A client resuming a stream asks for its known sources' rest right after its Hello; a process
      // starting fresh does not, and must not be handed old messages it never asked for.
      const discards = this.o.discards;
      if (discards !== undefined && performance.now() - s.helloAt < RESUME_WINDOW_MS) s.recall = discards.take(s.serviceId);
    }
    this.range(s, source, from, to);
  }

  /**
   * Answers a subscriber who came back after its previous connection's queue was discarded: every
   * discarded range, from the rings (Gap reason 1 for what is gone), ahead of any live message.
   */
  recall(s: Session): void {
    const ranges = s.recall!;
    s.recall = undefined;
    if (s.state !== SessionState.Open) return;
    this.o.log.info("answering the ranges discarded with this subscriber's previous connection", { conn: s.id, serviceId: s.serviceId, sources: ranges.length });
    for (const r of ranges) {
      if (s.state !== SessionState.Open) return;
      this.o.metrics.recalledRanges++;
      this.range(s, r.source, r.from, r.to);
    }
  }

  /** Queues `source`'s held messages in `from..to` for `s`, with Gap notices for what is not held. */
  private range(s: Session, source: number, from: bigint, to: bigint): void {
    const o = this.o;
    const last = o.sequences.last(source);
    const ring = o.rings.get(source);
    const filter = s.filter;
    const accept = filter === undefined ? undefined : (msg: Uint8Array) => matchesFilter(viewsOf(msg).u8, msg.byteOffset, msg.length, filter);
    const outbox = s.outbox!;
    const fallback = this.fallback;
    if (fallback !== undefined) {
      fallback.answer({
        source, from, to, last, lastTimestamp: o.sequences.lastTimestamp(source), ring, accept,
        gap: (a, b) => this.gap(source, GapReason.Evicted, a, b),
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
      if (from <= end) outbox.addOwned(this.gap(source, GapReason.Evicted, from, end));
    } else {
      const r = ring.collect(from, to, last, accept);
      forEachInSequence(r.bytes, r.missing, (m) => outbox.addOwned(m), (a, b) => outbox.addOwned(this.gap(source, GapReason.Evicted, a, b)));
    }
    o.fanOut.touched(s);
  }
}

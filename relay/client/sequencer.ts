/**
 * Per-source sequence keeping for the relay client: delivers each source's messages in sequence order,
 * drops duplicates, and fills gaps. A jump in a source's sequence sends a RetransmitRequest for the
 * missing range and holds that source's later messages back until the range arrives — or a Gap notice
 * says it will not, or the wait times out — so the consumer never sees a source out of order.
 *
 * Sequences are u64 kept as two u32 words per source (no bigint per message on the in-order path).
 *
 * @example
 * ```ts
 * const seq = new SourceSequencer({ deliver, requestRetransmit, stats, log });
 * seq.accept(bytes, offset, length, dv, base); // per received message (not a Gap notice)
 * ```
 * @module
 */

import { GapField, GapReason, HeaderOffset, viewsOf } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";

const TWO32 = 4_294_967_296;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** The counters a {@link SourceSequencer} updates (a subset of the client's stats). */
export interface SequencerStats {
  duplicates: number;
  gapsDetected: number;
  lost: number;
}

/** What a {@link SourceSequencer} needs from its client. */
export interface SequencerOptions {
  /** Hands a message to the consumer. */
  deliver: (bytes: Uint8Array, offset: number, length: number) => void;
  /** Asks the relay for `source`'s `from..to`. */
  requestRetransmit: (source: number, from: bigint, to: bigint) => void;
  /** Counters to update. */
  stats: SequencerStats;
  /** Where gap decisions are logged. */
  log: Logger;
  /** Milliseconds to wait for a requested range before giving it up (default 2000). */
  gapTimeoutMs?: number;
  /** Bytes of later messages held back per source while a gap is filled (default 4 MiB). */
  holdBytes?: number;
}

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

function readSeq(dv: DataView, base: number): bigint {
  return dv.getBigUint64(base + HeaderOffset.sequence, true);
}

/** Keeps every source's stream in order and whole, as far as the relay can help. */
export class SourceSequencer {
  private readonly opts: SequencerOptions;
  private readonly stats: SequencerStats;
  private readonly expHi = new Uint32Array(65536);
  private readonly expLo = new Uint32Array(65536);
  private readonly known = new Uint8Array(65536);
  private readonly knownSources: number[] = [];
  // Timestamp of the last message seen per source (two u32 words), to tell a restart from a re-send.
  private readonly tsHi = new Uint32Array(65536);
  private readonly tsLo = new Uint32Array(65536);
  private readonly held = new Map<number, HeldSource>();
  // Per source, the last range skipped undelivered (a Gap notice, or a gap given up): a straggler from it
  // may be stamped later than anything delivered (stamps need not grow with sequences), yet it is not a
  // restart. Kept until the source restarts.
  private readonly skipped = new Map<number, { from: bigint; to: bigint }>();
  // Set by the first reconnect: a source first seen later may have lost messages with the old connection.
  private catchUpNewSources = false;

  /** The message being handled is in a lent chunk (rewritten after it): what is held back is copied. */
  lent = false;

  /** @param options callbacks, counters and limits */
  constructor(options: SequencerOptions) {
    this.opts = options;
    this.stats = options.stats;
  }

  /**
   * One received message (not a Gap notice) at `bytes[offset, offset+length)`; `dv`/`base` are the
   * whole-buffer view and the message's absolute offset in it. Delivers it, holds it back, or drops it.
   */
  accept(bytes: Uint8Array, offset: number, length: number, dv: DataView, base: number): void {
    const source = dv.getUint16(base + HeaderOffset.source, true);
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    if (this.known[source] === 0) {
      this.known[source] = 1;
      this.knownSources.push(source);
      this.noteTimestamp(source, dv, base);
      if (this.catchUpNewSources && (hi !== 0 || lo !== 1)) {
        // First seen after a reconnect and not at its start: its earlier messages may have been lost
        // with the old connection (queued for it at the relay, or in its socket). Ask for them from 1;
        // what the relay no longer holds comes back as a Gap, so the loss is known here too.
        this.setExpected(source, 0, 1);
        this.holdBack(source, bytes.subarray(offset, offset + length), readSeq(dv, base));
        return;
      }
      this.setExpected(source, hi, lo + 1);
      this.opts.deliver(bytes, offset, length);
      return;
    }
    const eh = this.expHi[source]!;
    const el = this.expLo[source]!;
    if (hi === eh && lo === el) {
      this.noteTimestamp(source, dv, base);
      this.setExpected(source, hi, lo + 1);
      this.opts.deliver(bytes, offset, length);
      if (this.held.size > 0 && this.held.has(source)) this.releaseHeld(source);
      return;
    }
    if (hi < eh || (hi === eh && lo < el)) {
      // A lower sequence stamped later than the last message seen of the source: the source restarted
      // (a new process); follow it. A re-sent old message (after a reconnect) carries its old timestamp:
      // a duplicate.
      const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
      const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
      const th = this.tsHi[source]!;
      const seq = readSeq(dv, base);
      const gap = this.skipped.get(source);
      const straggler = gap !== undefined && seq >= gap.from && seq <= gap.to;
      if (!straggler && (tsHi > th || (tsHi === th && tsLo > this.tsLo[source]!))) {
        this.opts.log.warn("source restarted its sequence", { source, sequence: seq });
        this.skipped.delete(source);
        this.dropHeld(source, false);
        this.tsHi[source] = tsHi;
        this.tsLo[source] = tsLo;
        if (hi === 0 && lo === 1) {
          this.setExpected(source, 0, 2);
          this.opts.deliver(bytes, offset, length);
        } else {
          // The new run's first messages passed while this client was away (it restarted while we were
          // reconnecting — e.g. a relay's own reporter on its restarted relay): ask for them from 1; what
          // the relay no longer holds comes back as a Gap. Taking them for duplicates dropped the source
          // until its sequence passed the old run's.
          this.setExpected(source, 0, 1);
          this.holdBack(source, bytes.subarray(offset, offset + length), seq);
        }
        return;
      }
      this.stats.duplicates++;
      return;
    }
    this.holdBack(source, bytes.subarray(offset, offset + length), readSeq(dv, base));
  }

  /**
   * Asks for `source`'s messages from sequence `next` on and delivers them in order before anything
   * newer of that source. What the relay no longer holds arrives as a Gap notice.
   */
  resumeFrom(source: number, next: bigint): void {
    if (next < 1n) throw new RangeError(`resumeFrom: sequence ${next} must be ≥ 1`);
    const before = this.held.get(source);
    if (before !== undefined && this.expected(source) === next) {
      // Already waiting for this source: widen the wait to everything from `next` and ask again.
      before.to = U64_MAX;
      this.opts.requestRetransmit(source, next, U64_MAX);
      return;
    }
    this.dropHeld(source, false);
    if (this.known[source] === 0) {
      this.known[source] = 1;
      this.knownSources.push(source);
    }
    this.setExpectedBig(source, next);
    this.held.set(source, this.newHeld(source, next, U64_MAX));
    this.opts.requestRetransmit(source, next, U64_MAX);
  }

  /**
   * After a reconnect: asks for the rest of every source seen so far (messages may have passed meanwhile),
   * and from now on catches up a source first seen mid-stream from its start (see {@link accept}).
   */
  resumeAll(): void {
    this.catchUpNewSources = true;
    for (const source of this.knownSources) this.resumeFrom(source, this.expected(source));
  }

  /** A Gap notice (value at absolute offset `v` of `dv`): the relay will not deliver `from..to` of a source. */
  onGapNotice(dv: DataView, v: number): void {
    const source = dv.getUint16(v + GapField.source, true);
    const from = dv.getBigUint64(v + GapField.fromSequence, true);
    const to = dv.getBigUint64(v + GapField.toSequence, true);
    const reason = dv.getUint8(v + GapField.reason);
    if (this.known[source] === 0) return;
    const exp = this.expected(source);
    if (to < exp) return;
    const start = from > exp ? from : exp;
    this.stats.lost += Number(to - start + 1n);
    this.opts.log.warn("relay reports a gap", { source, from, to, reason: reason === GapReason.SlowConsumer ? "slowConsumer" : "evicted" });
    if (from <= exp) {
      this.skipped.set(source, { from: start, to });
      // A Gap to the end of the u64 range: nothing more of this source can follow (saturate, not wrap to 0).
      this.setExpectedBig(source, to === U64_MAX ? U64_MAX : to + 1n);
      if (this.held.has(source)) this.releaseHeld(source);
    }
  }

  /** Forgets every held-back message and its timer (the client is closing). */
  dropAll(): void {
    for (const source of [...this.held.keys()]) this.dropHeld(source, false);
  }

  private newHeld(source: number, from: bigint, to: bigint): HeldSource {
    const h: HeldSource = {
      msgs: [], seqs: [], bytes: 0, from, to,
      timer: setTimeout(() => this.giveUp(source, "timeout"), this.opts.gapTimeoutMs ?? 2000),
    };
    (h.timer as { unref?: () => void }).unref?.();
    return h;
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

  private setExpectedBig(source: number, v: bigint): void {
    this.expHi[source] = Number(v >> 32n);
    this.expLo[source] = Number(v & 0xffffffffn);
  }

  private holdBack(source: number, msg: Uint8Array, seq: bigint): void {
    if (this.lent) msg = msg.slice();
    let h = this.held.get(source);
    if (h === undefined) {
      const from = this.expected(source);
      this.stats.gapsDetected++;
      h = this.newHeld(source, from, seq - 1n);
      this.held.set(source, h);
      this.opts.requestRetransmit(source, from, seq - 1n);
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
        this.opts.deliver(m, 0, m.length);
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
      this.noteTimestamp(source, viewsOf(msg).dv, msg.byteOffset);
      this.opts.deliver(msg, 0, msg.length);
      this.setExpectedBig(source, exp + 1n);
    } else if (seq < exp) {
      this.stats.duplicates++;
    } else {
      this.holdBack(source, msg, seq);
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
    this.opts.log.warn("giving up on a gap", { source, from: exp, to: next - 1n, why });
    this.skipped.set(source, { from: exp, to: next - 1n });
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
}

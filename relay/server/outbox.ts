/**
 * The relay's per-subscriber outgoing queue: zero-copy slices of received chunks, coalesced when
 * adjacent, written in batches, bounded in bytes with drop-oldest and Gap notices.
 *
 * Flow: messages are added during the processing of one read chunk ({@link Outbox.add}); the relay then
 * calls {@link Outbox.flush}. While the socket has room (its pending bytes below the write window) the
 * batch goes straight to it. Otherwise it waits in the backlog; past `maxQueueBytes` the oldest
 * messages are dropped, their sources' sequence ranges remembered, and Gap notices (reason 2, slow
 * consumer) are written ahead of the rest of the backlog once the socket drains — so the subscriber
 * learns exactly what it missed, in stream order. A backlog that stays non-empty since its first drop
 * for longer than the relay's limit gets the subscriber disconnected (see {@link Outbox.overflowSince}).
 *
 * Slices normally reference the read chunk they arrived in. A small slice that has to wait is copied
 * first, so a slow subscriber with a narrow filter cannot pin many large chunks. Slices of a lent chunk
 * (rewritten after it is handled: `acceptsLent` in relay/transport/types.ts) are copied when they would
 * outlive {@link Outbox.flush}: all of them when they wait, and the batch (as one array) when the
 * connection may hold what it is given ({@link Connection.copiesWrites} not set).
 *
 * @module
 */

import { concat, GapField, HEADER_SIZE, HeaderOffset, viewsOf } from "../../protocol/mod.ts";
import { gapValueAt } from "../wire/control.ts";
import type { Connection } from "../transport/types.ts";
import { clearKeepingCapacity } from "../../core/array-reuse.ts";

/** Bytes of a Gap TLV's value. */
const GAP_VALUE_SIZE = GapField.toSequence + 8;

/** Receives the per-source sequence ranges a discarded queue held (see {@link Outbox.discard}). */
export interface DiscardSink {
  /** `source`'s sequences `from..to` were never delivered. */
  note(source: number, from: bigint, to: bigint): void;
}

/** Sequence range (two u32 words each) of one source's dropped messages. */
interface DroppedRange {
  fromHi: number;
  fromLo: number;
  toHi: number;
  toLo: number;
}

/** Settings of an {@link Outbox}. */
export interface OutboxOptions {
  /** Most bytes waiting in the backlog before the oldest are dropped. */
  maxQueueBytes: number;
  /** Bytes the socket itself may hold before the outbox keeps messages back. */
  windowBytes: number;
  /** Builds the Gap notice for `source`'s dropped `from..to`. */
  makeGap(source: number, from: bigint, to: bigint): Uint8Array;
  /** Counts `count` dropped messages of `bytes` bytes. */
  onDrop(count: number, bytes: number): void;
  /** Counts `count` messages of `bytes` bytes that were still queued when the connection went away. */
  onDiscard?(count: number, bytes: number): void;
}

/**
 * Number of whole messages in `s` (headers walked; used only when a connection goes away); with `sink`,
 * each message's source and sequence is noted — for a Gap notice, the range it announces instead (the
 * subscriber never learned of that loss either).
 */
function countMessages(s: Uint8Array, sink?: DiscardSink): number {
  const { u8, dv } = viewsOf(s);
  const end = s.byteOffset + s.length;
  let p = s.byteOffset;
  let n = 0;
  while (p + HEADER_SIZE <= end) {
    const len = HEADER_SIZE + dv.getUint32(p + HeaderOffset.payloadSize, true);
    if (sink !== undefined && p + len <= end) {
      const v = gapValueAt(u8, dv, p);
      if (v >= 0 && v + GAP_VALUE_SIZE <= p + len) {
        sink.note(dv.getUint16(v + GapField.source, true), dv.getBigUint64(v + GapField.fromSequence, true), dv.getBigUint64(v + GapField.toSequence, true));
      } else {
        const sq = dv.getBigUint64(p + HeaderOffset.sequence, true);
        sink.note(dv.getUint16(p + HeaderOffset.source, true), sq, sq);
      }
    }
    p += len;
    n++;
  }
  return n;
}

/** What a slice holds when all its messages come from one source (else {@link UNKNOWN_META}). */
interface SliceMeta {
  source: number;
  count: number;
  firstHi: number;
  firstLo: number;
  lastHi: number;
  lastLo: number;
}

const MIXED = -1;
const UNKNOWN_META: SliceMeta = { source: MIXED, count: 0, firstHi: 0, firstLo: 0, lastHi: 0, lastLo: 0 };

function seq(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Outgoing queue of one subscriber connection. */
export class Outbox {
  private readonly conn: Connection;
  private readonly opts: OutboxOptions;
  // The slice being built: [curStart, curEnd) of curBuf (absolute offsets).
  private curBuf: ArrayBufferLike | undefined;
  private curStart = 0;
  private curEnd = 0;
  private curCount = 0;
  private curSource = MIXED;
  private curFirstHi = 0;
  private curFirstLo = 0;
  private curLastHi = 0;
  private curLastLo = 0;
  private batch: Uint8Array[] = [];
  private batchMeta: SliceMeta[] = [];
  private batchBytes = 0;
  /** The batch has slices of a lent chunk. */
  private batchLent = false;
  private backlog: Uint8Array[] = [];
  private backlogMeta: SliceMeta[] = [];
  private backlogHead = 0;
  private headOff = 0;
  private backlogBytesCount = 0;
  private readonly gaps = new Map<number, DroppedRange>();
  // The range last noted, so runs of one source skip the map lookup.
  private lastSource = -1;
  private lastRange: DroppedRange | undefined;
  private readonly out: Uint8Array[] = [];
  /** Inside `pump`'s write; a pump asked for meanwhile runs right after it (`pumpAgain`). */
  private writing = false;
  private pumpAgain = false;
  /** `performance.now()` of the first drop of the current overflow; 0 when not overflowing. */
  overflowSince = 0;
  /** Messages dropped from this queue in total. */
  dropped = 0;

  /** @param conn the subscriber's connection @param opts limits and callbacks */
  constructor(conn: Connection, opts: OutboxOptions) {
    this.conn = conn;
    this.opts = opts;
  }

  /** Bytes waiting in the backlog (not yet handed to the socket). */
  get backlogBytes(): number {
    return this.backlogBytesCount;
  }

  /**
   * Adds the message at absolute offset `abs` of `buf` (`len` bytes; referenced, not copied) to the
   * current batch; `source` and its sequence `hi:lo` let a whole slice of one source be dropped without
   * reading it again. `lent`: `buf` is rewritten after the chunk, so flush the batch before that.
   */
  add(buf: ArrayBufferLike, abs: number, len: number, source: number, hi: number, lo: number, lent = false): void {
    if (lent) this.batchLent = true;
    if (buf === this.curBuf && abs === this.curEnd) {
      this.curEnd += len;
      this.curCount++;
      if (source !== this.curSource) this.curSource = MIXED;
      this.curLastHi = hi;
      this.curLastLo = lo;
      return;
    }
    if (this.curBuf !== undefined) this.closeSlice();
    this.curBuf = buf;
    this.curStart = abs;
    this.curEnd = abs + len;
    this.curCount = 1;
    this.curSource = source;
    this.curFirstHi = this.curLastHi = hi;
    this.curFirstLo = this.curLastLo = lo;
  }

  /** Adds bytes the outbox may keep as they are (already a private copy, e.g. a retransmission). */
  addOwned(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.curBuf !== undefined) this.closeSlice();
    this.batch.push(bytes);
    this.batchMeta.push(UNKNOWN_META);
    this.batchBytes += bytes.length;
  }

  private closeSlice(): void {
    const s = new Uint8Array(this.curBuf!, this.curStart, this.curEnd - this.curStart);
    this.batch.push(s);
    this.batchMeta.push(
      this.curSource === MIXED
        ? UNKNOWN_META
        : { source: this.curSource, count: this.curCount, firstHi: this.curFirstHi, firstLo: this.curFirstLo, lastHi: this.curLastHi, lastLo: this.curLastLo },
    );
    this.batchBytes += s.length;
    this.curBuf = undefined;
  }

  /** Sends the current batch if the socket has room, else queues it (dropping the oldest past the limit). */
  flush(): void {
    if (this.curBuf !== undefined) this.closeSlice();
    if (this.batch.length === 0) return;
    const conn = this.conn;
    if (conn.closed) {
      this.discard();
      return;
    }
    const lent = this.batchLent;
    this.batchLent = false;
    if (this.backlogBytesCount === 0 && this.gaps.size === 0 && conn.pendingBytes < this.opts.windowBytes) {
      if (lent && conn.copiesWrites !== true) this.joinBatch();
      else if (conn.pendingBytes > 0) this.compactBatch();
      conn.write(this.batch);
      clearKeepingCapacity(this.batch);
      clearKeepingCapacity(this.batchMeta);
      this.batchBytes = 0;
      return;
    }
    if (lent) this.copyBatch();
    else this.compactBatch();
    for (let i = 0; i < this.batch.length; i++) {
      this.backlog.push(this.batch[i]!);
      this.backlogMeta.push(this.batchMeta[i]!);
    }
    this.backlogBytesCount += this.batchBytes;
    clearKeepingCapacity(this.batch);
    clearKeepingCapacity(this.batchMeta);
    this.batchBytes = 0;
    if (this.backlogBytesCount > this.opts.maxQueueBytes) this.dropOldest();
    this.pump();
  }

  /**
   * Forgets everything still held for this subscriber (its connection is gone) and counts it through
   * `onDiscard`, so no queued message disappears uncounted. Returns how many messages that was. With
   * `sink`, every source's discarded sequences are noted — the queued messages, and the ranges dropped
   * for back-pressure whose Gap notices were not written yet — so they can be answered when the
   * subscriber comes back (relay/discard-memory.ts).
   */
  discard(sink?: DiscardSink): number {
    if (this.curBuf !== undefined) this.closeSlice();
    let count = 0;
    let bytes = 0;
    if (sink !== undefined) {
      for (const [source, r] of this.gaps) sink.note(source, seq(r.fromHi, r.fromLo), seq(r.toHi, r.toLo));
    }
    for (const s of this.batch) {
      count += countMessages(s, sink);
      bytes += s.length;
    }
    for (let i = this.backlogHead; i < this.backlog.length; i++) {
      const s = i === this.backlogHead && this.headOff > 0 ? this.backlog[i]!.subarray(this.headOff) : this.backlog[i]!;
      count += countMessages(s, sink);
      bytes += s.length;
    }
    this.batch.length = 0;
    this.batchMeta.length = 0;
    this.batchBytes = 0;
    this.batchLent = false;
    this.backlog = [];
    this.backlogMeta = [];
    this.backlogHead = 0;
    this.headOff = 0;
    this.backlogBytesCount = 0;
    this.gaps.clear();
    if (count > 0) {
      this.dropped += count;
      this.opts.onDiscard?.(count, bytes);
    }
    return count;
  }

  /** Moves backlog to the socket while it has room. Call when the socket drained. */
  pump(): void {
    if (this.writing) {
      this.pumpAgain = true;
      return;
    }
    const conn = this.conn;
    if (conn.closed) return;
    const window = this.opts.windowBytes;
    if (conn.pendingBytes >= window) return;
    const out = this.out;
    if (this.gaps.size > 0) {
      for (const [source, r] of this.gaps) out.push(this.opts.makeGap(source, seq(r.fromHi, r.fromLo), seq(r.toHi, r.toLo)));
      this.gaps.clear();
      this.lastRange = undefined;
      this.lastSource = -1;
    }
    let budget = window - conn.pendingBytes;
    while (budget > 0 && this.backlogHead < this.backlog.length) {
      let s = this.backlog[this.backlogHead]!;
      if (this.headOff > 0) s = s.subarray(this.headOff);
      this.backlog[this.backlogHead] = undefined as unknown as Uint8Array;
      this.backlogHead++;
      this.headOff = 0;
      out.push(s);
      this.backlogBytesCount -= s.length;
      budget -= s.length;
    }
    this.compactBacklog();
    if (out.length > 0) {
      // A transport must not say drain from inside write (types.ts), but if one did, the re-entered pump
      // would append to `out` while this write still holds it and send its batch twice: it waits instead.
      this.writing = true;
      try {
        conn.write(out);
      } finally {
        this.writing = false;
        clearKeepingCapacity(out);
      }
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.pump();
      }
    }
  }

  private compactBacklog(): void {
    if (this.backlogHead === this.backlog.length) {
      this.backlog.length = 0;
      this.backlogMeta.length = 0;
      this.backlogHead = 0;
      this.overflowSince = 0;
    } else if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogMeta = this.backlogMeta.slice(this.backlogHead);
      this.backlogHead = 0;
    }
  }

  /** Copies the small slices of the batch so waiting data does not pin whole read chunks. */
  private compactBatch(): void {
    const b = this.batch;
    for (let i = 0; i < b.length; i++) {
      const s = b[i]!;
      if (s.length * 4 < s.buffer.byteLength) b[i] = s.slice();
    }
  }

  /** Copies every slice of the batch (it has slices of a lent chunk, and is about to wait). */
  private copyBatch(): void {
    const b = this.batch;
    for (let i = 0; i < b.length; i++) b[i] = b[i]!.slice();
  }

  /** Replaces the batch with one copy of it (it has slices of a lent chunk, for a connection that may hold it). */
  private joinBatch(): void {
    const b = this.batch;
    const one = concat(b);
    clearKeepingCapacity(b);
    clearKeepingCapacity(this.batchMeta);
    b.push(one);
    this.batchMeta.push(UNKNOWN_META);
  }

  /** Drops whole messages from the backlog head until it fits, remembering their sequence ranges. */
  private dropOldest(): void {
    const max = this.opts.maxQueueBytes;
    let count = 0;
    let bytes = 0;
    while (this.backlogBytesCount > max && this.backlogHead < this.backlog.length) {
      const s = this.backlog[this.backlogHead]!;
      const meta = this.backlogMeta[this.backlogHead]!;
      if (this.headOff === 0 && meta.source !== MIXED && this.backlogBytesCount - s.length >= max) {
        // A whole slice of one source goes: its range is known without reading it.
        this.noteDropped(meta.source, meta.firstHi, meta.firstLo);
        this.noteDropped(meta.source, meta.lastHi, meta.lastLo);
        this.backlogBytesCount -= s.length;
        count += meta.count;
        bytes += s.length;
        this.backlog[this.backlogHead] = undefined as unknown as Uint8Array;
        this.backlogHead++;
        continue;
      }
      const { dv } = viewsOf(s);
      const end = s.byteOffset + s.length;
      let base = s.byteOffset + this.headOff;
      // Walk this entry's messages (headers only) until enough is dropped or the entry is used up.
      while (base < end && this.backlogBytesCount > max) {
        const len = HEADER_SIZE + dv.getUint32(base + HeaderOffset.payloadSize, true);
        this.noteDropped(
          dv.getUint16(base + HeaderOffset.source, true),
          dv.getUint32(base + HeaderOffset.sequence + 4, true),
          dv.getUint32(base + HeaderOffset.sequence, true),
        );
        base += len;
        this.backlogBytesCount -= len;
        count++;
        bytes += len;
      }
      if (base >= end) {
        this.backlog[this.backlogHead] = undefined as unknown as Uint8Array;
        this.backlogHead++;
        this.headOff = 0;
      } else {
        this.headOff = base - s.byteOffset;
      }
    }
    if (count > 0) {
      this.dropped += count;
      if (this.overflowSince === 0) this.overflowSince = performance.now();
      this.opts.onDrop(count, bytes);
    }
  }

  private noteDropped(source: number, hi: number, lo: number): void {
    let r = this.lastRange;
    if (r === undefined || this.lastSource !== source) {
      r = this.gaps.get(source);
      if (r === undefined) {
        r = { fromHi: hi, fromLo: lo, toHi: hi, toLo: lo };
        this.gaps.set(source, r);
      }
      this.lastSource = source;
      this.lastRange = r;
    }
    if (hi > r.toHi || (hi === r.toHi && lo > r.toLo)) {
      r.toHi = hi;
      r.toLo = lo;
    }
    if (hi < r.fromHi || (hi === r.fromHi && lo < r.fromLo)) {
      r.fromHi = hi;
      r.fromLo = lo;
    }
  }
}

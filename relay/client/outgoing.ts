/**
 * The relay client's outgoing side: messages are copied into a batch at once (the caller may reuse its
 * buffer) and one write per tick hands the batch to the socket. While the relay is away or its socket is
 * backed up, batches wait in a bounded buffer; past the bound the oldest messages are dropped and
 * counted. The most recent written batches are kept (bounded) and written again after a reconnect,
 * because a relay that died may not have processed them; relays and subscribers drop the duplicates by
 * sequence.
 *
 * @example
 * ```ts
 * const out = new OutgoingBatches({ connection: () => (ready ? conn : undefined), stats, log });
 * out.publishFrom(builder.bytes, 0, length);
 * await out.flush();
 * ```
 * @module
 */

import { ChunkViews, HEADER_SIZE, HeaderOffset, viewsOf } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";
import type { Connection } from "../transport/types.ts";
import { queueSettledMicrotask, rethrowUncaught } from "../../core/microtask.ts";
import { Fifo } from "../../core/fifo.ts";
import { ResendWindow } from "./resend-window.ts";

const BATCH_SIZE = 256 * 1024;
const FLUSH_AT = 64 * 1024;

/** The counters {@link OutgoingBatches} updates (a subset of the client's stats). */
export interface OutgoingStats {
  published: number;
  droppedOutgoing: number;
}

/** Settings of {@link OutgoingBatches}. */
export interface OutgoingOptions {
  /** The connection to write to, or `undefined` while there is no greeted connection. */
  connection: () => Connection | undefined;
  /** Counters to update. */
  stats: OutgoingStats;
  /** Where drops are logged. */
  log: Logger;
  /** Bytes of unsent messages kept while the relay is away or backed up (default 8 MiB). */
  outBufferBytes?: number;
  /** Bytes of recently written messages re-sent after a reconnect (default 4 MiB). */
  resendBytes?: number;
  /** Socket bytes pending above which new batches wait in the buffer (default 1 MiB). */
  highWaterBytes?: number;
}

/** Number of whole messages in chunks of back-to-back messages. */
function countMessages(chunks: Fifo<Uint8Array>): number {
  let n = 0;
  chunks.forEach((c) => {
    const { dv } = viewsOf(c);
    for (let p = c.byteOffset, end = c.byteOffset + c.length; p < end; n++) p += HEADER_SIZE + dv.getUint32(p + HeaderOffset.payloadSize, true);
  });
  return n;
}

/** Batches, buffers and re-sends a client's published messages. */
export class OutgoingBatches {
  private readonly opts: OutgoingOptions;
  private readonly stats: OutgoingStats;
  private readonly outLimit: number;
  private readonly highWater: number;
  private batch = new Uint8Array(BATCH_SIZE);
  private batchDv = new DataView(this.batch.buffer);
  private batchStart = 0;
  private batchPos = 0;
  private flushQueued = false;
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    try {
      this.flushBatch();
    } catch (e) {
      rethrowUncaught(e);
    }
  };
  private readonly pending = new Fifo<Uint8Array>();
  private pendingBytes = 0;
  private readonly resend: ResendWindow;
  private drainWaiters: (() => void)[] = [];
  // The array published from last (usually the same builder buffer), with its views and byte offset.
  private readonly src = new ChunkViews();
  /** Set when the client closes: later publishes are ignored. */
  closed = false;

  /** @param options connection access, counters and limits */
  constructor(options: OutgoingOptions) {
    this.opts = options;
    this.stats = options.stats;
    this.outLimit = options.outBufferBytes ?? 8 * 1024 * 1024;
    this.resend = new ResendWindow(options.resendBytes ?? 4 * 1024 * 1024);
    this.highWater = options.highWaterBytes ?? 1024 * 1024;
  }

  /** Bytes waiting to be written (the current batch, the buffer, and the socket's own queue). */
  get queuedBytes(): number {
    const conn = this.opts.connection();
    return this.batchPos - this.batchStart + this.pendingBytes + (conn ? conn.pendingBytes : 0);
  }

  /** Queues the message `bytes[offset, offset+length)` (copied now). */
  publishFrom(bytes: Uint8Array, offset: number, length: number): void {
    if (this.closed) return;
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
      const from = this.src.of(bytes);
      const u8 = from.u8;
      const dv = from.dv;
      const src = from.base + offset;
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
      queueSettledMicrotask(this.flushNow); // once per published message in a strategy answering each input
    }
  }

  /** Hands the current batch to the socket now (normally done once per tick by itself). */
  flushBatch(): void {
    if (this.batchPos === this.batchStart) return;
    const chunk = this.batch.subarray(this.batchStart, this.batchPos);
    this.batchStart = this.batchPos;
    const conn = this.opts.connection();
    if (conn !== undefined && this.pending.length === 0 && conn.pendingBytes < this.highWater) {
      this.writeData(conn, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.outLimit) this.dropOldestPending();
  }

  /** Resolves once everything published so far has been handed to the kernel (waits for a reconnect if needed). */
  flush(): Promise<void> {
    this.flushBatch();
    const conn = this.opts.connection();
    if (conn !== undefined && this.pending.length === 0 && conn.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.pump();
    });
  }

  /** Writes buffered batches while the socket has room; wakes {@link flush} waiters once all is out. */
  pump(): void {
    const conn = this.opts.connection();
    if (conn === undefined) return;
    while (this.pending.length > 0 && conn.pendingBytes < this.highWater) {
      const c = this.pending.shift()!;
      this.pendingBytes -= c.length;
      this.writeData(conn, c);
    }
    if (this.pending.length === 0 && conn.pendingBytes === 0 && this.batchPos === this.batchStart) this.wakeDrainWaiters();
  }

  /** A new connection is greeted: writes the recent batches again, then the buffer and the current batch. */
  reconnected(conn: Connection): void {
    const again = this.resend.takeAll();
    for (const c of again) this.writeData(conn, c);
    this.pump();
    this.flushBatch();
  }

  /** Closing: refuses later publishes, counts what could not be sent as dropped and forgets it. */
  discardUnsent(): number {
    this.closed = true;
    this.flushBatch();
    const unsent = countMessages(this.pending);
    this.stats.droppedOutgoing += unsent;
    this.pending.clear();
    this.pendingBytes = 0;
    return unsent;
  }

  /** Resolves every pending {@link flush} (the client is closed: nothing more will be written). */
  wakeDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private writeData(conn: Connection, chunk: Uint8Array): void {
    conn.write([chunk]);
    this.resend.add(chunk);
  }

  private dropOldestPending(): void {
    let dropped = 0;
    while (this.pendingBytes > this.outLimit && this.pending.length > 0) {
      const head = this.pending.peek()!;
      const { dv } = viewsOf(head);
      const len = HEADER_SIZE + dv.getUint32(head.byteOffset + HeaderOffset.payloadSize, true);
      dropped++;
      this.pendingBytes -= len;
      if (len >= head.length) this.pending.shift();
      else this.pending.replaceFront(head.subarray(len));
    }
    if (dropped > 0) {
      if (this.stats.droppedOutgoing === 0) this.opts.log.warn("outgoing buffer full, dropping oldest messages", { limitBytes: this.outLimit });
      this.stats.droppedOutgoing += dropped;
    }
  }
}

/**
 * The bytes a relay client wrote most recently, kept to be written again after a reconnect (a relay
 * that died may not have processed them). Bounded by bytes: the oldest segments go once the rest still
 * holds `limit` bytes.
 *
 * A write that continues the previous one in the same buffer (each tick's slice of the client's batch
 * buffer follows the last) only moves the end of the open segment: no object is kept per write. Keeping
 * one array view per write held tens of thousands of small objects alive for minutes when a publisher
 * flushed one message at a time; they all reached the old generation and every one evicted there was
 * garbage for a major GC to mark (the paced 10 k msgs/s rounds of `ap bench e2e` grew the live heap by
 * ~1.2 MB a second until the bound).
 *
 * @example
 * ```ts
 * const recent = new ResendWindow(4 * 1024 * 1024);
 * recent.add(batch.subarray(0, 120));
 * recent.add(batch.subarray(120, 300)); // extends the same segment
 * for (const chunk of recent.takeAll()) conn.write([chunk]);
 * ```
 * @module
 */

import { Fifo } from "../../core/fifo.ts";

/** Most recently written bytes, as few segments as the writes allow. */
export class ResendWindow {
  private readonly limit: number;
  private readonly sealed = new Fifo<Uint8Array>();
  private sealedBytes = 0;
  private open: ArrayBufferLike | undefined;
  private openStart = 0;
  private openEnd = 0;

  /** @param limit bytes kept at least (when written); older segments beyond it are forgotten */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.sealedBytes + this.openEnd - this.openStart;
  }

  /** Segments held (sealed ones and the open one). */
  get segments(): number {
    return this.sealed.length + (this.open === undefined ? 0 : 1);
  }

  /** Keeps `chunk`, just written (not copied: the caller never writes into written bytes again). */
  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const open = this.open;
    if (chunk.buffer === open && chunk.byteOffset === this.openEnd) {
      this.openEnd += chunk.length;
    } else {
      this.seal();
      this.open = chunk.buffer;
      this.openStart = chunk.byteOffset;
      this.openEnd = chunk.byteOffset + chunk.length;
    }
    this.evict();
  }

  /** Removes and returns everything held, oldest first. */
  takeAll(): Uint8Array[] {
    this.seal();
    this.sealedBytes = 0;
    return this.sealed.takeAll();
  }

  private seal(): void {
    const open = this.open;
    if (open === undefined) return;
    this.sealed.push(new Uint8Array(open, this.openStart, this.openEnd - this.openStart));
    this.sealedBytes += this.openEnd - this.openStart;
    this.open = undefined;
    this.openStart = this.openEnd = 0;
  }

  private evict(): void {
    while (this.sealed.length > 0 && this.bytes - this.sealed.peek()!.length >= this.limit) {
      this.sealedBytes -= this.sealed.shift()!.length;
    }
  }
}

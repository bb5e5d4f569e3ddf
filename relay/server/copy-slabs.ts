/**
 * The arrays the relay's retransmission rings copy lent messages into (relay/server/source-ring.ts),
 * handed back for reuse once a ring evicted every message in one.
 *
 * Why: a chunk lent by its connection (`ConnectionHandlers.acceptsLent`, the ring transport) is rewritten
 * after it is handled, so a ring keeps a copy of each message. Fresh memory for those copies is what the
 * lending saves the reader from — at 3 M messages a second a few hundred MB/s the collector has to
 * promote and mark, since a ring keeps its messages for a while — so the full-size slabs go round: a ring
 * fills one, evicts it whole in time, and the next ring to need one takes it from here. A ring's first
 * slabs are small (1 KiB, doubling), so a relay with many quiet sources does not hold a full slab for
 * each; only full-size slabs come back, at most {@link CopySlabs.keep} of them, the rest left to the
 * collector.
 *
 * @example
 * ```ts
 * const slabs = new CopySlabs();
 * const slab = slabs.take(1024); // 1 KiB: a ring's first
 * const full = slabs.take(COPY_SLAB_BYTES);
 * slabs.give(full.buffer); // back for the next ring
 * ```
 * @module
 */

/** Bytes of a full-size copy slab (the size that is reused). */
export const COPY_SLAB_BYTES = 32 * 1024;

/** Bytes of a ring's first copy slab; each next one is twice the last, up to {@link COPY_SLAB_BYTES}. */
export const FIRST_COPY_SLAB_BYTES = 1024;

/** Full-size slabs kept for reuse by default (2 MiB). */
export const DEFAULT_KEPT_SLABS = 64;

/** The pool of full-size copy slabs of one relay. */
export class CopySlabs {
  /** Most free slabs kept. */
  readonly keep: number;
  private readonly free: ArrayBuffer[] = [];
  private reused = 0;

  /** @param keep most free full-size slabs kept for reuse */
  constructor(keep = DEFAULT_KEPT_SLABS) {
    this.keep = keep;
  }

  /** Free slabs waiting for reuse. */
  get size(): number {
    return this.free.length;
  }

  /** Slabs handed out again rather than allocated. */
  get reuses(): number {
    return this.reused;
  }

  /** An array of `bytes` (at least; a full-size one comes from the pool when it has one). */
  take(bytes: number): Uint8Array {
    if (bytes === COPY_SLAB_BYTES) {
      const b = this.free.pop();
      if (b !== undefined) {
        this.reused++;
        return new Uint8Array(b);
      }
    }
    return new Uint8Array(bytes);
  }

  /** `buf` (a slab from {@link take}) holds nothing anyone reads any more: reuse it if it is full-size. */
  give(buf: ArrayBufferLike): void {
    if (buf.byteLength === COPY_SLAB_BYTES && this.free.length < this.keep) this.free.push(buf as ArrayBuffer);
  }
}

/**
 * A bounded ring of one source's recent messages, in sequence order, kept to answer RetransmitRequest.
 *
 * Zero-copy: an entry references the received chunk its message arrived in (chunks are never reused,
 * see the transport contract) — except a message of a lent chunk (`ConnectionHandlers.acceptsLent`),
 * which is copied into the ring's own slab ({@link SourceRing.pushCopy}; slabs come from and go back to
 * a {@link CopySlabs} pool, relay/server/copy-slabs.ts). The bound is on memory actually kept alive: each
 * run of consecutive entries in the same underlying buffer counts that buffer's whole size once, and the
 * oldest entries are evicted while the total exceeds `maxBytes`. A source that fills its chunks costs
 * about its message bytes; one that shares big chunks with others costs the chunks — either way memory
 * stays bounded.
 * Sequences are u64 handled as two u32 words (no bigint per message).
 *
 * Rings of one relay share chunks (one read chunk carries messages of many sources), so a ring also
 * reports each run's chunk to a {@link ChunkLedger} that counts every chunk once across all rings — the
 * relay-wide budget is enforced on that honest figure (relay/ring-store.ts).
 *
 * @module
 */

import type { RingRange } from "./ring-range.ts";
import { COPY_SLAB_BYTES, type CopySlabs, FIRST_COPY_SLAB_BYTES } from "./copy-slabs.ts";

/**
 * Counts the chunks rings keep alive, each once however many rings reference it. A ring calls
 * `retain(buf)` when a run of its entries starts in `buf` and `release(buf)` when that run is gone, and
 * `index(delta)` when its own index arrays grow ({@link SourceRing.indexBytes}).
 */
export interface ChunkLedger {
  /** One more run of entries references `buf`. */
  retain(buf: ArrayBufferLike): void;
  /** One run of entries referencing `buf` is gone. */
  release(buf: ArrayBufferLike): void;
  /** A ring's index arrays grew by about `delta` bytes. */
  index(delta: number): void;
  /** `ring` took places for copies it has not made yet: call its `endCopies` before the source is rewritten. */
  copyPending?(ring: SourceRing): void;
}

/**
 * Estimated bytes of a ring's own structures: a fixed part (the object, its arrays) plus 20 bytes per
 * entry slot (start 8, length 4, two sequence words 8) and 13 per run slot (buffer reference 8, entry
 * count 4, copy-slab flag 1). Measured: 20 000 one-message sources grew a relay by about 2.5 KiB each on Node and Deno, of
 * which 74 bytes were data.
 */
const INDEX_BASE_BYTES = 1024;
const INDEX_BYTES_PER_ENTRY = 20;
const INDEX_BYTES_PER_RUN = 13;

// Small to start with (they double as needed): a relay may see many sources that send little.
const INITIAL_ENTRIES = 32;
const INITIAL_RUNS = 8;

function seqOf(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Recent messages of one source. Entries (offset, length, sequence) sit in typed arrays; the chunks they
 * are in are kept once per run of consecutive entries in the same chunk, not once per entry: a ring that
 * grows (a new source) or turns over allocates no per-message object the garbage collector has to
 * promote and later mark (one chunk reference per entry cost a JS array as long as the ring, re-grown for
 * every new source).
 */
export class SourceRing {
  private readonly maxBytes: number;
  private starts: Float64Array;
  private lens: Int32Array;
  private seqLo: Uint32Array;
  private seqHi: Uint32Array;
  private head = 0;
  private count = 0;
  private runBufs: (ArrayBufferLike | undefined)[];
  private runLens: Int32Array;
  /** 1 where the run is in one of this ring's copy slabs (given back when the run ends). */
  private runOwned: Uint8Array;
  private runHead = 0;
  private runCount = 0;
  private pinned = 0;
  private readonly ledger: ChunkLedger | undefined;
  private readonly slabs: CopySlabs | undefined;
  /** The copy slab being filled (see {@link pushCopy}), and where its free part starts. */
  private fill: Uint8Array | undefined;
  private fillBuf: ArrayBufferLike | undefined;
  private fillAt = 0;
  /** Bytes `pendFrom..pendTo` of `pendSrc` still to be copied to `pendAt` of `fill` ({@link flushCopies}). */
  private pendSrc: Uint8Array | undefined;
  private pendFrom = 0;
  private pendTo = 0;
  private pendAt = 0;
  /** The ledger was told of pending copies and has not called {@link endCopies} since. */
  private listed = false;
  private nextSlabBytes: number;
  private readonly slabCap: number;

  /**
   * @param maxBytes most bytes of received chunks kept alive by this ring
   * @param ledger told of every run of entries that starts or ends in a chunk (relay-wide accounting)
   * @param slabs where copies of lent messages go (default: fresh arrays, left to the collector)
   */
  constructor(maxBytes: number, ledger?: ChunkLedger, slabs?: CopySlabs) {
    this.maxBytes = Math.max(1024, maxBytes);
    this.ledger = ledger;
    this.slabs = slabs;
    // A slab is pinned whole: at most a quarter of the ring's bound, so a small ring still keeps several.
    this.slabCap = Math.max(256, Math.min(COPY_SLAB_BYTES, this.maxBytes >> 2));
    this.nextSlabBytes = Math.min(FIRST_COPY_SLAB_BYTES, this.slabCap);
    this.starts = new Float64Array(INITIAL_ENTRIES);
    this.lens = new Int32Array(INITIAL_ENTRIES);
    this.seqLo = new Uint32Array(INITIAL_ENTRIES);
    this.seqHi = new Uint32Array(INITIAL_ENTRIES);
    this.runBufs = new Array<ArrayBufferLike | undefined>(INITIAL_RUNS);
    this.runLens = new Int32Array(INITIAL_RUNS);
    this.runOwned = new Uint8Array(INITIAL_RUNS);
    ledger?.index(this.indexBytes);
  }

  /** Messages held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of received chunks this ring keeps alive. */
  get pinnedBytes(): number {
    return this.pinned;
  }

  /** Estimated bytes of this ring's own index structures (not the chunks it keeps alive). */
  get indexBytes(): number {
    return INDEX_BASE_BYTES + INDEX_BYTES_PER_ENTRY * this.starts.length + INDEX_BYTES_PER_RUN * this.runBufs.length;
  }

  /** Forgets everything (the source restarted its sequence). */
  clear(): void {
    while (this.count > 0) this.evict();
  }

  /** Evicts the oldest held message (no-op when empty); a later request for it is answered with a Gap. */
  evictOldest(): void {
    if (this.count > 0) this.evict();
  }

  /**
   * Keeps the message at absolute offset `start` of `buf` (`len` bytes) with sequence `hi:lo` (sequences
   * must increase). Takes the buffer and absolute offset, not a byte array, so the hot path reads no
   * typed-array getters per message.
   */
  push(buf: ArrayBufferLike, start: number, len: number, hi: number, lo: number): void {
    let cap = this.starts.length;
    if (this.count === cap) {
      this.growEntries();
      cap = this.starts.length;
    }
    const idx = (this.head + this.count) & (cap - 1);
    this.starts[idx] = start;
    this.lens[idx] = len;
    this.seqLo[idx] = lo;
    this.seqHi[idx] = hi;
    this.count++;
    const last = (this.runHead + this.runCount - 1) & (this.runBufs.length - 1);
    if (this.runCount > 0 && this.runBufs[last] === buf) this.runLens[last]!++;
    else this.startRun(buf);
    while (this.pinned > this.maxBytes && this.count > 1) this.evict();
  }

  /**
   * Keeps a copy of the message at absolute offset `start` of `src` (`len` bytes; `src` views a whole
   * buffer, as the relay's chunk views do) with sequence `hi:lo`: for a lent chunk, rewritten once handled.
   * Its place in this ring's current slab is taken now (a new slab when the current one is full, or was
   * left because a message in another buffer was pushed after it: each slab holds one run of entries and
   * is free exactly when that run is evicted); the bytes are copied by {@link flushCopies}, which the
   * owner calls before `src` is rewritten — one copy per stretch of consecutive messages (a `set` of a
   * 74-byte message cost ~40 ns, as much as the rest of the push). {@link collect} flushes first.
   */
  pushCopy(src: Uint8Array, start: number, len: number, hi: number, lo: number): void {
    let at = this.fillAt;
    if (this.fillBuf === undefined || at + len > this.fillBuf.byteLength) {
      this.flushCopies();
      this.newSlab(len);
      at = 0;
    }
    if (src === this.pendSrc && start === this.pendTo) this.pendTo += len;
    else this.startCopy(src, start, len, at);
    this.fillAt = at + len;
    this.push(this.fillBuf!, at, len, hi, lo);
  }

  private startCopy(src: Uint8Array, start: number, len: number, at: number): void {
    if (this.pendSrc !== undefined) this.flushCopies();
    if (!this.listed) {
      this.listed = true;
      this.ledger?.copyPending?.(this);
    }
    this.pendSrc = src;
    this.pendFrom = start;
    this.pendTo = start + len;
    this.pendAt = at;
  }

  /** {@link flushCopies}, by the ledger told of them (`copyPending`): it may be told again. */
  endCopies(): void {
    this.listed = false;
    this.flushCopies();
  }

  /** Copies what {@link pushCopy} took a place for and has not copied yet. */
  flushCopies(): void {
    const src = this.pendSrc;
    if (src === undefined) return;
    this.pendSrc = undefined;
    this.fill!.set(src.subarray(this.pendFrom, this.pendTo), this.pendAt);
  }

  private newSlab(len: number): void {
    const bytes = Math.max(len, this.nextSlabBytes);
    if (this.nextSlabBytes < this.slabCap) this.nextSlabBytes = Math.min(this.slabCap, this.nextSlabBytes * 2);
    const slab = this.slabs !== undefined ? this.slabs.take(bytes) : new Uint8Array(bytes);
    this.fill = slab;
    this.fillBuf = slab.buffer;
    this.fillAt = 0;
  }

  /** Stops filling the current slab (a run in another buffer follows its run), after its pending copy. */
  private closeSlab(): void {
    this.flushCopies();
    this.fill = undefined;
    this.fillBuf = undefined;
  }

  /** A run of entries starts in `buf` (kept out of {@link push} so that stays small enough to inline). */
  private startRun(buf: ArrayBufferLike): void {
    if (this.runCount === this.runBufs.length) this.growRuns();
    const i = (this.runHead + this.runCount) & (this.runBufs.length - 1);
    this.runBufs[i] = buf;
    if (buf === this.fillBuf) this.runOwned[i] = 1;
    else {
      this.runOwned[i] = 0;
      // Each slab holds one run, so it is free exactly when that run is evicted.
      if (this.fillBuf !== undefined) this.closeSlab();
    }
    this.runLens[i] = 1;
    this.runCount++;
    this.pinned += buf.byteLength;
    this.ledger?.retain(buf);
  }

  private evict(): void {
    this.head = (this.head + 1) & (this.starts.length - 1);
    this.count--;
    const h = this.runHead;
    if (--this.runLens[h]! === 0) {
      const b = this.runBufs[h]!;
      this.pinned -= b.byteLength;
      this.ledger?.release(b);
      if (this.runOwned[h] === 1) {
        // The slab's one run is gone: nothing reads it any more.
        if (b === this.fillBuf) {
          this.pendSrc = undefined;
          this.fill = undefined;
          this.fillBuf = undefined;
        }
        this.slabs?.give(b);
      }
      this.runBufs[h] = undefined;
      this.runHead = (h + 1) & (this.runBufs.length - 1);
      this.runCount--;
    }
  }

  private growEntries(): void {
    const cap = this.starts.length;
    const n = cap * 2;
    const starts = new Float64Array(n), lens = new Int32Array(n), lo = new Uint32Array(n), hi = new Uint32Array(n);
    for (let i = 0; i < this.count; i++) {
      const j = (this.head + i) & (cap - 1);
      starts[i] = this.starts[j]!;
      lens[i] = this.lens[j]!;
      lo[i] = this.seqLo[j]!;
      hi[i] = this.seqHi[j]!;
    }
    this.starts = starts;
    this.lens = lens;
    this.seqLo = lo;
    this.seqHi = hi;
    this.head = 0;
    this.ledger?.index(INDEX_BYTES_PER_ENTRY * cap);
  }

  private growRuns(): void {
    const cap = this.runBufs.length;
    const bufs = new Array<ArrayBufferLike | undefined>(cap * 2);
    const lens = new Int32Array(cap * 2);
    const owned = new Uint8Array(cap * 2);
    for (let i = 0; i < this.runCount; i++) {
      const j = (this.runHead + i) & (cap - 1);
      bufs[i] = this.runBufs[j];
      lens[i] = this.runLens[j]!;
      owned[i] = this.runOwned[j]!;
    }
    this.runBufs = bufs;
    this.runLens = lens;
    this.runOwned = owned;
    this.runHead = 0;
    this.ledger?.index(INDEX_BYTES_PER_RUN * cap);
  }

  /** Index (0 = oldest) of the first held entry with sequence ≥ `seq`; `count` if none. */
  private lowerBound(seq: bigint): number {
    let lo = 0;
    let hi = this.count;
    const mask = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const j = (this.head + mid) & mask;
      if (seqOf(this.seqHi[j]!, this.seqLo[j]!) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Copies the held messages with sequences in `from..to` (inclusive, `to` capped at `last`, the last
   * sequence seen from this source) and lists the parts of that range not held.
   * `accept` filters messages (a subscriber's type filter); filtered ones are neither sent nor missing.
   */
  collect(from: bigint, to: bigint, last: bigint, accept?: (message: Uint8Array) => boolean): RingRange {
    this.flushCopies();
    const end = to < last ? to : last;
    const missing: [bigint, bigint][] = [];
    if (from > end) return { bytes: new Uint8Array(0), count: 0, missing };
    const mask = this.starts.length - 1;
    const runMask = this.runBufs.length - 1;
    const picked: Uint8Array[] = [];
    let total = 0;
    let expected = from;
    const first = this.lowerBound(from);
    // The run holding entry `first`, and how many of its entries from there on.
    let run = 0;
    let left = first;
    while (run < this.runCount && left >= this.runLens[(this.runHead + run) & runMask]!) left -= this.runLens[(this.runHead + run++) & runMask]!;
    left = run < this.runCount ? this.runLens[(this.runHead + run) & runMask]! - left : 0;
    for (let i = first; i < this.count; i++, left--) {
      if (left === 0) left = this.runLens[(this.runHead + ++run) & runMask]!;
      const j = (this.head + i) & mask;
      const seq = seqOf(this.seqHi[j]!, this.seqLo[j]!);
      if (seq > end) break;
      if (seq > expected) missing.push([expected, seq - 1n]);
      expected = seq + 1n;
      const msg = new Uint8Array(this.runBufs[(this.runHead + run) & runMask]!, this.starts[j]!, this.lens[j]!);
      if (accept && !accept(msg)) continue;
      picked.push(msg);
      total += msg.length;
    }
    if (expected <= end) missing.push([expected, end]);
    const out = new Uint8Array(total);
    let w = 0;
    for (const m of picked) {
      out.set(m, w);
      w += m.length;
    }
    return { bytes: out, count: picked.length, missing };
  }
}

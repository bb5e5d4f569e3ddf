/**
 * Every source's retransmission ring ({@link SourceRing}) of one relay, under two bounds: bytes per
 * source (each ring's own limit) and bytes across all sources (`bytesTotal`, the relay-wide budget).
 *
 * Why a relay-wide budget: a ring pins the read chunks its messages arrived in, and a publisher may use
 * any of the 65 536 source ids, so per-source bounds alone let memory grow with the number of sources.
 *
 * Accounting is honest about what is kept alive: the store is the rings' {@link ChunkLedger} and counts
 * every referenced chunk once, at its whole size (a 64 KiB chunk kept by one 74-byte message costs
 * 64 KiB; a chunk shared by 900 sources' messages costs 64 KiB once, not 900 times) plus the objects that
 * keep it ({@link CHUNK_OVERHEAD_BYTES}), plus each ring's
 * own index structures (about 2 KiB for a small ring: with many one-message sources that is most of
 * the memory, measured by tests/relay/rss-many-sources.ts). Past the budget the
 * oldest entries of the least recently written sources are evicted (a later RetransmitRequest for them
 * is answered with Gap reason 1, as for any evicted range) until the total is back under it; a source
 * whose ring empties is forgotten entirely (its last sequence stays known to the relay).
 *
 * Hot path: {@link RingStore.push} costs the ring's push, one compare when the same source writes again
 * (the least-recently-written list is an index-linked list over source ids, no allocation), and a
 * ledger update only when a ring starts a run in a new chunk.
 *
 * @example
 * ```ts
 * const store = new RingStore({ bytesPerSource: 4 << 20, bytesTotal: 256 << 20 });
 * store.push(source, chunk.buffer, absOffset, length, seqHi, seqLo);
 * store.get(source)?.collect(from, to, last);
 * ```
 * @module
 */

import type { RelayMetrics } from "./metrics.ts";
import { type ChunkLedger, SourceRing } from "./source-ring.ts";
import { CopySlabs } from "./copy-slabs.ts";

/**
 * What keeping one chunk alive costs besides its bytes: its ArrayBuffer and Buffer objects, the views
 * cached for it (protocol/buffer-views.ts), the runtime's backing-store bookkeeping and this ledger's map entry.
 * Measured from two heap snapshots of the relay fuzzer (108 k more chunks retained: about 0.9 KiB of
 * objects each); negligible for 64 KiB socket reads, most of the memory for chunks of a few hundred bytes.
 */
export const CHUNK_OVERHEAD_BYTES = 1024;

/** Default relay-wide budget: 256 MiB of received chunks kept for retransmission. */
export const DEFAULT_RING_BYTES_TOTAL = 256 * 1024 * 1024;

/** Settings of a {@link RingStore}. */
export interface RingStoreOptions {
  /** Most bytes of chunks one source's ring keeps alive. */
  bytesPerSource: number;
  /** Most bytes of chunks all rings together keep alive (each chunk counted once). */
  bytesTotal: number;
  /** Metrics whose `ringBytes`, `ringSources` and `ringBudgetEvictions` this store keeps current. */
  metrics?: RelayMetrics;
}

const NONE = -1;
const SOURCES = 65536;

/** The retransmission rings of one relay, bounded per source and in total. */
export class RingStore implements ChunkLedger {
  private readonly perSource: number;
  private readonly maxTotal: number;
  private readonly metrics: RelayMetrics | undefined;
  private readonly rings: (SourceRing | undefined)[] = new Array<SourceRing | undefined>(SOURCES);
  /**
   * The slabs every ring copies lent messages into (relay/server/copy-slabs.ts). A slab a ring holds counts
   * in {@link bytes} like any chunk; the free ones waiting for reuse (at most 64 × 32 KiB) do not.
   */
  readonly copySlabs = new CopySlabs();
  /** Rings with copies still to make ({@link flushCopies}). */
  private readonly copying: SourceRing[] = [];
  // Runs of ring entries per chunk; a chunk counts in `total` while it is referenced at all.
  private readonly refs = new Map<ArrayBufferLike, number>();
  private total = 0;
  private chunkTotal = 0;
  private count = 0;
  private evictions = 0;
  // Sources with a ring, most recently written first: a doubly linked list through source ids.
  private readonly newer = new Int32Array(SOURCES).fill(NONE);
  private readonly older = new Int32Array(SOURCES).fill(NONE);
  private head = NONE;
  private tail = NONE;

  /** @param options per-source and total limits */
  constructor(options: RingStoreOptions) {
    this.perSource = options.bytesPerSource;
    this.maxTotal = Math.max(64 * 1024, options.bytesTotal);
    this.metrics = options.metrics;
  }

  /** Bytes of chunks kept alive by all rings, each chunk once with its overhead, plus the rings' index structures. */
  get bytes(): number {
    return this.total;
  }

  /** Bytes of the distinct chunks kept alive by all rings (each once), without the rings' indexes. */
  get chunkBytes(): number {
    return this.chunkTotal;
  }

  /** Sources with a ring. */
  get sources(): number {
    return this.count;
  }

  /** Ring entries evicted so far to stay under the relay-wide budget. */
  get budgetEvictions(): number {
    return this.evictions;
  }

  /** The ring of `source`, or undefined when nothing of it is held. */
  get(source: number): SourceRing | undefined {
    return this.rings[source];
  }

  /**
   * Keeps `source`'s message at absolute offset `start` of `buf` (`len` bytes, sequence `hi:lo`,
   * increasing per source), then evicts from the least recently written sources while over budget.
   */
  push(source: number, buf: ArrayBufferLike, start: number, len: number, hi: number, lo: number): void {
    let ring = this.rings[source];
    if (ring === undefined || this.head !== source) ring = this.touch(source);
    ring.push(buf, start, len, hi, lo);
    if (this.total > this.maxTotal) this.enforceBudget(source);
  }

  /**
   * The pieces of {@link push}, for a caller's hot path to inline (the relay's per-message handler):
   * `ring = get(source)`; unless `ring !== undefined && isNewest(source)`, `ring = touch(source)`; then
   * `ring.push(…)`; then `if (overBudget) enforceBudget(source)`.
   */
  isNewest(source: number): boolean {
    return this.head === source;
  }

  /** True when the rings keep more than the budget (see {@link isNewest}). */
  get overBudget(): boolean {
    return this.total > this.maxTotal;
  }

  /** Makes `source` the most recently written one, creating its ring if needed; returns the ring. */
  touch(source: number): SourceRing {
    let ring = this.rings[source];
    if (ring === undefined) {
      ring = this.rings[source] = new SourceRing(this.perSource, this, this.copySlabs);
      this.linkNewest(source);
      this.count++;
      if (this.metrics !== undefined) this.metrics.ringSources = this.count;
    } else if (this.head !== source) {
      this.unlink(source);
      this.linkNewest(source);
    }
    return ring;
  }

  /** Forgets everything held of `source` (it restarted its sequence). */
  clear(source: number): void {
    const ring = this.rings[source];
    if (ring === undefined) return;
    ring.clear();
    this.remove(source);
  }

  /** {@link ChunkLedger.retain}: called by the rings. */
  retain(buf: ArrayBufferLike): void {
    const n = this.refs.get(buf);
    if (n === undefined) {
      this.refs.set(buf, 1);
      this.total += buf.byteLength + CHUNK_OVERHEAD_BYTES;
      this.chunkTotal += buf.byteLength;
      if (this.metrics !== undefined) this.metrics.ringBytes = this.total;
    } else {
      this.refs.set(buf, n + 1);
    }
  }

  /** {@link ChunkLedger.copyPending}: called by the rings. */
  copyPending(ring: SourceRing): void {
    this.copying.push(ring);
  }

  /**
   * Makes every copy the rings took a place for ({@link SourceRing.pushCopy}): call it before a lent
   * chunk is handed back.
   */
  flushCopies(): void {
    const c = this.copying;
    for (let i = 0; i < c.length; i++) c[i]!.endCopies();
    c.length = 0;
  }

  /** {@link ChunkLedger.index}: called by the rings. */
  index(delta: number): void {
    this.total += delta;
    if (this.metrics !== undefined) this.metrics.ringBytes = this.total;
  }

  /** {@link ChunkLedger.release}: called by the rings. */
  release(buf: ArrayBufferLike): void {
    const n = this.refs.get(buf);
    if (n === undefined) return;
    if (n > 1) {
      this.refs.set(buf, n - 1);
      return;
    }
    this.refs.delete(buf);
    this.total -= buf.byteLength + CHUNK_OVERHEAD_BYTES;
    this.chunkTotal -= buf.byteLength;
    if (this.metrics !== undefined) this.metrics.ringBytes = this.total;
  }

  /**
   * Evicts oldest entries of the least recently written sources until the total fits the budget;
   * `current` (the source just written) goes last and keeps its newest message.
   */
  enforceBudget(current: number): void {
    const before = this.evictions;
    while (this.total > this.maxTotal && this.tail !== NONE) {
      const source = this.tail;
      const ring = this.rings[source]!;
      // The source being written is evicted last, and keeps the message just pushed.
      const keep = source === current ? 1 : 0;
      while (this.total > this.maxTotal && ring.size > keep) {
        ring.evictOldest();
        this.evictions++;
      }
      if (ring.size === 0) this.remove(source);
      else break;
    }
    if (this.metrics !== undefined && this.evictions !== before) this.metrics.ringBudgetEvictions = this.evictions;
  }

  private remove(source: number): void {
    this.index(-this.rings[source]!.indexBytes);
    this.rings[source] = undefined;
    this.unlink(source);
    this.count--;
    if (this.metrics !== undefined) this.metrics.ringSources = this.count;
  }

  private linkNewest(source: number): void {
    this.older[source] = this.head;
    this.newer[source] = NONE;
    if (this.head !== NONE) this.newer[this.head] = source;
    this.head = source;
    if (this.tail === NONE) this.tail = source;
  }

  private unlink(source: number): void {
    const n = this.newer[source]!;
    const o = this.older[source]!;
    if (n !== NONE) this.older[n] = o;
    else this.head = o;
    if (o !== NONE) this.newer[o] = n;
    else this.tail = n;
    this.newer[source] = NONE;
    this.older[source] = NONE;
  }
}

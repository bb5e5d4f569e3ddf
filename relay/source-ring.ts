/**
 * A bounded ring of one source's recent messages, in sequence order, kept to answer RetransmitRequest.
 *
 * Messages are copied in (one copy per message, never per subscriber) so the ring does not pin the
 * read chunks they came in. The buffer starts small and doubles up to `maxBytes`; after that the
 * oldest messages are evicted. Sequences are u64 handled as two u32 words (no bigint per message).
 *
 * @module
 */

const INITIAL_BYTES = 64 * 1024;
const INITIAL_ENTRIES = 1024;

/** Result of {@link SourceRing.collect}: held messages and the sub-ranges that are not held. */
export interface RingRange {
  /** Copies of the held messages in `from..to`, concatenated in sequence order. */
  bytes: Uint8Array;
  /** Number of messages in {@link bytes}. */
  count: number;
  /** Inclusive ranges within the request that are not held (never received, or evicted). */
  missing: [from: bigint, to: bigint][];
}

function seqOf(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Recent messages of one source. */
export class SourceRing {
  private readonly maxBytes: number;
  private buf: Uint8Array;
  private writePos = 0;
  private starts: Int32Array;
  private lens: Int32Array;
  private seqLo: Uint32Array;
  private seqHi: Uint32Array;
  private head = 0;
  private count = 0;

  /** @param maxBytes most bytes held (at least one largest message to hold anything of that size) */
  constructor(maxBytes: number) {
    this.maxBytes = Math.max(1024, maxBytes);
    this.buf = new Uint8Array(Math.min(INITIAL_BYTES, this.maxBytes));
    this.starts = new Int32Array(INITIAL_ENTRIES);
    this.lens = new Int32Array(INITIAL_ENTRIES);
    this.seqLo = new Uint32Array(INITIAL_ENTRIES);
    this.seqHi = new Uint32Array(INITIAL_ENTRIES);
  }

  /** Messages held. */
  get size(): number {
    return this.count;
  }

  /** Forgets everything (the source restarted its sequence). */
  clear(): void {
    this.head = 0;
    this.count = 0;
    this.writePos = 0;
  }

  /** Copies the message `bytes[off, off+len)` with sequence `hi:lo` in (sequences must increase). */
  push(bytes: Uint8Array, off: number, len: number, hi: number, lo: number): void {
    if (len > this.maxBytes) {
      this.clear();
      return;
    }
    let w = this.writePos;
    if (w + len > this.buf.length) {
      if (this.buf.length < this.maxBytes) {
        this.grow(len);
        w = this.writePos;
      }
      if (w + len > this.buf.length) {
        // Wrap: the entries past the old write position are the oldest; they go first.
        while (this.count > 0 && this.starts[this.head]! >= w) this.evict();
        w = 0;
      }
    }
    const end = w + len;
    while (this.count > 0) {
      const s = this.starts[this.head]!;
      if (s >= w && s < end) this.evict();
      else break;
    }
    const buf = this.buf;
    if (len <= 128) {
      for (let i = 0; i < len; i++) buf[w + i] = bytes[off + i]!;
    } else {
      buf.set(bytes.subarray(off, off + len), w);
    }
    if (this.count === this.starts.length) this.growEntries();
    const idx = (this.head + this.count) % this.starts.length;
    this.starts[idx] = w;
    this.lens[idx] = len;
    this.seqLo[idx] = lo;
    this.seqHi[idx] = hi;
    this.count++;
    this.writePos = end;
  }

  private evict(): void {
    this.head = (this.head + 1) % this.starts.length;
    this.count--;
  }

  private growEntries(): void {
    const cap = this.starts.length;
    const n = cap * 2;
    const starts = new Int32Array(n), lens = new Int32Array(n), lo = new Uint32Array(n), hi = new Uint32Array(n);
    for (let i = 0; i < this.count; i++) {
      const j = (this.head + i) % cap;
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
  }

  /** Doubles the buffer (up to the limit), compacting the held messages to its start in order. */
  private grow(len: number): void {
    let live = 0;
    for (let i = 0; i < this.count; i++) live += this.lens[(this.head + i) % this.starts.length]!;
    let size = this.buf.length * 2;
    while (size < live + len) size *= 2;
    const next = new Uint8Array(Math.min(size, this.maxBytes));
    const cap = this.starts.length;
    let w = 0;
    for (let i = 0; i < this.count; i++) {
      const j = (this.head + i) % cap;
      const s = this.starts[j]!;
      const l = this.lens[j]!;
      next.set(this.buf.subarray(s, s + l), w);
      this.starts[j] = w;
      w += l;
    }
    this.buf = next;
    this.writePos = w;
  }

  /** Index (0 = oldest) of the first held entry with sequence ≥ `seq`; `count` if none. */
  private lowerBound(seq: bigint): number {
    let lo = 0;
    let hi = this.count;
    const cap = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const j = (this.head + mid) % cap;
      if (seqOf(this.seqHi[j]!, this.seqLo[j]!) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Copies the held messages with sequences in `from..to` (inclusive, `to` capped at `last`, the last
   * sequence seen from this source) and lists the parts of that range not held.
   * `accept` filters messages (e.g. a subscriber's type filter); filtered ones are neither sent nor missing.
   */
  collect(from: bigint, to: bigint, last: bigint, accept?: (bytes: Uint8Array, off: number) => boolean): RingRange {
    const end = to < last ? to : last;
    const missing: [bigint, bigint][] = [];
    if (from > end) return { bytes: new Uint8Array(0), count: 0, missing };
    const cap = this.starts.length;
    const first = this.lowerBound(from);
    const picked: number[] = [];
    let total = 0;
    let expected = from;
    for (let i = first; i < this.count; i++) {
      const j = (this.head + i) % cap;
      const seq = seqOf(this.seqHi[j]!, this.seqLo[j]!);
      if (seq > end) break;
      if (seq > expected) missing.push([expected, seq - 1n]);
      expected = seq + 1n;
      if (accept && !accept(this.buf, this.starts[j]!)) continue;
      picked.push(j);
      total += this.lens[j]!;
    }
    if (expected <= end) missing.push([expected, end]);
    const out = new Uint8Array(total);
    let w = 0;
    for (const j of picked) {
      const s = this.starts[j]!;
      const l = this.lens[j]!;
      out.set(this.buf.subarray(s, s + l), w);
      w += l;
    }
    return { bytes: out, count: picked.length, missing };
  }
}

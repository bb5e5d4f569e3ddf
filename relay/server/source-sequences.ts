/**
 * Per source (u16), the last accepted sequence and timestamp of a relay: kept as two u32 words each in
 * flat typed arrays, so the per-message duplicate and jump checks read numbers, not bigints.
 *
 * The relay's hot path reads and writes the arrays directly; the bigint views are for the rare paths
 * (retransmission, logging).
 *
 * @example
 * ```ts
 * const seqs = new SourceSequences();
 * seqs.record(7, 0, 42, 0, 1000);
 * seqs.last(7); // 42n
 * ```
 * @module
 */

/** Last accepted sequence and timestamp of every source. */
export class SourceSequences {
  /** High word of each source's last accepted sequence. */
  readonly lastHi = new Uint32Array(65536);
  /** Low word of each source's last accepted sequence. */
  readonly lastLo = new Uint32Array(65536);
  /** 1 where the source has had a message accepted. */
  readonly seen = new Uint8Array(65536);
  /** High word of each source's last accepted timestamp. */
  readonly lastTsHi = new Uint32Array(65536);
  /** Low word of each source's last accepted timestamp. */
  readonly lastTsLo = new Uint32Array(65536);

  /** `source`'s last accepted sequence; 0n when none was accepted. */
  last(source: number): bigint {
    return this.seen[source] === 1 ? (BigInt(this.lastHi[source]!) << 32n) | BigInt(this.lastLo[source]!) : 0n;
  }

  /** `source`'s last accepted timestamp (ns); 0n when none was accepted. */
  lastTimestamp(source: number): bigint {
    return (BigInt(this.lastTsHi[source]!) << 32n) | BigInt(this.lastTsLo[source]!);
  }

  /** Records `source`'s accepted message of sequence `hi:lo` and timestamp `tsHi:tsLo`. */
  record(source: number, hi: number, lo: number, tsHi: number, tsLo: number): void {
    this.seen[source] = 1;
    this.lastHi[source] = hi;
    this.lastLo[source] = lo;
    this.lastTsHi[source] = tsHi;
    this.lastTsLo[source] = tsLo;
  }
}

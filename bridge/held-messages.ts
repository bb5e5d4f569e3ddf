/**
 * The messages of one remote source that the bridge's {@link InboundSequencer} (bridge/inbound.ts) holds
 * back behind a gap while the missing range is recovered: kept in sequence order, without repeats.
 *
 * @module
 */

/** Messages of one source held back behind a gap, in sequence order. */
export class HeldMessages {
  /** The messages (owned: copies or recovered buffers), parallel to {@link seqs}. */
  msgs: Uint8Array[] = [];
  /** Their sequences, ascending. */
  seqs: bigint[] = [];
  /** Bytes of {@link msgs}. */
  bytes = 0;
  /** Generation of the recovery in progress (a late answer of an abandoned one is ignored). */
  generation = 0;
  /** Last sequence a recovery has been asked for (holes at or below it are not asked again). */
  tried = 0n;

  /** Index where sequence `seq` belongs, or -1 when it is already held. */
  placeOf(seq: bigint): number {
    let i = this.seqs.length;
    while (i > 0 && this.seqs[i - 1]! > seq) i--;
    return i > 0 && this.seqs[i - 1] === seq ? -1 : i;
  }

  /** Puts `msg` (sequence `seq`, owned by the holder from now on) at index `i` from {@link placeOf}. */
  insertAt(i: number, msg: Uint8Array, seq: bigint): void {
    this.msgs.splice(i, 0, msg);
    this.seqs.splice(i, 0, seq);
    this.bytes += msg.length;
  }

  /** Forgets the first `n` messages (already injected or dropped). */
  dropFirst(n: number): void {
    this.msgs.splice(0, n);
    this.seqs.splice(0, n);
    this.bytes = this.msgs.reduce((a, m) => a + m.length, 0);
  }
}

/**
 * What a retransmission ring answers ({@link RingRange}, from `SourceRing.collect` in source-ring.ts) and
 * the walk that turns it into the stream a subscriber reads ({@link forEachInSequence}).
 *
 * @module
 */

import { HEADER_SIZE, HeaderOffset, viewsOf } from "../../protocol/mod.ts";

/** Result of `SourceRing.collect`: held messages and the sub-ranges that are not held. */
export interface RingRange {
  /** Copies of the held messages in `from..to`, concatenated in sequence order. */
  bytes: Uint8Array;
  /** Number of messages in {@link RingRange.bytes}. */
  count: number;
  /** Inclusive ranges within the request that are not held (never received, or evicted). */
  missing: [from: bigint, to: bigint][];
}

/**
 * Walks a collected range in sequence order: each held message of `held` (back-to-back messages, as
 * {@link RingRange.bytes}) to `onMessage`, and each range of `missing` to `onMissing` just before the first
 * held message that follows it — so an answer built from the two reads like the stream itself.
 *
 * @example
 * ```ts
 * const r = ring.collect(from, to, last);
 * forEachInSequence(r.bytes, r.missing, (m) => out.push(m), (a, b) => out.push(gap(a, b)));
 * ```
 */
export function forEachInSequence(
  held: Uint8Array, missing: readonly (readonly [bigint, bigint])[], onMessage: (message: Uint8Array) => void, onMissing: (from: bigint, to: bigint) => void,
): void {
  const { dv } = viewsOf(held);
  let gi = 0;
  let p = 0;
  while (p < held.length) {
    const len = HEADER_SIZE + dv.getUint32(held.byteOffset + p + HeaderOffset.payloadSize, true);
    const seq = dv.getBigUint64(held.byteOffset + p + HeaderOffset.sequence, true);
    while (gi < missing.length && missing[gi]![1] < seq) {
      onMissing(missing[gi]![0], missing[gi]![1]);
      gi++;
    }
    onMessage(held.subarray(p, p + len));
    p += len;
  }
  for (; gi < missing.length; gi++) onMissing(missing[gi]![0], missing[gi]![1]);
}

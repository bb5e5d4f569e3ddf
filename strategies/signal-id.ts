/**
 * Deterministic 64-bit ids for signals and orders, derived from what triggered them (strategy id,
 * source and sequence of the input message, an ordinal within it) through the splitmix64 finaliser —
 * never from a clock or a random source, so a replay produces the same ids, and a live restart (new
 * input sequences) produces new ones.
 *
 * @example
 * ```ts
 * deriveId(20, view.source, view.sequence, 0); // e.g. 0x9f3c…n, never 0
 * ```
 * @module
 */

const M64 = (1n << 64n) - 1n;

/** splitmix64 finaliser of a 64-bit value. */
export function mix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** A non-zero u64 id from a strategy id, the triggering message's source and sequence, and an ordinal. */
export function deriveId(strategyId: number, source: number, sequence: bigint, ordinal: number): bigint {
  const a = mix64((BigInt(strategyId) << 48n) ^ (BigInt(source) << 32n) ^ BigInt(ordinal));
  const id = mix64(a ^ (sequence & M64));
  return id === 0n ? 1n : id;
}

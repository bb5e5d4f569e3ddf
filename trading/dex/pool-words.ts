/**
 * The raw little-endian 32-bit words a {@link PoolState} (pool-state.ts) keeps its u128/u160 values in:
 * copied from a TLV without allocating, read back as an exact `bigint` or a float estimate.
 *
 * @module
 */

/** 2^32 as a float. */
export const TWO32 = 4_294_967_296;
/** 2^64 as a float. */
export const TWO64 = TWO32 * TWO32;
/** 2^96 as a float. */
export const TWO96 = TWO64 * TWO32;
/** 2^128 as a float. */
export const TWO128 = TWO96 * TWO32;

/** The exact u128 in words `at..at+3`. */
export function u128(w: Uint32Array, at: number): bigint {
  return BigInt(w[at]!) | (BigInt(w[at + 1]!) << 32n) | (BigInt(w[at + 2]!) << 64n) | (BigInt(w[at + 3]!) << 96n);
}

/** Copies `count` little-endian u32 words from `dv` at byte `off` into `out` from index `at`. */
export function readWords(dv: DataView, off: number, out: Uint32Array, at: number, count: number): void {
  for (let i = 0; i < count; i++) out[at + i] = dv.getUint32(off + 4 * i, true);
}

/** The u128 in words `at..at+3` as a float estimate. */
export function words128(w: Uint32Array, at: number): number {
  return w[at]! + w[at + 1]! * TWO32 + w[at + 2]! * TWO64 + w[at + 3]! * TWO96;
}

/**
 * Exact unsigned integer helpers for on-chain math: integer square root (Newton), `mulDiv` with floor
 * or ceiling, and ceiling division — the `FullMath`/`UnsafeMath` operations of Uniswap, on `bigint`.
 * Every result is exact; nothing passes through a float.
 *
 * @example
 * ```ts
 * isqrt(99n);                 // 9n
 * mulDivRoundingUp(7n, 3n, 2n); // 11n (ceil(21 / 2))
 * ```
 * @module
 */

/** 2^256 − 1: the EVM word limit, for emulating overflow checks of Solidity code. */
export const UINT256_MAX = (1n << 256n) - 1n;

/**
 * Floor of the square root of `n` ≥ 0 by integer Newton iteration (from the float root when n fits a
 * double, else from a power of two above √n). Throws `RangeError` for negative input.
 */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of a negative number (${n})`);
  if (n < 2n) return n;
  // Start from the float square root when n fits a double (53 good bits: two or three Newton steps);
  // one Newton step from any positive start gives an over-estimate, from which the iteration decreases
  // monotonically to ⌊√n⌋.
  const f = Number(n);
  let x = f < 1e300 ? BigInt(Math.floor(Math.sqrt(f))) + 1n : 1n << ((BigInt(bitLength(n)) + 1n) >> 1n);
  x = (x + n / x) >> 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Number of bits of `n` > 0 (position of the highest set bit + 1); 0 for 0. */
export function bitLength(n: bigint): number {
  if (n <= 0n) return 0;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/** ⌊a·b / d⌋ (FullMath.mulDiv), `d` > 0. */
export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  return (a * b) / d;
}

/** ⌈a·b / d⌉ (FullMath.mulDivRoundingUp), `d` > 0, a·b ≥ 0. */
export function mulDivRoundingUp(a: bigint, b: bigint, d: bigint): bigint {
  const p = a * b;
  const q = p / d;
  return p % d === 0n ? q : q + 1n;
}

/** ⌈x / y⌉ (UnsafeMath.divRoundingUp), x ≥ 0, y > 0. */
export function divRoundingUp(x: bigint, y: bigint): bigint {
  const q = x / y;
  return x % y === 0n ? q : q + 1n;
}

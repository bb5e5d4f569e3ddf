/**
 * The median the benchmarks report over rounds: the middle value, or the mean of the two middle values of
 * an even count (NaN for none).
 *
 * @example
 * ```ts
 * median([3, 1, 2]);    // 2
 * median([1.2, 2, 1.1, 1.6]); // 1.4
 * ```
 * @module
 */

/** The median of `xs` (unchanged); NaN when it is empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Wall-clock nanoseconds for message timestamps, without passing a u64 through a lossy `number`:
 * the value is assembled from whole seconds and the nanosecond remainder, both exact in a double.
 *
 * @example
 * ```ts
 * const ts: bigint = nowNanos(); // e.g. 1764000000123456789n
 * ```
 * @module
 */

const TWO32 = 4_294_967_296;

function nowParts(): [seconds: number, nanos: number] {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.floor((ms - seconds * 1000) * 1e6));
  return [seconds, nanos];
}

/** Current time as u64 nanoseconds since the Unix epoch. */
export function nowNanos(): bigint {
  const [s, n] = nowParts();
  return BigInt(s) * 1_000_000_000n + BigInt(n);
}

/**
 * Writes `seconds × 10^9 + nanos` as a little-endian u64 at `off` using only exact double arithmetic
 * (seconds < 2^32), so the hot path stamps messages without allocating a bigint.
 */
export function writeNanosParts(dv: DataView, off: number, seconds: number, nanos: number): void {
  const sh = Math.floor(seconds / 65536);
  const sl = seconds - sh * 65536;
  const a = sh * 1e9; // × 2^16 below; < 2^46
  const b = sl * 1e9 + nanos; // < 2^47
  const aLo = (a % 65536) * 65536;
  const low = aLo + (b % TWO32);
  const lo = low % TWO32;
  const hi = Math.floor(a / 65536) + Math.floor(b / TWO32) + Math.floor(low / TWO32);
  dv.setUint32(off, lo, true);
  dv.setUint32(off + 4, hi, true);
}

/** Writes the current time as u64 nanoseconds at `off`, allocation-free. */
export function writeNowNanos(dv: DataView, off: number): void {
  const [s, n] = nowParts();
  writeNanosParts(dv, off, s, n);
}

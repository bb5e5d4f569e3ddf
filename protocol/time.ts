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

import { ProtocolError } from "./errors.ts";

const TWO32 = 4_294_967_296;
/** Seconds must stay below 2^32 for the exact-double arithmetic of {@link writeNanosParts}. */
const MAX_EPOCH_MS = TWO32 * 1000;

/** Constant for the life of the process; read once instead of through a getter per message. */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Current wall-clock time as milliseconds since the Unix epoch with a sub-millisecond fraction (the
 * resolution of a double at today's epoch is ~0.25 µs). This is the clock read behind message
 * timestamps: read it once per received frame and pass it to every `MessageBuilder.begin` of that
 * frame — on Node 20 one read costs ~70 ns, as much as building a Trade.
 *
 * @example
 * ```ts
 * const receivedAt = epochMillis();
 * for (const trade of frame.trades) builder.begin(RelayDomain.MarketData, source, receivedAt).addTrade(...);
 * ```
 */
export function epochMillis(): number {
  return TIME_ORIGIN + performance.now();
}

function nowParts(): [seconds: number, nanos: number] {
  const ms = TIME_ORIGIN + performance.now();
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
  // Only exact operations: products below 2^53 and divisions by powers of two (no `%`, which is a
  // slow fmod call on doubles).
  const sh = Math.floor(seconds / 65536);
  const sl = seconds - sh * 65536;
  const a = sh * 1e9; // × 2^16 below; < 2^46
  const b = sl * 1e9 + nanos; // < 2^47
  const aHi = Math.floor(a / 65536);
  const bHi = Math.floor(b / TWO32);
  const low = (a - aHi * 65536) * 65536 + (b - bHi * TWO32); // < 2^33
  const carry = low >= TWO32 ? 1 : 0;
  dv.setUint32(off, low - carry * TWO32, true);
  dv.setUint32(off + 4, aHi + bHi + carry, true);
}

// seconds × 10^9 of the last whole second stamped, as u32 words: it changes once a second, so the
// per-message work is one add with carry.
let cachedSeconds = -1;
let secondsLo = 0;
let secondsHi = 0;
const SPLIT = new DataView(new ArrayBuffer(8));

/** Writes the current time as u64 nanoseconds at `off`, allocation-free. */
export function writeNowNanos(dv: DataView, off: number): void {
  writeEpochMillisAsNanos(dv, off, TIME_ORIGIN + performance.now());
}

/**
 * Writes `ms` (milliseconds since the epoch with a fraction, as from {@link epochMillis}) as u64
 * nanoseconds at `off`, allocation-free. `ms` must be a finite time at or after the epoch, before 2106.
 */
export function writeEpochMillisAsNanos(dv: DataView, off: number, ms: number): void {
  if (!(ms >= 0 && ms < MAX_EPOCH_MS)) throw new ProtocolError("InvalidValue", `timestamp ${ms} ms is not a time between 1970 and 2106`);
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.floor((ms - seconds * 1000) * 1e6));
  if (seconds !== cachedSeconds) {
    writeNanosParts(SPLIT, 0, seconds, 0);
    secondsLo = SPLIT.getUint32(0, true);
    secondsHi = SPLIT.getUint32(4, true);
    cachedSeconds = seconds;
  }
  const lo = secondsLo + nanos; // < 2^33
  const carry = lo >= TWO32 ? 1 : 0;
  dv.setUint32(off, lo - carry * TWO32, true);
  dv.setUint32(off + 4, secondsHi + carry, true);
}

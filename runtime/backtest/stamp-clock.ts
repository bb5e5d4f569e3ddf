/**
 * The backtest's simulated clock: a {@link ManualClock} moved by header stamps given as their two 32-bit
 * words, so moving it per message allocates nothing; the exact `bigint` is built only when read.
 *
 * @example
 * ```ts
 * const clock = new StampClock();
 * clock.setWords(dv.getUint32(at + 20, true), dv.getUint32(at + 16, true)); // never back
 * clock.nowNs(); // bigint ns
 * ```
 * @module
 */

import { ClockError, ManualClock } from "../../core/clock.ts";

const TWO32 = 4_294_967_296;

/** A manual clock set from stamp words (see module docs). */
export class StampClock extends ManualClock {
  private hi = 0;
  private lo = 0;

  /** @param startNs the initial time (ns since the epoch) */
  constructor(startNs = 0n) {
    super(startNs);
    this.hi = Number(startNs >> 32n);
    this.lo = Number(startNs & 0xffff_ffffn);
  }

  /** Moves to the stamp `hi`·2³² + `lo` when it is after now; returns true when it moved. */
  setWords(hi: number, lo: number): boolean {
    if (hi > this.hi || (hi === this.hi && lo > this.lo)) {
      this.hi = hi;
      this.lo = lo;
      return true;
    }
    return false;
  }

  /** Now, as float ns (rounded to the nearest double, as `Number` of the exact value). */
  nowFloatNs(): number {
    return this.hi * TWO32 + this.lo;
  }

  /** Now (ns). */
  override nowNs(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Now (ms), as {@link ManualClock.nowMs}: the exact ns rounded to a double, over 1e6. */
  override nowMs(): number {
    return (this.hi * TWO32 + this.lo) / 1e6;
  }

  /** Moves to `ns`; throws (as {@link ManualClock.set}) when that is before now. */
  override set(ns: bigint): void {
    if (ns < this.nowNs()) throw new ClockError(`StampClock.set: ${ns} ns is before now (${this.nowNs()} ns); simulated time never goes back`);
    this.hi = Number(ns >> 32n);
    this.lo = Number(ns & 0xffff_ffffn);
  }

  /** Moves on by `ns` (≥ 0). */
  override advance(ns: bigint): void {
    this.set(this.nowNs() + ns);
  }
}

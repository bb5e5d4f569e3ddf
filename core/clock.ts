/**
 * Where "now" comes from, for everything that judges ages, cooldowns, expiries and rates: the system clock
 * live, a {@link ManualClock} driven from the data in a backtest or a test. Time is nanoseconds since the
 * Unix epoch; {@link Clock.nowMs} is the same instant as a number for hot paths that compare in floats.
 *
 * @example
 * ```ts
 * const live: Clock = systemClock;
 * const sim = new ManualClock(1_700_000_000_000_000_000n);
 * sim.set(messageStampNs);      // a backtest moves time to each message's stamp
 * sim.advance(1_000_000_000n);  // or on by one second
 * ```
 * @module
 */

/** A source of "now". */
export interface Clock {
  /** Now in nanoseconds since the Unix epoch. */
  nowNs(): bigint;
  /** Now in milliseconds since the Unix epoch (may be fractional). */
  nowMs(): number;
}

/** The system's wall clock (millisecond resolution, as `Date.now`). */
export const systemClock: Clock = {
  nowNs: () => BigInt(Date.now()) * 1_000_000n,
  nowMs: () => Date.now(),
};

/** A clock wrapping a millisecond function (tests inject one; `Date.now` gives {@link systemClock}). */
export function clockFromMs(ms: () => number): Clock {
  return { nowNs: () => BigInt(Math.round(ms() * 1000)) * 1000n, nowMs: ms };
}

/** Thrown when a {@link ManualClock} is asked to move backwards. */
export class ClockError extends Error {
  /** @param message what was asked and why it is refused */
  constructor(message: string) {
    super(message);
    this.name = "ClockError";
  }
}

/** A clock that moves only when told (simulated time: backtests, tests); never backwards. */
export class ManualClock implements Clock {
  private ns: bigint;

  /** @param startNs the initial time (ns since the epoch) */
  constructor(startNs = 0n) {
    this.ns = startNs;
  }

  /** Now (ns). */
  nowNs(): bigint {
    return this.ns;
  }

  /** Now (ms, fractional below a millisecond lost only beyond 2^53 ns). */
  nowMs(): number {
    return Number(this.ns) / 1e6;
  }

  /** Moves to `ns`; throws {@link ClockError} when that is before now. */
  set(ns: bigint): void {
    if (ns < this.ns) throw new ClockError(`ManualClock.set: ${ns} ns is before now (${this.ns} ns); simulated time never goes back`);
    this.ns = ns;
  }

  /** Moves on by `ns` (≥ 0; throws {@link ClockError} otherwise). */
  advance(ns: bigint): void {
    if (ns < 0n) throw new ClockError(`ManualClock.advance: ${ns} ns is negative; simulated time never goes back`);
    this.ns += ns;
  }
}

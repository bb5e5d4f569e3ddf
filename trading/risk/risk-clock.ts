/**
 * The risk manager's notion of "now", and how far ahead of it a message's own header stamp may be.
 *
 * Two modes (risk config `clock`):
 * - `wall` — now is a {@link Clock} (core/clock.ts): the system clock live, so a feed that goes quiet ages
 *   by the clock, not by the next message; a {@link ManualClock} driven from the data in a backtest.
 * - `stamps` — now is the latest header stamp accepted, never moving backwards, so a replay of the same
 *   messages decides the same way on every run and runtime. A stamp more than `maxFutureSkewMs` ahead of
 *   now does not move it: a single future-stamped message cannot make every later order look old. Since
 *   a real jump of time (a feed resuming after a pause) looks the same as one skewed message, a jump is
 *   taken only once a second message confirms it (its stamp within the tolerance of the first): the
 *   risk manager holds back the first message's market data until then ({@link StampCheck.ConfirmsJump}),
 *   and drops it when a message inside the tolerance advances now instead (the jump was an outlier).
 *
 * In both modes the latest accepted stamp is also kept ({@link RiskClock.latestStamp}): snapshots carry
 * it and replays of the journal date order-rate windows with it.
 *
 * @example
 * ```ts
 * const clock = new RiskClock({ mode: "stamps", maxFutureSkewMs: 1000 });
 * if (clock.check(view) !== StampCheck.Ahead) clock.advance(view);
 * const ageMs = (clock.nowNs - dataStampNs) / 1e6;
 * ```
 * @module
 */

import type { MessageView } from "../../protocol/mod.ts";
import { clockFromMs, systemClock, type Clock, type ManualClock } from "../../core/clock.ts";

/** Where "now" comes from. */
export const ClockMode = { Stamps: "stamps", Wall: "wall" } as const;
/** A clock mode. */
export type ClockMode = (typeof ClockMode)[keyof typeof ClockMode];

/** How a message's header stamp relates to the clock (see {@link RiskClock.check}). */
export const StampCheck = {
  /** Not more than the tolerance ahead of now (late stamps are in time too: their age is judged later). */
  InTime: 0,
  /** More than the tolerance ahead of now, and not confirming a held jump. */
  Ahead: 1,
  /** `stamps` mode: ahead of now, but within the tolerance of the held jump — time really moved on. */
  ConfirmsJump: 2,
} as const;
/** A stamp check outcome. */
export type StampCheck = (typeof StampCheck)[keyof typeof StampCheck];

/** Options of a {@link RiskClock}. */
export interface RiskClockOptions {
  mode: ClockMode;
  /** How far (ms) a stamp may be ahead of now and still count as in time. */
  maxFutureSkewMs: number;
  /** The clock of `wall` mode (default {@link systemClock}; a backtest passes a {@link ManualClock} driven by its data). */
  clock?: Clock;
  /** Wall clock in ms since the epoch, instead of `clock` (tests inject one). */
  wallMs?: () => number;
}

const TWO32 = 4_294_967_296;

/** Header stamp of a message as float ns (exact below 2^53; well below a microsecond off for today's dates). */
export function stampNs(view: MessageView): number {
  return view.dv.getUint32(view.start + 20, true) * TWO32 + view.dv.getUint32(view.start + 16, true);
}

/** Risk's clock (see module docs). */
export class RiskClock {
  /** Where now comes from. */
  readonly mode: ClockMode;
  /** The clock `wall` mode reads. */
  readonly wall: Clock;
  private toleranceNs: number;
  private hi = 0;
  private lo = 0;
  /** Stamp (float ns) of a held jump in `stamps` mode; 0 = none. */
  private jump = 0;

  /** @param options mode, tolerance, wall clock */
  constructor(options: RiskClockOptions) {
    this.mode = options.mode;
    this.wall = options.clock ?? (options.wallMs === undefined ? systemClock : clockFromMs(options.wallMs));
    this.toleranceNs = options.maxFutureSkewMs * 1e6;
  }

  /** Changes the future-skew tolerance (ms), e.g. after a run-time limits update. */
  setTolerance(maxFutureSkewMs: number): void {
    this.toleranceNs = maxFutureSkewMs * 1e6;
  }

  /** The future-skew tolerance (ms). */
  get toleranceMs(): number {
    return this.toleranceNs / 1e6;
  }

  /** Now as float ns since the epoch (0 in `stamps` mode before the first message). */
  get nowNs(): number {
    return this.mode === ClockMode.Wall ? this.wall.nowMs() * 1e6 : this.hi * TWO32 + this.lo;
  }

  /** Now as exact ns (`wall` mode: the wall clock to the microsecond), for stamping messages. */
  get now(): bigint {
    if (this.mode === ClockMode.Wall) return this.wall.nowNs();
    return this.latestStamp;
  }

  /** The latest header stamp accepted (ns), never moving backwards. */
  get latestStamp(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The latest header stamp accepted, as float ns. */
  get latestStampNs(): number {
    return this.hi * TWO32 + this.lo;
  }

  /** True while a jump is held (`stamps` mode), waiting for a second message to confirm it. */
  get holdingJump(): boolean {
    return this.jump !== 0;
  }

  /** How the message's stamp relates to now; changes nothing. */
  check(view: MessageView): StampCheck {
    const s = stampNs(view);
    if (this.mode === ClockMode.Wall) return s <= this.wall.nowMs() * 1e6 + this.toleranceNs ? StampCheck.InTime : StampCheck.Ahead;
    const now = this.hi * TWO32 + this.lo;
    if (this.jump !== 0 && Math.abs(s - this.jump) <= this.toleranceNs) return StampCheck.ConfirmsJump;
    if (now === 0 || s <= now + this.toleranceNs) return StampCheck.InTime;
    return StampCheck.Ahead;
  }

  /**
   * Accepts the message's stamp: the latest stamp (and, in `stamps` mode, now) moves forward to it.
   * Returns true when it did move — in `stamps` mode a held jump is then refuted and forgotten (the
   * caller drops what it held back for it).
   */
  advance(view: MessageView): boolean {
    const dv = view.dv;
    const lo = dv.getUint32(view.start + 16, true);
    const hi = dv.getUint32(view.start + 20, true);
    if (hi > this.hi || (hi === this.hi && lo > this.lo)) {
      this.hi = hi;
      this.lo = lo;
      return true;
    }
    return false;
  }

  /** Holds the message's stamp as a jump waiting for confirmation (`stamps` mode). */
  holdJump(view: MessageView): void {
    this.jump = stampNs(view);
  }

  /** Forgets a held jump (confirmed and applied, or refuted). */
  dropJump(): void {
    this.jump = 0;
  }

  /** Moves the latest stamp forward to `ns` (restoring a snapshot). */
  restoreStamp(ns: bigint): void {
    const hi = Number(ns >> 32n);
    const lo = Number(ns & 0xffff_ffffn);
    if (hi > this.hi || (hi === this.hi && lo > this.lo)) {
      this.hi = hi;
      this.lo = lo;
    }
  }
}

/**
 * Rate limit for a warning that a misbehaving peer can trigger once per message (e.g. messages of a
 * source another connection owns): at most one log line per interval, carrying how many occurrences
 * the previous lines left out, so the log cannot be flooded and nothing is hidden.
 *
 * @example
 * ```ts
 * const limiter = new WarnLimiter(1000);
 * const suppressed = limiter.tick();
 * if (suppressed >= 0) log.warn("dropped …", { suppressedSinceLast: suppressed });
 * ```
 * @module
 */

/** Lets one occurrence per interval through. */
export class WarnLimiter {
  private readonly intervalMs: number;
  private last = -Infinity;
  private suppressed = 0;

  /** @param intervalMs least time between two let-through occurrences */
  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /**
   * Records one occurrence. Returns -1 when it should not be logged, else the number of occurrences
   * suppressed since the last one logged (and resets that count).
   */
  tick(now = performance.now()): number {
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return -1;
    }
    this.last = now;
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}

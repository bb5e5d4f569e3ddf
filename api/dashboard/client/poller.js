// @ts-check
/**
 * Polls a REST task on a fixed period without overlapping calls (the next starts a period after the
 * previous finished), and remembers when it last succeeded so views can mark their data stale.
 * @module
 */

/** One REST task on a period, never overlapping itself. */
export class Poller {
  /**
   * @param {string} name
   * @param {number} periodMs
   * @param {() => Promise<number | void>} task may return the delay before its next run (ms), e.g. to
   *   poll a missing service less often
   */
  constructor(name, periodMs, task) {
    this.name = name;
    this.periodMs = periodMs;
    this.task = task;
    this.lastOk = 0;
    /** @type {unknown} */
    this.error = undefined;
    this.stopped = true;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Runs the task now (e.g. right after a user action) instead of waiting for the period. */
  now() {
    clearTimeout(this.timer);
    if (!this.stopped && !this.running) void this.tick();
  }

  /** @param {number} now @param {number} staleAfterMs @returns {boolean} */
  isStale(now, staleAfterMs) {
    return now - this.lastOk > staleAfterMs;
  }

  /** @private */
  async tick() {
    this.running = true;
    let delay = this.periodMs;
    try {
      const next = await this.task();
      if (typeof next === "number") delay = next;
      this.lastOk = Date.now();
      this.error = undefined;
    } catch (e) {
      this.error = e;
    } finally {
      this.running = false;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), delay);
    }
  }
}

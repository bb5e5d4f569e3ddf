// @ts-check
/**
 * Batches DOM work into animation frames: data handlers only update state and `mark()` what changed;
 * each marked view renders once per frame however many messages arrived. A view may ask to render at
 * most every `minIntervalMs` (busy market data does not need 60 book redraws a second).
 * @module
 */

/** @typedef {{ render(now: number): void }} View */

/** Coalesces view renders into animation frames, with optional per-view minimum intervals. */
export class FrameScheduler {
  constructor() {
    /** @type {Set<View>} */
    this.dirty = new Set();
    this.queued = false;
    /** @type {Map<View, number>} */
    this.lastRender = new Map();
    /** @type {Map<View, number>} */
    this.minInterval = new Map();
    /** @type {Map<View, ReturnType<typeof setTimeout>>} */
    this.deferred = new Map();
  }

  /** Renders `view` at most every `ms`. @param {View} view @param {number} ms */
  throttle(view, ms) {
    this.minInterval.set(view, ms);
  }

  /** Schedules `view` for the next frame. @param {View} view */
  mark(view) {
    if (this.deferred.has(view)) return;
    const min = this.minInterval.get(view) ?? 0;
    const wait = min - (performance.now() - (this.lastRender.get(view) ?? -Infinity));
    if (wait > 0) {
      this.deferred.set(view, setTimeout(() => {
        this.deferred.delete(view);
        this.mark(view);
      }, wait));
      return;
    }
    this.dirty.add(view);
    if (!this.queued) {
      this.queued = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  /** Renders every marked view now. */
  flush() {
    this.queued = false;
    const views = [...this.dirty];
    this.dirty.clear();
    const now = performance.now();
    for (const view of views) {
      this.lastRender.set(view, now);
      try {
        view.render(Date.now());
      } catch (e) {
        console.error("dashboard: a view failed to render", e);
      }
    }
  }
}

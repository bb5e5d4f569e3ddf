/**
 * Binance's documented rule for keeping a local book from `<symbol>@depth` diffs and a REST
 * `/api/v3/depth` snapshot, as a small per-symbol state machine (no I/O, no parsing):
 *
 * 1. after (re)connect or a gap, buffer diff events and fetch a snapshot (`lastUpdateId` = L);
 * 2. drop buffered events with `u <= L`;
 * 3. the first event applied must bridge the snapshot: `U <= L + 1 <= u` — otherwise the snapshot is
 *    too old (or events were lost) and the symbol starts over with a new snapshot;
 * 4. from then on every event must continue the previous one: `U == previous u + 1`; an event that
 *    does not is a gap, and the symbol (that symbol only) starts over.
 *
 * @example
 * ```ts
 * const s = new DepthSync();
 * s.onEvent(first, last)   // → "buffer" while waiting for the snapshot
 * s.onSnapshot(L)          // → then replay the buffer through onEvent: "apply" | "drop" | "resync"
 * ```
 * @module
 */

/** What to do with a diff event. */
export type DepthVerdict = "apply" | "drop" | "buffer" | "resync";

/** Where a symbol's book is in the bridging procedure. */
export type DepthPhase = "idle" | "buffering" | "bridging" | "live";

/** Per-symbol bridging state. */
export class DepthSync {
  /** Current phase. */
  phase: DepthPhase = "idle";
  /** Last update id applied (the snapshot's L, then each event's u). */
  lastUpdateId = -1;

  /** Forgets everything (reconnect, gap). */
  reset(): void {
    this.phase = "idle";
    this.lastUpdateId = -1;
  }

  /**
   * Classifies a diff event `[first U, last u]`. "buffer": keep it until the snapshot; "drop": older
   * than the book; "apply": apply it (the state has advanced to `u`); "resync": a gap — start over.
   */
  onEvent(first: number, last: number): DepthVerdict {
    switch (this.phase) {
      case "idle":
        this.phase = "buffering";
        return "buffer";
      case "buffering":
        return "buffer";
      case "bridging":
        if (last <= this.lastUpdateId) return "drop";
        if (first > this.lastUpdateId + 1) return "resync";
        this.phase = "live";
        this.lastUpdateId = last;
        return "apply";
      case "live":
        if (last <= this.lastUpdateId) return "drop";
        if (first !== this.lastUpdateId + 1) return "resync";
        this.lastUpdateId = last;
        return "apply";
    }
  }

  /**
   * A snapshot with `lastUpdateId` arrived. Returns false when the symbol is not waiting for one (a
   * late answer to an abandoned request): ignore it. Otherwise the caller loads the snapshot and
   * replays its buffered events through {@link onEvent}.
   */
  onSnapshot(lastUpdateId: number): boolean {
    if (this.phase !== "idle" && this.phase !== "buffering") return false;
    this.phase = "bridging";
    this.lastUpdateId = lastUpdateId;
    return true;
  }
}

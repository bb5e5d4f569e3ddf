/**
 * The relay's fan-out: the subscribing sessions, and the forwarding of an accepted message to each of
 * them that wants it — as a slice of the read chunk added to its outbox (relay/server/outbox.ts), never to the sender
 * itself — with every touched outbox flushed as one batch after the chunk (while a lent chunk is still
 * valid: see `acceptsLent` in relay/transport/types.ts).
 *
 * @example
 * ```ts
 * const fanOut = new FanOut(metrics);
 * fanOut.add(subscriber);
 * fanOut.forward(publisher, buffer, length, u8, base, source, hi, lo, false);
 * fanOut.flush(); // after the chunk
 * ```
 * @module
 */

import type { RelayMetrics } from "./metrics.ts";
import { type Session, SessionState } from "./session.ts";
import { matchesFilter } from "./type-filter.ts";
import { clearKeepingCapacity } from "../../core/array-reuse.ts";

/** Subscribers and the forwarding to them. */
export class FanOut {
  /** Open subscribing sessions; replaced, never changed in place, so a loop over it may close sessions. */
  subscribers: Session[] = [];
  /** Sessions with messages added since the last flush. */
  private readonly dirty: Session[] = [];
  private readonly metrics: RelayMetrics;

  /** @param metrics counters of subscribers and forwarded messages */
  constructor(metrics: RelayMetrics) {
    this.metrics = metrics;
  }

  /** Adds a subscribing session (its outbox is set). */
  add(s: Session): void {
    this.subscribers = [...this.subscribers, s];
    this.metrics.subscribers++;
  }

  /** Removes a subscribing session that closed. */
  remove(s: Session): void {
    this.subscribers = this.subscribers.filter((x) => x !== s);
    this.metrics.subscribers--;
  }

  /** Notes that `s`'s outbox got messages: it is flushed with the others after the chunk. */
  touched(s: Session): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /**
   * Adds the accepted message at absolute `base` (`length` bytes; `u8` views `buffer`) of `source`,
   * sequence `hi:lo`, to every subscriber but `from` whose filter it matches; `lent` when `buffer` is
   * rewritten after the chunk (the outboxes then copy what they keep past their flush).
   */
  forward(
    from: Session, buffer: ArrayBufferLike, length: number, u8: Uint8Array, base: number, source: number, hi: number, lo: number, lent: boolean,
  ): void {
    const subs = this.subscribers;
    const n = subs.length;
    let delivered = 0;
    for (let i = 0; i < n; i++) {
      const t = subs[i]!;
      if (t === from) continue;
      if (t.filter !== undefined && !matchesFilter(u8, base, length, t.filter)) continue;
      t.outbox!.add(buffer, base, length, source, hi, lo, lent);
      delivered++;
      if (!t.dirty) {
        t.dirty = true;
        this.dirty.push(t);
      }
    }
    this.metrics.messagesOut += delivered;
    this.metrics.bytesOut += delivered * length;
  }

  /** Flushes every touched outbox of an open session as one batch. */
  flush(): void {
    const d = this.dirty;
    for (let i = 0; i < d.length; i++) {
      const s = d[i]!;
      s.dirty = false;
      if (s.state === SessionState.Open) s.outbox!.flush();
    }
    clearKeepingCapacity(d);
  }
}

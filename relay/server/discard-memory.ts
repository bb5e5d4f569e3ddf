/**
 * What a subscriber lost when its connection went away with messages still queued for it at the relay,
 * remembered per subscriber service id so that a subscriber that comes back (same Hello service id) is
 * answered those ranges — from the rings, with Gap reason 1 for what is no longer held — before live
 * traffic. Without it a reconnecting client re-asks only for the sources it knows: a source whose first
 * messages were all in the discarded queue, and that then went silent, left its tail lost with no Gap.
 *
 * Bounded: an entry lives `ttlMs` (default 60 s), at most `maxSubscribers` entries are kept (the oldest
 * go first), and one entry holds at most `maxSources` sources (a range per source: the lowest to the
 * highest sequence discarded; sequences in between that were delivered come again and the client drops
 * them as duplicates).
 *
 * @example
 * ```ts
 * const memory = new DiscardMemory();
 * const lost = new DiscardedRanges();
 * outbox.discard(lost);                    // on close
 * memory.remember(serviceId, lost);
 * for (const r of memory.take(serviceId) ?? []) answer(r.source, r.from, r.to); // on its next Hello
 * ```
 * @module
 */

/** One source's discarded sequences, `from..to` inclusive. */
export interface DiscardedRange {
  source: number;
  from: bigint;
  to: bigint;
}

/** The per-source ranges one connection's queue held when it was discarded. */
export class DiscardedRanges {
  private readonly ranges = new Map<number, DiscardedRange>();

  /** Sources noted. */
  get size(): number {
    return this.ranges.size;
  }

  /** True when `source` has a range. */
  has(source: number): boolean {
    return this.ranges.has(source);
  }

  /** Widens `source`'s range to cover `from..to`. */
  note(source: number, from: bigint, to: bigint): void {
    const r = this.ranges.get(source);
    if (r === undefined) {
      this.ranges.set(source, { source, from, to });
      return;
    }
    if (from < r.from) r.from = from;
    if (to > r.to) r.to = to;
  }

  /** The ranges, in the order their sources were first noted. */
  list(): DiscardedRange[] {
    return [...this.ranges.values()];
  }
}

/** Settings of a {@link DiscardMemory}. */
export interface DiscardMemoryOptions {
  /** Milliseconds an entry is kept (default 60 000). */
  ttlMs?: number;
  /** Most subscriber service ids remembered (default 256). */
  maxSubscribers?: number;
  /** Most sources remembered per subscriber (default 4096). */
  maxSources?: number;
}

interface Entry {
  at: number;
  ranges: DiscardedRanges;
}

/** Discarded ranges per subscriber service id, bounded in time and size. */
export class DiscardMemory {
  private readonly ttlMs: number;
  private readonly maxSubscribers: number;
  private readonly maxSources: number;
  private readonly entries = new Map<number, Entry>();

  /** @param options bounds */
  constructor(options: DiscardMemoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxSubscribers = Math.max(1, options.maxSubscribers ?? 256);
    this.maxSources = Math.max(1, options.maxSources ?? 4096);
  }

  /** Subscribers remembered. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Remembers `ranges` for `serviceId` (merged with what is remembered already). Returns the number of
   * sources not remembered because the entry is full.
   */
  remember(serviceId: number, ranges: DiscardedRanges, now = performance.now()): number {
    if (ranges.size === 0) return 0;
    let e = this.entries.get(serviceId);
    if (e !== undefined && now - e.at > this.ttlMs) e = undefined;
    this.entries.delete(serviceId);
    if (e === undefined) e = { at: now, ranges: new DiscardedRanges() };
    e.at = now;
    let refused = 0;
    for (const r of ranges.list()) {
      if (e.ranges.size >= this.maxSources && !e.ranges.has(r.source)) {
        refused++;
        continue;
      }
      e.ranges.note(r.source, r.from, r.to);
    }
    this.entries.set(serviceId, e);
    while (this.entries.size > this.maxSubscribers) this.entries.delete(this.entries.keys().next().value!);
    return refused;
  }

  /** Takes (and forgets) what is remembered for `serviceId`, if it is not older than the time limit. */
  take(serviceId: number, now = performance.now()): DiscardedRange[] | undefined {
    const e = this.entries.get(serviceId);
    if (e === undefined) return undefined;
    this.entries.delete(serviceId);
    return now - e.at > this.ttlMs ? undefined : e.ranges.list();
  }

  /** Forgets entries older than the time limit. */
  expire(now = performance.now()): void {
    for (const [id, e] of this.entries) if (now - e.at > this.ttlMs) this.entries.delete(id);
  }
}

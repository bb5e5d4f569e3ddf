/**
 * Logs of an {@link EvmFeed} (adapters/evm/feed.ts) waiting for their pool's metadata: queued per pool
 * (bounded) while the metadata is fetched, handed back in order once it is in the cache, dropped and
 * counted when it cannot be had. A pool whose metadata cannot be asked for is counted `unknownPools`.
 *
 * @module
 */

import type { EvmMetrics } from "./metrics.ts";

/** See the module documentation. */
export class PoolWaitlist {
  private readonly pending = new Map<string, unknown[]>();
  private readonly metrics: EvmMetrics;
  private readonly requestPool: ((address: string, kind: "v2" | "v3") => boolean) | undefined;
  private readonly maxPerPool: number;
  private readonly onProblem: (what: string) => void;

  /**
   * @param metrics the feed's counters
   * @param requestPool asks for a pool's metadata (false: not now); absent: every unknown pool is skipped
   * @param maxPerPool logs queued per pool; more are dropped and counted `metadataDropped`
   * @param onProblem told about a pool that has no metadata
   */
  constructor(
    metrics: EvmMetrics,
    requestPool: ((address: string, kind: "v2" | "v3") => boolean) | undefined,
    maxPerPool: number,
    onProblem: (what: string) => void,
  ) {
    this.metrics = metrics;
    this.requestPool = requestPool;
    this.maxPerPool = maxPerPool;
    this.onProblem = onProblem;
  }

  /** Pools whose metadata is awaited. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues `log` of pool `address` (of `kind`) until its metadata comes, asking for it on the pool's first log. */
  wait(log: unknown, address: string, kind: "v2" | "v3"): void {
    const key = address.toLowerCase();
    const queue = this.pending.get(key);
    if (queue === undefined) {
      if (this.requestPool === undefined || !this.requestPool(key, kind)) {
        this.metrics.unknownPools++;
        this.metrics.unknownInstruments++;
        this.onProblem(`pool ${address} has no metadata (not in the pool cache)`);
        return;
      }
      this.pending.set(key, [log]);
      this.metrics.metadataFetches++;
    } else if (queue.length < this.maxPerPool) {
      queue.push(log);
    } else {
      this.metrics.metadataDropped++;
    }
  }

  /** The logs that waited for `address`, in order (forgotten here), or undefined when none did. */
  take(address: string): unknown[] | undefined {
    const key = address.toLowerCase();
    const queued = this.pending.get(key);
    this.pending.delete(key);
    return queued;
  }

  /** Metadata for `address` could not be had: its waiting logs are dropped (counted `metadataDropped`). */
  fail(address: string): void {
    const queued = this.take(address);
    if (queued !== undefined) this.metrics.metadataDropped += queued.length;
  }
}

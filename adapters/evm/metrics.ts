/**
 * Counters of the EVM adapter. Every dropped or skipped input is counted under a name that says why,
 * so nothing disappears silently; `snapshot()` gives them for the metrics endpoint and the CLI.
 *
 * @module
 */

/** The EVM adapter's counters. */
export class EvmMetrics {
  /** WebSocket text frames handled. */
  frames = 0;
  /** Protocol messages emitted, by kind. */
  swaps = 0;
  syncs = 0;
  mints = 0;
  burns = 0;
  gasPrices = 0;
  /** Logs emitted with the removed flag (node `removed: true`, or retracted after a missed reorg). */
  removed = 0;
  /** Of {@link removed}: retractions the adapter synthesised (reorg seen only through a backfill or a changed block hash). */
  retracted = 0;
  /** Frames that are not JSON or not JSON-RPC, notifications without the fields a log/head must have. */
  parseErrors = 0;
  /** Logs of our events whose topics/data do not fit the event's ABI layout. */
  malformedLogs = 0;
  /** Logs with a topic0 that is none of the pool events. */
  unknownEvents = 0;
  /** Notifications for a subscription id this session did not open. */
  unknownSubscriptions = 0;
  /** JSON-RPC responses or frames of no known purpose. */
  unknownFrames = 0;
  /** Logs dropped as already emitted (subscription/backfill overlap). */
  duplicates = 0;
  /** Logs older than the dedupe window (cannot be checked), dropped. */
  belowWindow = 0;
  /** Logs of pools with no metadata and no way to fetch it (normalize without the pool in the cache). */
  unknownPools = 0;
  /** Logs dropped because their pool's metadata could not be fetched. */
  metadataDropped = 0;
  /** Pool metadata fetches (each is a few `eth_call`s) and their failures. */
  metadataFetches = 0;
  metadataErrors = 0;
  /** Connections opened, and re-connections after a loss. */
  connects = 0;
  reconnects = 0;
  /** Backfills completed, logs they returned, and backfills that failed. */
  backfills = 0;
  backfillLogs = 0;
  backfillErrors = 0;
  /** Subscription requests the node refused. */
  subscribeErrors = 0;
  /** Heads without a usable number/baseFee, and priority-fee refreshes that failed. */
  badHeads = 0;
  priorityFeeErrors = 0;
  /** Staleness timeouts (no head for too long on an open socket). */
  staleTimeouts = 0;

  /** All counters as a plain object. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) if (typeof v === "number") out[k] = v;
    return out;
  }

  /** Messages emitted in total. */
  get messages(): number {
    return this.swaps + this.syncs + this.mints + this.burns + this.gasPrices;
  }
}

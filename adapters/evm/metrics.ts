/**
 * Counters of the EVM adapter: the common adapter metrics (frames, parse errors, connects, reconnects,
 * staleness, REST, latency — updated by the live task or the replay) plus the DEX-specific ones. Every
 * dropped or skipped input is counted under a name that says why, so nothing disappears silently.
 *
 * @module
 */

import { AdapterMetrics, type AdapterMetricsSnapshot } from "../common/metrics.ts";

/** The EVM-specific counters, as plain data. */
export interface EvmCountersSnapshot {
  swaps: number;
  syncs: number;
  mints: number;
  burns: number;
  gasPrices: number;
  removed: number;
  retracted: number;
  malformedLogs: number;
  unknownEvents: number;
  unknownSubscriptions: number;
  duplicates: number;
  belowWindow: number;
  unknownPools: number;
  metadataDropped: number;
  metadataFetches: number;
  metadataErrors: number;
  backfills: number;
  backfillLogs: number;
  backfillErrors: number;
  subscribeErrors: number;
  badHeads: number;
  headsWithoutTip: number;
  priorityFeeErrors: number;
  heldBackDropped: number;
}

/** Common adapter metrics plus the EVM counters. */
export class EvmMetrics extends AdapterMetrics {
  /** PoolSwap messages emitted. */
  swaps = 0;
  /** PoolSync messages emitted. */
  syncs = 0;
  /** PoolMint messages emitted. */
  mints = 0;
  /** PoolBurn messages emitted. */
  burns = 0;
  /** GasPrice messages emitted. */
  gasPrices = 0;
  /** Pool messages emitted with the removed flag (node `removed: true`, or retracted after a missed reorg). */
  removed = 0;
  /** Of {@link removed}: retractions the adapter synthesised (reorg seen only through a backfill or a changed block hash). */
  retracted = 0;
  /** Logs of our events whose topics/data do not fit the event's ABI layout or protocol field ranges. */
  malformedLogs = 0;
  /** Logs with a topic0 that is none of the pool events. */
  unknownEvents = 0;
  /** Notifications for a subscription id this session did not open. */
  unknownSubscriptions = 0;
  /** Logs dropped as already emitted (subscription/backfill overlap). */
  duplicates = 0;
  /** Logs older than the dedupe window (cannot be checked), dropped. */
  belowWindow = 0;
  /** Logs of pools with no metadata and no way to fetch it now (replay without the pool in the cache, or a fetch cooling down). */
  unknownPools = 0;
  /** Logs dropped because their pool's metadata could not be fetched (or too many waited). */
  metadataDropped = 0;
  /** Pool metadata fetches started, and those that failed. */
  metadataFetches = 0;
  metadataErrors = 0;
  /** Backfills completed, logs they returned, and backfill requests that failed. */
  backfills = 0;
  backfillLogs = 0;
  backfillErrors = 0;
  /** Subscription requests the node refused. */
  subscribeErrors = 0;
  /** Heads without a usable number/baseFee. */
  badHeads = 0;
  /** Heads seen before any priority fee was known (no GasPrice emitted for them). */
  headsWithoutTip = 0;
  /** Priority-fee refreshes that failed. */
  priorityFeeErrors = 0;
  /** Live logs dropped while a backfill held them back past its limit (re-read by a resync). */
  heldBackDropped = 0;

  /** The EVM counters alone. */
  evmSnapshot(): EvmCountersSnapshot {
    return {
      swaps: this.swaps, syncs: this.syncs, mints: this.mints, burns: this.burns, gasPrices: this.gasPrices,
      removed: this.removed, retracted: this.retracted, malformedLogs: this.malformedLogs, unknownEvents: this.unknownEvents,
      unknownSubscriptions: this.unknownSubscriptions, duplicates: this.duplicates, belowWindow: this.belowWindow,
      unknownPools: this.unknownPools, metadataDropped: this.metadataDropped, metadataFetches: this.metadataFetches,
      metadataErrors: this.metadataErrors, backfills: this.backfills, backfillLogs: this.backfillLogs,
      backfillErrors: this.backfillErrors, subscribeErrors: this.subscribeErrors, badHeads: this.badHeads,
      headsWithoutTip: this.headsWithoutTip, priorityFeeErrors: this.priorityFeeErrors, heldBackDropped: this.heldBackDropped,
    };
  }

  /** Common snapshot plus `evm`: the EVM counters. */
  override snapshot(): AdapterMetricsSnapshot & { evm: EvmCountersSnapshot } {
    return { ...super.snapshot(), evm: this.evmSnapshot() };
  }
}

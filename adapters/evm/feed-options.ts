/**
 * The settings of an {@link EvmFeed} (adapters/evm/feed.ts), its two subscription kinds, and the frame
 * outcomes its transport acts on.
 *
 * @module
 */

import type { EvmChain } from "./chains.ts";
import type { EvmMetrics } from "./metrics.ts";
import type { PoolCache } from "./pool-cache.ts";

/** The two subscriptions the adapter opens. */
export type SubscriptionKind = "logs" | "newHeads";

/** Outcome of {@link EvmFeed.onWsText} that the transport must act on. */
export const FrameOutcome = {
  Ok: 0,
  /** The node refused a subscription: the session is useless, reconnect with backoff. */
  SubscribeFailed: 1,
  /** A JSON-RPC answer with a string id (the transport's own requests): see {@link EvmFeed.lastAnswer}. */
  Answer: 2,
} as const;
/** A {@link FrameOutcome} value. */
export type FrameOutcome = (typeof FrameOutcome)[keyof typeof FrameOutcome];

/** Options of {@link EvmFeed}. */
export interface EvmFeedOptions {
  /** The chain served. */
  readonly chain: EvmChain;
  /** Pool metadata (token pair, decimals, fee) by address. */
  readonly cache: PoolCache;
  /** Receives each message; the bytes are valid until the next call (copy to keep them). */
  readonly emit: (message: Uint8Array) => void;
  /** Header `source` (default: the chain's adapter id). */
  readonly source?: number;
  /**
   * Asks for a pool's metadata; returns false when it cannot be fetched now (replay, cooling down), and
   * the log is then counted as `unknownPools` and skipped. When absent, every unknown pool is skipped.
   */
  readonly requestPool?: (address: string, kind: "v2" | "v3") => boolean;
  /**
   * Priority fee for GasPrice messages: a fixed value, or `undefined` to wait for
   * {@link EvmFeed.setPriorityFee} (heads before the first value emit no GasPrice: `headsWithoutTip`).
   */
  readonly priorityFeeWei?: bigint;
  /** Pools to filter on (lower-case addresses); empty = every pool emitting the events. */
  readonly pools?: readonly string[];
  /** Blocks re-read before the last block seen when backfilling (default 2). */
  readonly overlapBlocks?: number;
  /** Dedupe/reorg window in blocks (default 256) and logs (default 200 000). */
  readonly windowBlocks?: number;
  /** See {@link windowBlocks}. */
  readonly windowEntries?: number;
  /** Logs held per pool while its metadata is fetched (default 10 000); more are dropped and counted. */
  readonly maxPendingPerPool?: number;
  /** Logs held back during a backfill (default 100 000); past that the feed asks for a resync. */
  readonly maxBufferedDuringBackfill?: number;
  /** Shared counters (default: a new set). */
  readonly metrics?: EvmMetrics;
  /** Told about each malformed input, with what and where (callers rate-limit their logging). */
  readonly onProblem?: (what: string) => void;
  /** Told about each new head (live: refresh the priority fee). */
  readonly onHead?: (blockNumber: number) => void;
}

/**
 * `ap normalize polygon|ethereum`: a capture (PROTOCOL.md §8) through the EVM adapter with no network,
 * using the pool cache file for metadata. The adapter is the live one, driven by the common replay, so
 * subscription bookkeeping, backfills (from the recorded `eth_getLogs` answers), dedupe and reorg
 * handling are exactly those of the recorded session. Header times are the capture times: the same
 * capture always gives the same bytes.
 *
 * @example
 * ```ts
 * const sink = new CollectingSink();
 * const { metrics } = await normalizeEvmCapture(readCaptureFile("polygon.jsonl"), {
 *   chain: "polygon", poolCache: "pool-cache.polygon.json", sink,
 * });
 * ```
 * @module
 */

import type { CaptureEvent } from "../common/capture.ts";
import { replayCapture, type ReplaySummary } from "../common/replay.ts";
import type { MessageSink } from "../common/sink.ts";
import { EvmAdapter } from "./adapter.ts";
import type { EvmChainName } from "./chains.ts";
import type { EvmMetrics } from "./metrics.ts";
import { PoolCache } from "./pool-cache.ts";

/** Options of {@link normalizeEvmCapture}. */
export interface NormalizeEvmOptions {
  /** `polygon` or `ethereum`. */
  chain: EvmChainName;
  /** Pool metadata: a loaded cache or the path of a cache file (PROTOCOL.md §8). Without it every pool is unknown. */
  poolCache?: PoolCache | string;
  /** Where messages go. */
  sink: MessageSink;
  /** As configured for the recorded session: `"rpc"` (default) or a fixed priority fee in wei. */
  priorityFee?: "rpc" | bigint;
  /** Header `source` (default: the chain's). */
  source?: number;
  /** Problem reports. */
  log?: (line: string) => void;
}

/** Result of {@link normalizeEvmCapture}. */
export interface NormalizeEvmResult {
  summary: ReplaySummary;
  metrics: EvmMetrics;
}

/** Replays `events` through the EVM adapter into `options.sink`. */
export async function normalizeEvmCapture(
  events: AsyncIterable<CaptureEvent> | Iterable<CaptureEvent>, options: NormalizeEvmOptions,
): Promise<NormalizeEvmResult> {
  const cache = typeof options.poolCache === "string" ? await PoolCache.load(options.poolCache) : options.poolCache;
  const adapter = new EvmAdapter({
    chain: options.chain, sink: options.sink,
    ...(cache ? { poolCache: cache } : {}),
    ...(options.priorityFee !== undefined ? { priorityFee: options.priorityFee } : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const summary = await replayCapture(adapter, events, { pace: "fast", ...(options.log ? { log: options.log } : {}) });
  return { summary, metrics: adapter.metrics };
}

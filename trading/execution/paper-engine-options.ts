/**
 * The options and counters of the paper venue, {@link PaperExecutionEngine} (paper-engine.ts).
 *
 * @module
 */

import type { MessageSink } from "../../core/sink.ts";
import type { PoolMeta } from "../dex/pool-cache.ts";
import type { DexRouteTable } from "../dex/route-table.ts";
import type { MarketState } from "./market-state.ts";
import type { PaperDexVenue } from "./paper-dex.ts";

/** Counters of the paper engine. */
export interface PaperCounters {
  /** OrderRequests executed (held ones once they reach the venue). */
  orders: number;
  /** Orders accepted. */
  accepted: number;
  /** OrderAcks rejected. */
  rejected: number;
  /** Fills published. */
  fills: number;
  /** OrderAcks expired (unfilled rests, FOK not fillable, no room to rest). */
  expired: number;
  /** Orders cancelled (held or resting). */
  cancelled: number;
  /** OrderRequests from sources not allowed (ignored). */
  foreignOrders: number;
}

/** Options of a {@link PaperExecutionEngine}. */
export interface PaperEngineOptions {
  /** Where acks and fills go (default: discarded until `connect`). */
  sink?: MessageSink;
  /** Pools of its own market state (when `market` is not given). */
  pools?: Iterable<PoolMeta>;
  /** Shared market state (default: its own). */
  market?: MarketState;
  /** Executes orders with a route in the route table (DEX cycles; see paper-dex.ts). */
  dex?: { venue: PaperDexVenue; routes: DexRouteTable };
}

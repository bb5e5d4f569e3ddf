/**
 * The options of a {@link RiskManager} (risk-manager.ts) and the record of its last decision.
 *
 * @module
 */

import type { Clock } from "../../core/clock.ts";
import type { MessageSink } from "../../core/sink.ts";
import type { DexPricing } from "../dex/dex-settings.ts";
import type { PoolMeta } from "../dex/pool-cache.ts";
import type { DexRouteTable } from "../dex/route-table.ts";
import type { MarketState } from "../execution/market-state.ts";

/** The outcome of the last decision, for logs and the API. */
export interface RiskDecision {
  /** The order decided on. */
  orderId: bigint;
  /** Forwarded (true) or rejected. */
  accepted: boolean;
  /** The PROTOCOL reject reason (None when accepted). */
  reason: number;
  /** Why, in words ("forwarded" when accepted). */
  detail: string;
}

/** Options of a {@link RiskManager}. */
export interface RiskManagerOptions {
  /** Where forwarded orders, rejections and cancels go (default: discarded until `connect`). */
  sink?: MessageSink;
  /** DEX pools (for marks and freshness of pool instruments). */
  pools?: Iterable<PoolMeta>;
  /** Shared market state (default: its own). */
  market?: MarketState;
  /** The clock of config `clock: wall` (default the system clock; a backtest passes a ManualClock). */
  clock?: Clock;
  /** Wall clock in ms since the epoch for config `clock: wall`, instead of `clock` (tests inject one). */
  wallMs?: () => number;
  /** Routed DEX orders: the shared route table and gas/USD pricing over this manager's market. */
  dex?: { routes: DexRouteTable; pricing: (market: MarketState) => DexPricing };
}

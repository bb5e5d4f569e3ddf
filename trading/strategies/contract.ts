/**
 * The contract every trading strategy fulfils, and the small types around it.
 *
 * A strategy reads market data in place and publishes signal messages:
 *
 * - {@link TradingStrategy.onMarketData} takes one validated message (a reused {@link MessageView}),
 *   updates preallocated per-instrument or per-pool state without allocating, and publishes zero or more
 *   signal messages (relay domain Signal, SignalIdentity first) to its {@link MessageSink}. It returns how
 *   many it published.
 *
 * That is all the runtime calls (runtime/service/strategy-service.ts, `ap strategy`). Turning a signal into
 * orders is the execution planner's job (trading/execution/planner.ts), checking them the risk manager's
 * (trading/risk/): a strategy only says what it sees.
 *
 * Determinism: a strategy never reads the wall clock or a random source. Signal timestamps, ids and
 * validity derive from the input messages, so a recording replays into exactly the same bytes.
 *
 * @example
 * ```ts
 * const strategy = await createStrategy("momentum", config, { sink });
 * for (const view of messages) strategy.onMarketData(view);
 * ```
 * @module
 */

import type { MessageView } from "../../protocol/mod.ts";
import type { MessageSink } from "../../core/sink.ts";

/**
 * Where a strategy's messages go: a relay connection, a file writer, a test array. `publish` must take
 * the bytes synchronously (send or copy them): they are a view of a reused builder buffer.
 * The shared interface (core/sink.ts), which the relay client implements.
 */
export { DiscardSink, type MessageSink } from "../../core/sink.ts";

/** Counters a strategy exposes for metrics: every input it ignored or dropped is counted here. */
export type StrategyStats = Readonly<Record<string, number>>;

/** A trading strategy (see the module documentation). */
export interface TradingStrategy {
  /** Registry name, e.g. `flash-arbitrage`. */
  readonly name: string;
  /** strategyId written into SignalIdentity. */
  readonly strategyId: number;
  /** Header `source` of the signal messages (PROTOCOL.md §6: strategies 20–39). */
  readonly source: number;
  /** Sets where signals are published from now on (a relay publisher, a file, a test array). */
  connect(sink: MessageSink): void;
  /** Processes one validated message; publishes signals to the sink; returns how many. */
  onMarketData(view: MessageView): number;
  /** Counters for metrics. */
  stats(): StrategyStats;
}

/**
 * Service mode: a strategy (or any message engine) between two relays — messages in from an async
 * iterable (a market-data relay subscription), signals out through a {@link MessageSink} (a signal-relay
 * publisher). The relay plumbing is the caller's (the runtime wires relay/client.ts); this function is
 * the loop: validate, dispatch, count, never die of a bad message.
 *
 * Each item of `subscribe` may be one whole message or any chunk of a message stream.
 *
 * @example
 * ```ts
 * const stats = await runStrategyService(strategy, { subscribe: marketData, sink: signalPublisher });
 * ```
 * @module
 */

import type { MessageView } from "../protocol/mod.ts";
import type { MessageSink, TradingStrategy } from "./contract.ts";
import { MessageRunner, type RunnerStats } from "./runner.ts";

/** The two ends of a service. */
export interface ServiceIo {
  /** Incoming messages (or stream chunks). The service ends when it ends. */
  subscribe: AsyncIterable<Uint8Array>;
  /** Stops the loop at the next message. */
  signal?: AbortSignal;
  /** Called every `statsEvery` messages with the counters (metrics export). */
  onStats?: (stats: RunnerStats) => void;
  /** Messages between `onStats` calls (default 10,000). */
  statsEvery?: number;
}

/** Strategy service ends: market data in, signals out. */
export interface StrategyServiceIo extends ServiceIo {
  /** Where signals go (the strategy is {@link TradingStrategy.connect}ed to it). */
  sink: MessageSink;
}

/** Runs any per-message handler as a service over `io.subscribe`; resolves with the counters when input ends. */
export async function runMessageService(handler: (view: MessageView) => number | void, io: ServiceIo): Promise<RunnerStats> {
  const runner = new MessageRunner(handler);
  const every = io.statsEvery ?? 10_000;
  let next = every;
  for await (const chunk of io.subscribe) {
    if (io.signal?.aborted) break;
    runner.push(chunk);
    if (io.onStats !== undefined && runner.stats.messages >= next) {
      next = runner.stats.messages + every;
      io.onStats(runner.stats);
    }
  }
  io.onStats?.(runner.stats);
  return runner.stats;
}

/** Anything driven by messages that publishes messages: the risk manager, the paper engine, the portfolio. */
export interface MessageEngine {
  connect(sink: MessageSink): void;
  onMessage(view: MessageView): number;
}

/**
 * Runs a message engine as a service (e.g. the risk manager between the execution relay's strategy
 * orders and the paper engine): messages in from `subscribe`, everything it publishes out to `sink`.
 */
export function runEngineService(engine: MessageEngine, io: StrategyServiceIo): Promise<RunnerStats> {
  engine.connect(io.sink);
  return runMessageService((view) => engine.onMessage(view), io);
}

/**
 * Runs `strategy` as a service: market data in from `subscribe`, signals out to `sink`. Resolves with
 * the counters when the subscription ends or `signal` aborts.
 */
export function runStrategyService(strategy: TradingStrategy, io: StrategyServiceIo): Promise<RunnerStats> {
  strategy.connect(io.sink);
  return runMessageService((view) => strategy.onMarketData(view), io);
}

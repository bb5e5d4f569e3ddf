/**
 * The momentum strategy's warm-up input: a synthetic Trade series shaped by its config so that every
 * window fills, crosses its threshold both ways and outlasts its cooldown — the whole signal path runs.
 *
 * @example
 * ```ts
 * const plan = momentumWarmUpPlan(config);
 * const report = await feedSyntheticTrades((sink) => new MomentumStrategy(config, sink), plan);
 * ```
 * @module
 */

import { Venue, pairInstrument, parseInstrument, type InstrumentId } from "../../../protocol/mod.ts";
import type { SyntheticTradePlan } from "../warm-up.ts";
import type { MomentumConfig } from "./config.ts";

/** Synthetic messages of a warm-up: ~50 ms of work before optimisation, a few ms after. */
export const MOMENTUM_WARM_UP_MESSAGES = 16_000;
/** Instruments traded in turn (at most the config's `maxInstruments`): more of them, more signals per cooldown. */
const WARM_UP_INSTRUMENTS = 16;

/**
 * The plan for `config`: the configured instruments (or synthetic ones), each trading often enough that
 * the shortest window holds twice `minTrades`, with a price move per trade that crosses the largest
 * threshold within `minTrades` trades.
 */
export function momentumWarmUpPlan(config: MomentumConfig, messages: number = MOMENTUM_WARM_UP_MESSAGES): SyntheticTradePlan {
  const listed = (config.instruments ?? []).slice(0, WARM_UP_INSTRUMENTS).map((s) => parseInstrument(s));
  const count = Math.max(1, Math.min(WARM_UP_INSTRUMENTS, config.maxInstruments));
  const instruments: InstrumentId[] = listed.length > 0
    ? listed
    : Array.from({ length: count }, (_, i) => pairInstrument(`WARM${i}`, "USD", Venue.Coinbase));
  const shortestNs = Math.min(...config.windows.map((w) => w.seconds)) * 1e9;
  const largestBps = Math.max(...config.windows.map((w) => w.thresholdBps));
  const tradesPerWindow = 2 * (config.minTrades + 1);
  return {
    instruments,
    messages,
    stepNs: shortestNs / (instruments.length * tradesPerWindow),
    movePerTrade: (largestBps / config.minTrades + 1) / 10_000,
    legTrades: tradesPerWindow,
  };
}

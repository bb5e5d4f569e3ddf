/**
 * Configuration of the portfolio (YAML, validated with valibot): leverage per instrument for
 * liquidation alerts and the alert distance.
 *
 * @example
 * ```yaml
 * alertDistanceBps: 500
 * leverage:
 *   "BTC/USDT@binance": { leverage: 10, maintenanceMarginBps: 50 }
 * ```
 * @module
 */

import * as v from "valibot";
import { Bps, U16 } from "../config.ts";

const InstrumentText = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue"));

/** Schema of the portfolio config. */
export const PortfolioConfigSchema = v.strictObject({
  /** Header source of LiquidationAlert messages (execution/risk/portfolio 40–59). */
  source: v.optional(U16, 42),
  /** SignalIdentity strategyId of LiquidationAlert messages. */
  strategyId: v.optional(U16, 42),
  /** Leveraged instruments: leverage (> 1) and maintenance margin. */
  leverage: v.optional(v.record(InstrumentText, v.strictObject({
    leverage: v.pipe(v.number(), v.minValue(1.0001), v.maxValue(1000)),
    maintenanceMarginBps: v.optional(Bps, 50),
  })), {}),
  /** Alert when the mark is within this distance of the liquidation price. */
  alertDistanceBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 500),
  /** Orders and signals remembered for slippage measurement (oldest forgotten first). */
  maxTracked: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16)), 100_000),
});

/** A validated portfolio config. */
export type PortfolioConfig = v.InferOutput<typeof PortfolioConfigSchema>;

/**
 * What the portfolio keeps across restarts: the schema and the JSON-safe shape of its snapshot.
 *
 * @module
 */

import * as v from "valibot";
import { BigIntText, CountNumber, InstrumentJsonSchema, U64IntPairs, type InstrumentJson } from "../snapshot-codec.ts";
import type { SignalIdSpaceJson } from "../signal-id.ts";
import type { PositionJson } from "./position.ts";

/** Version of {@link PortfolioSnapshot} this build writes and reads. */
export const PORTFOLIO_SNAPSHOT_VERSION = 1;

/** Schema of a portfolio snapshot (validated on restore). */
export const PortfolioSnapshotSchema = v.strictObject({
  kind: v.literal("portfolio"),
  version: v.literal(PORTFOLIO_SNAPSHOT_VERSION),
  /** Epoch of the LiquidationAlert signal ids. */
  ids: v.strictObject({ epoch: CountNumber }),
  /** The market table's instruments in slot order (restored first, so slots — and list orders — match). */
  instruments: v.array(InstrumentJsonSchema),
  positions: v.array(v.strictObject({
    instrument: InstrumentJsonSchema,
    position: v.strictObject({
      quantity: BigIntText, cost: BigIntText, realized: BigIntText, fees: BigIntText, fills: CountNumber,
      tripRealized: BigIntText, tripFees: BigIntText,
    }),
  })),
  roundTrips: CountNumber,
  wins: CountNumber,
  fills: CountNumber,
  alerts: CountNumber,
  slippageCost: BigIntText,
  slippageNotional: BigIntText,
  /** Expected price per order id, oldest first. */
  expected: U64IntPairs,
  /** Reference price per signal id, oldest first. */
  signalPrices: U64IntPairs,
  /** Last alert severity bucket per instrument. */
  alerted: v.array(v.strictObject({ instrument: InstrumentJsonSchema, bucket: CountNumber })),
});

/** A validated portfolio snapshot (bigints restored). */
export type PortfolioSnapshotValues = v.InferOutput<typeof PortfolioSnapshotSchema>;

/**
 * The JSON-safe state of a Portfolio: everything its figures are computed from, so a restored
 * portfolio gives the same totals and positions and goes on exactly as the original would. Marks are not
 * part of it (market data refreshes them).
 */
export interface PortfolioSnapshot {
  kind: "portfolio";
  version: typeof PORTFOLIO_SNAPSHOT_VERSION;
  ids: SignalIdSpaceJson;
  instruments: InstrumentJson[];
  positions: { instrument: InstrumentJson; position: PositionJson }[];
  roundTrips: number;
  wins: number;
  fills: number;
  alerts: number;
  slippageCost: string;
  slippageNotional: string;
  expected: [string, string][];
  signalPrices: [string, string][];
  alerted: { instrument: InstrumentJson; bucket: number }[];
}

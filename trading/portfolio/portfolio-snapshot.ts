/**
 * What the portfolio keeps across restarts: the schema and the JSON-safe shape of its snapshot.
 *
 * @module
 */

import * as v from "valibot";
import { BigIntText, CountNumber, InstrumentJsonSchema, U64IntPairs, type InstrumentJson } from "../snapshot-codec.ts";
import type { SignalIdSpaceJson } from "../signal-id.ts";
import type { PositionJson } from "./position.ts";
import { DexRevert } from "../dex/route-table.ts";

/**
 * Version of {@link PortfolioSnapshot} this build writes and reads. 2: the DEX book (balances, USD totals,
 * recent and booked fills) and the routes of DEX orders not yet filled. A version-1 snapshot is refused
 * (SnapshotError "version"), as every other version: the execution service then rebuilds from the whole
 * journal and starts HALTED with an alert (runtime/service/execution-state.ts, "Upgrades").
 */
export const PORTFOLIO_SNAPSHOT_VERSION = 2;

const Text = v.string();
const Flt = v.pipe(v.number(), v.finite());

/** Schema of one {@link DexRoute} (execution included when the venue ran it). */
export const DexRouteSchema = v.strictObject({
  orderId: BigIntText, signalId: BigIntText, strategyId: CountNumber, chainId: CountNumber, pools: v.array(Text), venues: v.array(CountNumber),
  tokenIn: Text, tokenOut: Text, amountIn: BigIntText, minAmountOut: BigIntText, expectedOut: BigIntText, validUntil: BigIntText,
  maxGasPriceWei: BigIntText, expectedProfitUsd: BigIntText, netProfitUsd: BigIntText, plannedRates: v.array(Flt),
  execution: v.optional(v.strictObject({
    reverted: v.boolean(), revertReason: v.optional(v.picklist(Object.values(DexRevert))), amountOut: BigIntText, flashFee: BigIntText,
    gasWei: BigIntText, gasPriceWei: BigIntText, gasUsd: BigIntText, flashFeeUsd: BigIntText, tokenPnlUsd: BigIntText, netPnlUsd: BigIntText,
    executedAt: BigIntText,
  })),
});

/** Schema of the DEX part of a portfolio snapshot (null when the portfolio books no DEX fills). */
export const DexBookSnapshotSchema = v.strictObject({
  balances: v.array(v.tuple([Text, BigIntText])),
  totals: v.strictObject({
    tokenPnlUsd: BigIntText, gasUsd: BigIntText, flashFeeUsd: BigIntText, netUsd: BigIntText, fills: CountNumber, succeeded: CountNumber, reverted: CountNumber,
  }),
  recent: v.array(v.strictObject({
    orderId: BigIntText, signalId: BigIntText, pools: v.array(Text), tokenIn: Text, amountIn: BigIntText, amountOut: BigIntText, reverted: v.boolean(),
    revertReason: v.optional(Text), gasWei: BigIntText, gasUsd: BigIntText, flashFee: BigIntText, flashFeeUsd: BigIntText, tokenPnlUsd: BigIntText,
    netPnlUsd: BigIntText, executedAt: BigIntText,
  })),
  /** Order ids already booked, oldest first (a Fill is booked once). */
  booked: v.array(BigIntText),
  /** Routes of DEX orders in flight (not booked yet), oldest first: restored into the route table. */
  routes: v.array(DexRouteSchema),
  withoutRoute: CountNumber,
});

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
  /** The DEX book; null when this portfolio books no DEX fills. */
  dex: v.nullable(DexBookSnapshotSchema),
});

/** The DEX part of a validated snapshot. */
export type DexBookSnapshotValues = v.InferOutput<typeof DexBookSnapshotSchema>;

/** JSON-safe form: every bigint of `T` as decimal text. */
export type Jsonified<T> = T extends bigint ? string : T extends (infer U)[] ? Jsonified<U>[] : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

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
  dex: Jsonified<DexBookSnapshotValues> | null;
}

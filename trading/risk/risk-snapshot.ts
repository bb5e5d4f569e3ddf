/**
 * What the risk manager's (risk-manager.ts) state is made of outside its code: the trading states, its counters, and
 * the versioned JSON snapshot (valibot-checked on restore) the execution service writes with the journal
 * position it covers.
 *
 * @example
 * ```ts
 * const values = v.parse(RiskSnapshotSchema, JSON.parse(text)); // or RiskManager.parseSnapshot(...)
 * ```
 * @module
 */

import * as v from "valibot";
import { PortfolioSnapshotSchema, type PortfolioSnapshot } from "../portfolio/portfolio-snapshot.ts";
import { BigIntText, CountNumber, FiniteNumber, InstrumentJsonSchema, U64Text, type InstrumentJson } from "../snapshot-codec.ts";

/** Version of {@link RiskSnapshot} this build writes and reads. */
export const RISK_SNAPSHOT_VERSION = 1;

/** Schema of a risk snapshot (validated on restore). */
export const RiskSnapshotSchema = v.strictObject({
  kind: v.literal("risk"),
  version: v.literal(RISK_SNAPSHOT_VERSION),
  state: v.picklist(["active", "reducing", "halted"]),
  stateReason: v.string(),
  /** Latest header time seen (ns, u64 decimal). */
  marketTime: U64Text,
  /** The market table's instruments in slot order (restored first, so slots — and list orders — match). */
  instruments: v.array(InstrumentJsonSchema),
  openOrders: v.array(v.strictObject({
    orderId: U64Text, instrument: InstrumentJsonSchema, remaining: BigIntText, sign: v.picklist([1, -1]), dex: v.boolean(),
  })),
  /** Day number (UTC days since the epoch) of the daily P&L baseline; -1 before the first. */
  day: v.pipe(v.number(), v.integer(), v.minValue(-1)),
  /** Net P&L at the start of `day` (quote × 1e8). */
  dayBaseline: BigIntText,
  /** Times (float ns) of the latest accepted orders, oldest first (the order-rate window). */
  rateTimes: v.array(FiniteNumber),
  counters: v.strictObject({
    orders: CountNumber, accepted: CountNumber, rejectedInvalid: CountNumber, rejectedKillSwitch: CountNumber, rejectedStale: CountNumber,
    rejectedRisk: CountNumber, cancelsForwarded: CountNumber, killSwitchCancels: CountNumber, foreignOrders: CountNumber,
    clockSkewOrders: v.optional(CountNumber, 0), clockSkewMarketData: v.optional(CountNumber, 0), clockSkewExecution: v.optional(CountNumber, 0),
    staleOrderStamps: v.optional(CountNumber, 0),
  }),
  /** Positions and P&L from the execution engine's fills. */
  portfolio: PortfolioSnapshotSchema,
});

/** A validated risk snapshot (bigints restored). */
export type RiskSnapshotValues = v.InferOutput<typeof RiskSnapshotSchema>;

/** The JSON-safe state of a risk manager: what its decisions depend on besides config and limits. */
export interface RiskSnapshot {
  kind: "risk";
  version: typeof RISK_SNAPSHOT_VERSION;
  state: TradingState;
  stateReason: string;
  marketTime: string;
  instruments: InstrumentJson[];
  openOrders: { orderId: string; instrument: InstrumentJson; remaining: string; sign: 1 | -1; dex: boolean }[];
  day: number;
  dayBaseline: string;
  rateTimes: number[];
  counters: RiskCounters;
  portfolio: PortfolioSnapshot;
}

/** Trading states. */
export const TradingState = { Active: "active", Reducing: "reducing", Halted: "halted" } as const;
/** A trading state. */
export type TradingState = (typeof TradingState)[keyof typeof TradingState];

/** Counters of the risk manager. */
export interface RiskCounters {
  orders: number;
  accepted: number;
  rejectedInvalid: number;
  rejectedKillSwitch: number;
  rejectedStale: number;
  rejectedRisk: number;
  cancelsForwarded: number;
  killSwitchCancels: number;
  /** OrderRequests from sources not allowed to trade (ignored). */
  foreignOrders: number;
  /** Orders rejected (Stale) because their own stamp was more than `maxFutureSkewMs` ahead of now (also in `rejectedStale`). */
  clockSkewOrders: number;
  /**
   * Market-data messages dropped for a stamp more than `maxFutureSkewMs` ahead of now (`stamps` mode: a
   * held jump that no second message confirmed).
   */
  clockSkewMarketData: number;
  /** Acks, fills and cancels stamped more than `maxFutureSkewMs` ahead: applied, their time ignored. */
  clockSkewExecution: number;
  /** Orders rejected (Stale) because their own stamp was older than `maxOrderAgeMs` (also in `rejectedStale`). */
  staleOrderStamps: number;
}

/**
 * valibot schemas of trading control: the trading state behind the kill switch, and the risk limits —
 * one form for `GET` and `PUT` (sizes and money as exact decimal text in whole units, counts and times as
 * integers), so a GET's answer PUT back is accepted and changes nothing.
 *
 * @module
 */

import * as v from "valibot";
import { RISK_LIMIT_RANGES } from "../../trading/risk/limits.ts";

/** Body of `GET|POST|DELETE /kill-switch`: the trading state, why, and the open alerts. */
export const TradingStatusSchema = v.object({
  tradingState: v.picklist(["ACTIVE", "REDUCING", "HALTED"]),
  reason: v.string(),
  alerts: v.array(v.object({ name: v.string(), file: v.string(), kind: v.string(), reason: v.string(), since: v.string() })),
});

/** Largest money or quantity a risk limit may name (ten billion). */
export const MAX_LIMIT_AMOUNT = RISK_LIMIT_RANGES.maxDecimal;

const LIMIT_TEXT = /^(0|[1-9]\d{0,10})(\.\d{1,8})?$/;

/** A size or money limit as the API answers it: decimal text, 0 … 10^10, at most 8 decimals. */
const LimitText = v.pipe(v.string(), v.regex(LIMIT_TEXT, "must be a decimal from 0 with at most 8 decimals"),
  v.check((s) => Number(s) <= MAX_LIMIT_AMOUNT, `must be at most ${MAX_LIMIT_AMOUNT}`));

/** A size or money limit in a PUT: the same text, or a JSON number with the same digits. */
const LimitInput = v.union([LimitText, v.pipe(v.number(), v.check((x) => Number.isFinite(x) && LIMIT_TEXT.test(String(x)) && x <= MAX_LIMIT_AMOUNT,
  (issue) => `${JSON.stringify(issue.input)} is not a decimal from 0 to ${MAX_LIMIT_AMOUNT} with at most 8 decimals`))],
(issue) => `${JSON.stringify(issue.input)} is not a decimal from 0 to ${MAX_LIMIT_AMOUNT} with at most 8 decimals`);

const boundedInt = (range: { min: number; max: number }) =>
  v.pipe(v.number(), v.integer(`must be an integer from ${range.min} to ${range.max}`), v.minValue(range.min, `must be at least ${range.min}`),
    v.maxValue(range.max, `must be at most ${range.max}`));

const InstrumentKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue"));

const D = {
  maxPosition: "Largest absolute position per instrument, in its base currency (e.g. \"5\" = 5 BTC of BTC/USD), unless positionLimits names it.",
  positionLimits: "Position limits of named instruments (BASE/QUOTE@venue), in their base currency.",
  maxOrderNotional: "Largest notional of one order, in the order instrument's quote currency.",
  maxOpenOrders: "Most orders open at once.",
  maxOrdersPerSecond: "Most orders accepted in any rolling second.",
  dailyLossLimit: "Loss of the current UTC day (realized + unrealized − fees, in each instrument's quote currency) at which trading switches to REDUCING.",
  maxDataAgeMs: "Orders on an instrument whose last market data is older than this (ms) are rejected as stale.",
  maxOrderAgeMs: "Orders whose own stamp is older than this (ms) are rejected as stale; absent: maxDataAgeMs.",
  maxFutureSkewMs: "How far (ms) a message's stamp may be ahead of risk's clock and still count as in time.",
} as const;

const limitFields = <T extends v.GenericSchema>(amount: T) => ({
  maxPosition: v.pipe(amount, v.description(D.maxPosition)),
  positionLimits: v.pipe(
    v.record(InstrumentKey, amount),
    v.check((r) => Object.keys(r).length <= 1_000, "at most 1000 instruments"),
    v.description(D.positionLimits),
  ),
  maxOrderNotional: v.pipe(amount, v.description(D.maxOrderNotional)),
  maxOpenOrders: v.pipe(boundedInt(RISK_LIMIT_RANGES.maxOpenOrders), v.description(D.maxOpenOrders)),
  maxOrdersPerSecond: v.pipe(boundedInt(RISK_LIMIT_RANGES.maxOrdersPerSecond), v.description(D.maxOrdersPerSecond)),
  dailyLossLimit: v.pipe(amount, v.description(D.dailyLossLimit)),
  maxDataAgeMs: v.pipe(boundedInt(RISK_LIMIT_RANGES.maxDataAgeMs), v.description(D.maxDataAgeMs)),
  maxOrderAgeMs: v.pipe(boundedInt(RISK_LIMIT_RANGES.maxOrderAgeMs), v.description(D.maxOrderAgeMs)),
  maxFutureSkewMs: v.pipe(boundedInt(RISK_LIMIT_RANGES.maxFutureSkewMs), v.description(D.maxFutureSkewMs)),
});

const answer = limitFields(LimitText);

/** `GET /risk/limits` (and the answer of `PUT`): every limit in force. */
export const RiskLimitsSchema = v.pipe(v.strictObject({ ...answer, maxOrderAgeMs: v.optional(answer.maxOrderAgeMs) }), v.title("RiskLimits"));

const input = limitFields(LimitInput);

/**
 * `PUT /risk/limits` body: the same form as the GET's answer, any subset of it (a number is accepted
 * for a size too). The execution service validates it again in full; this refuses absurd values at the door.
 */
export const RiskLimitsBodySchema = v.pipe(v.strictObject({
  maxPosition: v.optional(input.maxPosition),
  positionLimits: v.optional(input.positionLimits),
  maxOrderNotional: v.optional(input.maxOrderNotional),
  maxOpenOrders: v.optional(input.maxOpenOrders),
  maxOrdersPerSecond: v.optional(input.maxOrdersPerSecond),
  dailyLossLimit: v.optional(input.dailyLossLimit),
  maxDataAgeMs: v.optional(input.maxDataAgeMs),
  maxOrderAgeMs: v.optional(input.maxOrderAgeMs),
  maxFutureSkewMs: v.optional(input.maxFutureSkewMs),
}), v.title("RiskLimitsPatch"));

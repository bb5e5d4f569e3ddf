/**
 * Risk limits (YAML, validated with valibot), changeable at run time through
 * {@link RiskManager.updateLimits} with the same validation. Quantities are base units × 1e8, money is
 * quote currency × 1e8 (decimal text in the file).
 *
 * @example
 * ```yaml
 * maxPosition: "10"                 # default per instrument
 * positionLimits: { "BTC/USD@coinbase": "2" }
 * maxOrderNotional: "50000"
 * maxOpenOrders: 20
 * maxOrdersPerSecond: 10
 * dailyLossLimit: "5000"
 * maxDataAgeMs: 2000
 * maxOrderAgeMs: 2000               # optional: default maxDataAgeMs
 * maxFutureSkewMs: 1000
 * ```
 *
 * Time (see `risk-clock.ts`): market data's age is now − its own header stamp, an order's age is now −
 * its own header stamp; a stamp up to `maxFutureSkewMs` ahead of now counts as fresh (age 0), further
 * ahead the message is refused as clock skew (orders: rejected Stale, PROTOCOL has no clock-skew reason).
 *
 * Every limit has a range ({@link RISK_LIMIT_RANGES}): counts are integers, sizes and money are exact
 * decimals up to 10,000,000,000, times are bounded — `maxOpenOrders: 1e23` is refused, not stored.
 * {@link strictestLimits} merges two sets of limits into the tighter of each, for when the limits an
 * operator set cannot be read back (the execution service then never falls back to looser ones).
 * @module
 */

import * as v from "valibot";
import { formatDecimal } from "../../protocol/mod.ts";
import { NonNegativeFixed8, U16 } from "../config.ts";

/** Ranges of the numeric limits (sizes and money in whole units, before the ×1e8 scaling). */
export const RISK_LIMIT_RANGES = {
  /** Largest size or money value (base or quote units): 1e10, so ×1e8 still fits an i64. */
  maxDecimal: 10_000_000_000,
  maxOpenOrders: { min: 0, max: 100_000 },
  maxOrdersPerSecond: { min: 0, max: 100_000 },
  maxDataAgeMs: { min: 1, max: 86_400_000 },
  maxOrderAgeMs: { min: 1, max: 86_400_000 },
  maxFutureSkewMs: { min: 0, max: 3_600_000 },
} as const;

const MAX_FIXED8 = BigInt(RISK_LIMIT_RANGES.maxDecimal) * 100_000_000n;

/** A size or money limit: exact decimal, 0 … {@link RISK_LIMIT_RANGES.maxDecimal}. */
const SizeLimit = v.pipe(NonNegativeFixed8, v.check((x) => x <= MAX_FIXED8, `must be at most ${RISK_LIMIT_RANGES.maxDecimal}`));

/** An integer limit in `range` (a number that is not an integer, or outside, is refused with the range in the message). */
function intLimit(range: { min: number; max: number }) {
  const what = `must be an integer from ${range.min} to ${range.max}`;
  return v.pipe(
    v.number(`${what}`),
    v.check((x) => Number.isSafeInteger(x) && x >= range.min && x <= range.max, (issue) => `${what} (got ${String(issue.input)})`),
  );
}

const InstrumentText = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue"));

/** The limits themselves. */
export const RiskLimitsSchema = v.strictObject({
  /** Largest absolute position per instrument (base × 1e8) unless `positionLimits` names it. */
  maxPosition: v.optional(SizeLimit, "1000000"),
  /** Per-instrument position limits. */
  positionLimits: v.optional(v.record(InstrumentText, SizeLimit), {}),
  /** Largest notional of one order (quote × 1e8). */
  maxOrderNotional: v.optional(SizeLimit, "1000000"),
  /** Most orders open at once. */
  maxOpenOrders: v.optional(intLimit(RISK_LIMIT_RANGES.maxOpenOrders), 100),
  /** Most orders accepted in any rolling second. */
  maxOrdersPerSecond: v.optional(intLimit(RISK_LIMIT_RANGES.maxOrdersPerSecond), 50),
  /** Loss of the current UTC day (realized + unrealized − fees) at which trading switches to REDUCING. */
  dailyLossLimit: v.optional(SizeLimit, "100000"),
  /** Orders on an instrument whose last market data is older than this are rejected as stale (ms). */
  maxDataAgeMs: v.optional(intLimit(RISK_LIMIT_RANGES.maxDataAgeMs), 5_000),
  /**
   * Orders whose own header stamp is older than this are rejected as stale (ms); absent: `maxDataAgeMs`.
   * An order built on a signal that sat in a queue (or by a strategy whose clock is behind) is refused.
   */
  maxOrderAgeMs: v.optional(intLimit(RISK_LIMIT_RANGES.maxOrderAgeMs)),
  /**
   * How far (ms) a message's header stamp may be ahead of risk's clock and still count as in time.
   * Further ahead, the message does not move the clock: an order is rejected (Stale, "clock skew"),
   * market data is dropped, acks and fills are applied without their time — each counted.
   */
  maxFutureSkewMs: v.optional(intLimit(RISK_LIMIT_RANGES.maxFutureSkewMs), 1_000),
});

/** A validated set of limits. */
export type RiskLimits = v.InferOutput<typeof RiskLimitsSchema>;

/** The risk manager's config: limits plus service identity. */
export const RiskConfigSchema = v.strictObject({
  /** Header source of forwarded orders, rejections and cancels (execution/risk 40–59). */
  source: v.optional(U16, 40),
  /** Accept orders only from these sources (default: strategies 20–39). */
  orderSources: v.optional(v.array(U16)),
  /** Source of the execution engine whose acks and fills update open orders and positions (default 41). */
  executionSource: v.optional(U16, 41),
  /** PROTOCOL §8 pool cache (relative to the config file), for marks and freshness of DEX pool instruments. */
  poolCache: v.optional(v.string()),
  /**
   * Where risk's "now" comes from: `stamps` — the latest header stamp accepted (replays decide the same
   * way every run); `wall` — the local wall clock (live: a feed that stops ages by the clock).
   */
  clock: v.optional(v.picklist(["stamps", "wall"]), "stamps"),
  /** Initial trading state. */
  state: v.optional(v.picklist(["active", "reducing", "halted"]), "active"),
  limits: v.optional(RiskLimitsSchema, {}),
});

/** A validated risk config. */
export type RiskConfig = v.InferOutput<typeof RiskConfigSchema>;

/** Partial limits for a run-time update (each field validated as in the file). */
export const RiskLimitsPatchSchema = v.partial(RiskLimitsSchema);

/** Limits refused by {@link RiskManager.updateLimits}-style validation: every issue as `path: reason`. */
export class RiskLimitsError extends Error {
  /** Each refused field as `path: reason` (`maxOpenOrders: must be an integer from 0 to 100000 (got 1e+23)`). */
  readonly issues: string[];
  /** The first refused field's path (`maxOpenOrders`), if known. */
  readonly path: string | undefined;
  /** @param issues the refused fields as `path: reason` */
  constructor(issues: string[]) {
    super(`risk limits refused: ${issues.join("; ")}`);
    this.name = "RiskLimitsError";
    this.issues = issues;
    this.path = /^([A-Za-z.\[\]0-9/@]+):/.exec(issues[0] ?? "")?.[1];
  }
}

/**
 * The tighter of `a` and `b` for every limit: the smaller size, notional, loss limit, count, rate and
 * age. A per-instrument position limit named in only one set is compared with the other set's
 * `maxPosition` (the limit that applies there). Times and `maxFutureSkewMs` take the smaller too.
 */
export function strictestLimits(a: RiskLimits, b: RiskLimits): RiskLimits {
  const min = (x: bigint, y: bigint) => (x < y ? x : y);
  const positionLimits: Record<string, bigint> = {};
  for (const k of new Set([...Object.keys(a.positionLimits), ...Object.keys(b.positionLimits)])) {
    positionLimits[k] = min(a.positionLimits[k] ?? a.maxPosition, b.positionLimits[k] ?? b.maxPosition);
  }
  const orderAgeA = a.maxOrderAgeMs ?? a.maxDataAgeMs;
  const orderAgeB = b.maxOrderAgeMs ?? b.maxDataAgeMs;
  return {
    maxPosition: min(a.maxPosition, b.maxPosition),
    positionLimits,
    maxOrderNotional: min(a.maxOrderNotional, b.maxOrderNotional),
    maxOpenOrders: Math.min(a.maxOpenOrders, b.maxOpenOrders),
    maxOrdersPerSecond: Math.min(a.maxOrdersPerSecond, b.maxOrdersPerSecond),
    dailyLossLimit: min(a.dailyLossLimit, b.dailyLossLimit),
    maxDataAgeMs: Math.min(a.maxDataAgeMs, b.maxDataAgeMs),
    maxOrderAgeMs: a.maxOrderAgeMs === undefined && b.maxOrderAgeMs === undefined ? undefined : Math.min(orderAgeA, orderAgeB),
    maxFutureSkewMs: Math.min(a.maxFutureSkewMs, b.maxFutureSkewMs),
  };
}

/** `limits` as the input a config file or the API gives (sizes and money as decimal text), for storing and re-validating. */
export function limitsToInput(limits: RiskLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {
    maxPosition: formatDecimal(limits.maxPosition, 8),
    positionLimits: Object.fromEntries(Object.entries(limits.positionLimits).map(([k, x]) => [k, formatDecimal(x, 8)])),
    maxOrderNotional: formatDecimal(limits.maxOrderNotional, 8),
    maxOpenOrders: limits.maxOpenOrders,
    maxOrdersPerSecond: limits.maxOrdersPerSecond,
    dailyLossLimit: formatDecimal(limits.dailyLossLimit, 8),
    maxDataAgeMs: limits.maxDataAgeMs,
    maxFutureSkewMs: limits.maxFutureSkewMs,
  };
  if (limits.maxOrderAgeMs !== undefined) out.maxOrderAgeMs = limits.maxOrderAgeMs;
  return out;
}

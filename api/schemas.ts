/**
 * valibot schemas of the control API's responses and request inputs. Responses are checked against
 * them before they leave (a shape regression is a 500 naming the path, not a silent contract change);
 * bad requests get 400 with the issue's path.
 *
 * @module
 */

import * as v from "valibot";

/** `GET /health`. */
export const HealthSchema = v.object({
  status: v.picklist(["ok", "degraded"]),
  uptime: v.number(),
  messageRate: v.number(),
  errorRate: v.number(),
  dependencies: v.array(v.object({
    name: v.string(),
    status: v.picklist(["up", "down", "degraded"]),
    lastSeen: v.nullable(v.string()),
  })),
});

/** One entry of `GET /services`. */
export const ServiceSchema = v.object({
  name: v.string(),
  kind: v.string(),
  pid: v.nullable(v.number()),
  state: v.picklist(["starting", "running", "backoff", "stopping", "stopped", "failed"]),
  restarts: v.number(),
  uptime: v.number(),
});

/** `GET /services`. */
export const ServicesSchema = v.array(ServiceSchema);

/** `GET /circuit-breakers`. */
export const CircuitBreakersSchema = v.array(v.object({
  name: v.string(),
  state: v.picklist(["closed", "open", "half-open"]),
  failures: v.number(),
  openedAt: v.nullable(v.string()),
}));

/** Trading state responses. */
/** Body of `GET|POST|DELETE /kill-switch`: the trading state, why, and the open alerts. */
export const TradingStatusSchema = v.object({
  tradingState: v.picklist(["ACTIVE", "REDUCING", "HALTED"]),
  reason: v.string(),
  alerts: v.array(v.object({ name: v.string(), file: v.string(), kind: v.string(), reason: v.string(), since: v.string() })),
});

/** Path parameter `:action` of `POST /services/:name/:action`. */
export const ServiceActionSchema = v.picklist(["restart", "stop", "start"]);

/** Path parameter `:action` of `POST /strategies/:name/:action`. */
export const StrategyActionSchema = v.picklist(["enable", "disable"]);

/** Query of `GET /stream`: a relay domain and an optional comma-separated TLV type filter. */
export const StreamQuerySchema = v.object({
  domain: v.picklist(["market-data", "signal", "execution", "system"]),
  types: v.optional(v.pipe(
    v.string(),
    v.regex(/^(\d{1,3}(,\d{1,3})*)?$/, "types must be comma-separated TLV type numbers"),
    v.transform((s) => (s === "" ? [] : s.split(",").map(Number))),
    v.array(v.pipe(v.number(), v.maxValue(254, "a TLV type is at most 254"))),
  ), ""),
});

/** Largest money or quantity a risk limit may name (ten billion). */
export const MAX_LIMIT_AMOUNT = 10_000_000_000;

/** A finite non-negative decimal with at most 8 decimals, ≤ {@link MAX_LIMIT_AMOUNT}; text or a JSON number. */
const LimitAmount = v.pipe(
  v.union([v.string(), v.number()]),
  v.check((x) => {
    const s = typeof x === "number" ? (Number.isFinite(x) ? String(x) : "") : x;
    return /^(0|[1-9]\d{0,10})(\.\d{1,8})?$/.test(s) && Number(s) <= MAX_LIMIT_AMOUNT;
  }, (issue) => `${JSON.stringify(issue.input)} is not a decimal from 0 to ${MAX_LIMIT_AMOUNT} with at most 8 decimals`),
);

const boundedInt = (min: number, max: number) =>
  v.pipe(v.number(), v.integer(`must be an integer from ${min} to ${max}`), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

/**
 * `PUT /risk/limits` body: a partial set of risk limits, every field within a sane range. The execution
 * service validates it again in full (its own schema); this one refuses absurd values at the door.
 */
export const RiskLimitsBodySchema = v.strictObject({
  maxPosition: v.optional(LimitAmount),
  positionLimits: v.optional(v.pipe(
    v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue")), LimitAmount),
    v.check((r) => Object.keys(r).length <= 1_000, "at most 1000 instruments"),
  )),
  maxOrderNotional: v.optional(LimitAmount),
  maxOpenOrders: v.optional(boundedInt(0, 10_000)),
  maxOrdersPerSecond: v.optional(boundedInt(0, 1_000_000)),
  dailyLossLimit: v.optional(LimitAmount),
  maxDataAgeMs: v.optional(boundedInt(1, 86_400_000)),
  maxOrderAgeMs: v.optional(boundedInt(1, 86_400_000)),
  maxFutureSkewMs: v.optional(boundedInt(0, 3_600_000)),
});

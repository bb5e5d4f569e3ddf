/**
 * valibot schemas of the control API's responses and request inputs. Responses are checked against
 * them before they leave (a shape regression is a 500 naming the path, not a silent contract change);
 * bad requests get 400 with the path.
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
export const TradingStateSchema = v.object({ tradingState: v.picklist(["ACTIVE", "REDUCING", "HALTED"]) });

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

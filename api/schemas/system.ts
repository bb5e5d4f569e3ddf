/**
 * valibot schemas of the system's resources: health, services, live figures, strategies, circuit
 * breakers and alerts, with the path parameters of their actions.
 *
 * @module
 */

import * as v from "valibot";

/** `GET /health`. */
export const HealthSchema = v.object({
  status: v.picklist(["ok", "degraded"]),
  uptime: v.pipe(v.number(), v.description("Seconds since the API started.")),
  messageRate: v.pipe(v.number(), v.description("Market-data messages per second.")),
  errorRate: v.pipe(v.number(), v.description("Errors per message (0 … 1).")),
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
  uptime: v.pipe(v.number(), v.description("Seconds the process has been running.")),
});

/** `GET /services`. */
export const ServicesSchema = v.array(ServiceSchema);

/** `GET /stats`: each service's last status report. */
export const StatsSchema = v.array(v.object({
  name: v.string(),
  kind: v.string(),
  up: v.boolean(),
  state: v.pipe(v.number(), v.description("Reported state: 1 starting, 2 running, 3 degraded, 4 stopping (0 never heard).")),
  connections: v.number(),
  messagesPerSecond: v.number(),
  errorsPerMillion: v.number(),
  p50Micros: v.number(),
  p99Micros: v.number(),
  processed: v.pipe(v.string(), v.regex(/^\d+$/), v.description("Messages handled since start (a count, decimal text).")),
  dropped: v.pipe(v.string(), v.regex(/^\d+$/), v.description("Messages dropped since start (a count, decimal text).")),
  lastSeen: v.nullable(v.string()),
}));

/** `GET /strategies`. */
export const StrategiesSchema = v.array(v.object({ name: v.string(), enabled: v.boolean(), up: v.boolean() }));

/** `GET /circuit-breakers`. */
export const CircuitBreakersSchema = v.array(v.object({
  name: v.string(),
  state: v.picklist(["closed", "open", "half-open"]),
  failures: v.number(),
  openedAt: v.nullable(v.string()),
}));

/** Path parameter `:action` of `POST /services/:name/:action`. */
export const ServiceActionSchema = v.picklist(["restart", "stop", "start"]);

/** Path parameter `:action` of `POST /strategies/:name/:action`. */
export const StrategyActionSchema = v.picklist(["enable", "disable"]);

/** Answer of `POST /services/:name/:action`. */
export const ServiceActionAnswerSchema = v.object({ ok: v.literal(true), service: v.string(), action: ServiceActionSchema });

/** Answer of `POST /strategies/:name/:action`. */
export const StrategyActionAnswerSchema = v.object({ ok: v.literal(true), strategy: v.string(), enabled: v.boolean() });

/** Answer of `POST /circuit-breakers/:name/reset`. */
export const BreakerResetAnswerSchema = v.object({ ok: v.literal(true), breaker: v.string() });

/** `GET /alerts`: what the API's alerting finds firing. */
export const AlertsSchema = v.object({
  enabled: v.boolean(),
  alerts: v.array(v.object({
    name: v.string(),
    severity: v.string(),
    labels: v.record(v.string(), v.string()),
    summary: v.string(),
    since: v.string(),
    fingerprint: v.string(),
  })),
});

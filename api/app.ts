/**
 * The control API as a Hono app: health, Prometheus metrics, services, strategies, kill switch, risk
 * limits, circuit breakers and a live `/stream` WebSocket. Every request must name the API's own address
 * (`Host`/`Origin`, DNS rebinding), bodies are bounded, and everything except `/health` and `/metrics`
 * requires the bearer token (as a header; `?token=` only on the `/stream` upgrade). Streaming is isolated
 * from control: `/stream` clients share one upstream per domain ({@link StreamHub}), are capped, and a
 * stream failure is answered for that request only. Runtime-neutral: the caller supplies the runtime's
 * WebSocket upgrader.
 *
 * @example
 * ```ts
 * const { app } = createApiApp(controlPlane, { token, upgradeWebSocket, hosts: { host: "127.0.0.1", port: () => 8080 } });
 * ```
 * @module
 */

import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { UpgradeWebSocket } from "hono/ws";
import * as v from "valibot";
import { issuePath } from "../runtime/config/load.ts";
import type { Logger } from "../core/log.ts";
import { mergeExpositions, MetricsRegistry } from "../core/metrics/mod.ts";
import type { FiringAlert } from "./alerts/evaluator.ts";
import { registerAlertRoutes } from "./alerts/route.ts";
import { ControlError } from "../runtime/control/channel.ts";
import { requireBearer } from "./auth.ts";
import { BadBodyError, readJsonObject } from "./body.ts";
import { NotFoundError, type ControlPlane } from "./control-plane.ts";
import { requireKnownHost, type HostPolicy } from "./host-check.ts";
import { CircuitBreakersSchema, HealthSchema, ServiceActionSchema, ServicesSchema, StrategyActionSchema, TradingStatusSchema } from "./schemas.ts";
import { registerHistoryRoute } from "./history-route.ts";
import { HISTORY_DOMAINS, RecentHistory, type RecentHistoryOptions } from "./recent-history.ts";
import { StreamHub } from "./stream-hub.ts";
import { registerStreamRoute } from "./stream-route.ts";
import { addStreamMetrics } from "./stream-metrics.ts";

/** Options of {@link createApiApp}. */
export interface ApiOptions {
  /** Bearer token every protected route requires. */
  token: string;
  /** The runtime's WebSocket upgrader (hono/deno or @hono/node-ws). */
  upgradeWebSocket: UpgradeWebSocket;
  /** The API's own address, checked against `Host` and `Origin` on every request. */
  hosts: HostPolicy;
  /** Extra routes mounted before the API (e.g. the dashboard), optional. */
  extend?: (app: Hono) => void;
  /** Largest request body in bytes (every route). Default 64 KiB. */
  maxBodyBytes?: number;
  /** Most `/stream` clients at once. Default 256. */
  maxStreamClients?: number;
  /** Unwritten bytes of one `/stream` client past which its messages are dropped (counted). Default 1 MiB. */
  streamQueueBytes?: number;
  /** What the API's alerting finds firing, for `GET /alerts` (undefined: alerting disabled). */
  alerts?: () => FiringAlert[];
  /**
   * The API process's metrics registry: the stream hub registers its collector here, and `/metrics` serves
   * it beside the system's. Default: a registry of its own.
   */
  metrics?: MetricsRegistry;
  /** Logger for stream upstream failures. */
  log?: Logger;
  /** Keep recent traffic for `GET /history` (holds the market-data, signal and execution upstreams open). Default off. */
  history?: RecentHistoryOptions;
}

function badRequest(c: Context, issues: readonly v.BaseIssue<unknown>[], where: string) {
  const issue = issues[0]!;
  const path = issuePath(issue);
  return c.json({ error: "bad request", where, path: path || where, message: issue.message }, 400);
}

function checked<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  return v.parse(schema, value);
}

/**
 * Builds the API over a control plane into `app` (a fresh one by default; pass one when the runtime's
 * WebSocket upgrader must be created from the app first, as on Node); returns it with its stream hub.
 */
export function createApiApp(
  control: ControlPlane, options: ApiOptions, app: Hono = new Hono(),
): { app: Hono; hub: StreamHub; history: RecentHistory | undefined } {
  const hub = new StreamHub(control, {
    maxClients: options.maxStreamClients ?? 256, clientQueueBytes: options.streamQueueBytes ?? 1024 * 1024, log: options.log,
  });
  const metrics = options.metrics ?? new MetricsRegistry();
  metrics.register((e) => addStreamMetrics(e, hub));
  const history = options.history ? new RecentHistory(options.history) : undefined;
  if (history) {
    hub.tap((domain, json) => history.record(domain, json));
    for (const domain of HISTORY_DOMAINS) hub.hold(domain);
  }
  const maxBody = options.maxBodyBytes ?? 64 * 1024;

  app.onError((err, c) => {
    if (err instanceof NotFoundError) return c.json({ error: "not found", message: err.message }, 404);
    if (err instanceof BadBodyError) return c.json({ error: "bad request", where: "body", path: err.path, message: err.message }, 400);
    if (err instanceof v.ValiError) return badRequest(c, err.issues, "body");
    if (err instanceof ControlError && err.kind === "BadRequest") {
      return c.json({ error: "bad request", where: "body", path: err.path ?? "body", message: err.message }, 400);
    }
    if (err instanceof ControlError && (err.kind === "Unavailable" || err.kind === "Timeout")) {
      return c.json({ error: "unavailable", message: err.message }, 503);
    }
    return c.json({ error: "internal", message: err instanceof Error ? err.message : String(err) }, 500);
  });

  app.use("*", requireKnownHost(options.hosts));
  app.use("*", bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json({ error: "payload too large", message: `request bodies are limited to ${maxBody} bytes` }, 413),
  }));

  options.extend?.(app);

  app.get("/health", async (c) => {
    const report = checked(HealthSchema, await control.health());
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  registerAlertRoutes(app, options.token, options.alerts);

  app.get("/metrics", async (c) => {
    c.header("content-type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(mergeExpositions([
      { service: "system", text: await control.metricsText() }, { service: "api", text: metrics.render() },
    ]));
  });

  const auth = requireBearer(options.token);
  for (const path of ["/stats", "/strategies", "/portfolio", "/services", "/services/*", "/strategies/*", "/kill-switch", "/risk/*", "/circuit-breakers", "/circuit-breakers/*", "/stream/clients", "/history"]) {
    app.use(path, auth);
  }
  app.use("/stream", requireBearer(options.token, { allowQueryToken: true }));

  app.get("/stats", async (c) => c.json(await control.stats()));
  app.get("/strategies", async (c) => c.json(await control.strategies()));
  app.get("/portfolio", async (c) => c.json(await control.portfolio() as object));

  app.get("/services", async (c) => {
    const list = (await control.services()).map((s) => ({
      name: s.name, kind: s.kind, pid: s.pid, state: s.state, restarts: s.restarts, uptime: s.uptimeSeconds,
    }));
    return c.json(checked(ServicesSchema, list));
  });

  app.post("/services/:name/:action", async (c) => {
    const action = v.safeParse(ServiceActionSchema, c.req.param("action"));
    if (!action.success) return badRequest(c, action.issues, "action");
    await control.serviceAction(c.req.param("name"), action.output);
    return c.json({ ok: true, service: c.req.param("name"), action: action.output });
  });

  app.post("/strategies/:name/:action", async (c) => {
    const action = v.safeParse(StrategyActionSchema, c.req.param("action"));
    if (!action.success) return badRequest(c, action.issues, "action");
    await control.setStrategyEnabled(c.req.param("name"), action.output === "enable");
    return c.json({ ok: true, strategy: c.req.param("name"), enabled: action.output === "enable" });
  });

  app.get("/kill-switch", async (c) => c.json(checked(TradingStatusSchema, await control.tradingStatus())));
  app.post("/kill-switch", async (c) => {
    await control.setKillSwitch(true);
    return c.json(checked(TradingStatusSchema, await control.tradingStatus()));
  });
  app.delete("/kill-switch", async (c) => {
    await control.setKillSwitch(false);
    return c.json(checked(TradingStatusSchema, await control.tradingStatus()));
  });

  app.get("/risk/limits", async (c) => c.json(await control.riskLimits() as object));
  app.put("/risk/limits", async (c) => {
    const parsed = v.safeParse(control.riskLimitsSchema, await readJsonObject(c));
    if (!parsed.success) return badRequest(c, parsed.issues, "body");
    return c.json(await control.setRiskLimits(parsed.output) as object);
  });

  app.get("/circuit-breakers", async (c) => c.json(checked(CircuitBreakersSchema, await control.circuitBreakers())));
  app.post("/circuit-breakers/:name/reset", async (c) => {
    await control.resetCircuitBreaker(c.req.param("name"));
    return c.json({ ok: true, breaker: c.req.param("name") });
  });

  app.get("/stream/clients", (c) => c.json(hub.clients()));
  registerStreamRoute(app, hub, options.upgradeWebSocket, badRequest);
  registerHistoryRoute(app, history, badRequest);

  return { app, hub, history };
}

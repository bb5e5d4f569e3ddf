/**
 * The control API as a Hono app: health, Prometheus metrics, services, strategies, kill switch, risk
 * limits, circuit breakers and a live `/stream` WebSocket. Every request must name the API's own address
 * (`Host`/`Origin`, DNS rebinding), bodies are bounded, and everything except `/health` and `/metrics`
 * requires the bearer token (as a header; `?token=` only on the `/stream` upgrade). Streaming is isolated
 * from control: `/stream` clients share one upstream per domain ({@link StreamHub}), are capped, and a
 * stream failure is answered for that request only. Answers are in the readable form (instruments with
 * symbol and venue, exact decimal amounts with their currency; `api/readable/`), one form for GET and PUT;
 * `/stream` and `/history` keep the PROTOCOL §7 wire JSON. `/openapi.json` and `/docs` describe every
 * route (open, like the dashboard page: they hold no system data). Runtime-neutral: the caller supplies the runtime's
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
import { noStoreJson } from "./no-store.ts";
import { requireKnownHost, type HostPolicy } from "./host-check.ts";
import {
  BreakerResetAnswerSchema, CircuitBreakersSchema, HealthSchema, PortfolioSchema, RiskLimitsBodySchema, RiskLimitsSchema, ServiceActionAnswerSchema,
  ServiceActionSchema, ServicesSchema, StatsSchema, StrategiesSchema, StrategyActionAnswerSchema, StrategyActionSchema, StreamClientsSchema,
  TradingStatusSchema,
} from "./schemas.ts";
import { describe } from "./openapi/describe.ts";
import { registerOpenApiRoutes } from "./openapi/routes.ts";
import { readablePortfolio } from "./readable/portfolio.ts";
import { readableRiskLimits } from "./readable/risk-limits.ts";
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

  app.use("*", noStoreJson());
  app.use("*", requireKnownHost(options.hosts));
  app.use("*", bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json({ error: "payload too large", message: `request bodies are limited to ${maxBody} bytes` }, 413),
  }));

  options.extend?.(app);

  app.get("/health", describe({ summary: "Health of the whole system", tag: "system", auth: false, ok: HealthSchema, alsoOk: [503],
    description: "200 when every dependency is up, 503 (same body) when one is not." }), async (c) => {
    const report = checked(HealthSchema, await control.health());
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  registerAlertRoutes(app, options.token, options.alerts);

  app.get("/metrics", describe({ summary: "Prometheus metrics of every service and the API", tag: "system", auth: false,
    ok: { media: "text/plain", description: "Prometheus text exposition 0.0.4." } }), async (c) => {
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

  app.get("/stats", describe({ summary: "Live figures of every service (last status report)", tag: "system", ok: StatsSchema }),
    async (c) => c.json(checked(StatsSchema, await control.stats())));
  app.get("/strategies", describe({ summary: "Strategies and their switches", tag: "trading", ok: StrategiesSchema }),
    async (c) => c.json(checked(StrategiesSchema, await control.strategies())));
  app.get("/portfolio", describe({
    summary: "Positions and P&L, per quote currency", tag: "trading", ok: PortfolioSchema, errors: [404, 503],
    description: "Instruments with symbol and venue; amounts as exact decimal text with their currency; a total only when every position is quoted in one currency.",
  }), async (c) => c.json(checked(PortfolioSchema, readablePortfolio(await control.portfolio()))));

  app.get("/services", describe({ summary: "Supervised services", tag: "system", ok: ServicesSchema }), async (c) => {
    const list = (await control.services()).map((s) => ({
      name: s.name, kind: s.kind, pid: s.pid, state: s.state, restarts: s.restarts, uptime: s.uptimeSeconds,
    }));
    return c.json(checked(ServicesSchema, list));
  });

  const name = v.string();
  app.post("/services/:name/:action", describe({
    summary: "Restart, stop or start a service", tag: "system", ok: ServiceActionAnswerSchema, path: { name, action: ServiceActionSchema }, errors: [400, 404, 503],
  }), async (c) => {
    const action = v.safeParse(ServiceActionSchema, c.req.param("action"));
    if (!action.success) return badRequest(c, action.issues, "action");
    await control.serviceAction(c.req.param("name"), action.output);
    return c.json(checked(ServiceActionAnswerSchema, { ok: true, service: c.req.param("name"), action: action.output }));
  });

  app.post("/strategies/:name/:action", describe({
    summary: "Enable or disable a strategy", tag: "trading", ok: StrategyActionAnswerSchema, path: { name, action: StrategyActionSchema }, errors: [400, 404, 503],
  }), async (c) => {
    const action = v.safeParse(StrategyActionSchema, c.req.param("action"));
    if (!action.success) return badRequest(c, action.issues, "action");
    await control.setStrategyEnabled(c.req.param("name"), action.output === "enable");
    return c.json(checked(StrategyActionAnswerSchema, { ok: true, strategy: c.req.param("name"), enabled: action.output === "enable" }));
  });

  const trading = (summary: string) => describe({ summary, tag: "trading", ok: TradingStatusSchema, errors: [404, 503] });
  app.get("/kill-switch", trading("Trading state, why, and open alerts"), async (c) => c.json(checked(TradingStatusSchema, await control.tradingStatus())));
  app.post("/kill-switch", trading("Engage the kill switch (HALTED)"), async (c) => {
    await control.setKillSwitch(true);
    return c.json(checked(TradingStatusSchema, await control.tradingStatus()));
  });
  app.delete("/kill-switch", trading("Release the kill switch (ACTIVE) and clear the alerts"), async (c) => {
    await control.setKillSwitch(false);
    return c.json(checked(TradingStatusSchema, await control.tradingStatus()));
  });

  app.get("/risk/limits", describe({ summary: "Risk limits in force", tag: "trading", ok: RiskLimitsSchema, errors: [404, 503] }),
    async (c) => c.json(checked(RiskLimitsSchema, readableRiskLimits(await control.riskLimits()))));
  app.put("/risk/limits", describe({
    summary: "Change risk limits (any subset, in the GET's form)", tag: "trading", ok: RiskLimitsSchema, body: RiskLimitsBodySchema, errors: [400, 404, 413, 503],
    description: "The body has the form GET answers (a GET's answer PUT back changes nothing); the answer is every limit now in force.",
  }), async (c) => {
    const parsed = v.safeParse(RiskLimitsBodySchema, await readJsonObject(c));
    if (!parsed.success) return badRequest(c, parsed.issues, "body");
    return c.json(checked(RiskLimitsSchema, readableRiskLimits(await control.setRiskLimits(parsed.output))));
  });

  app.get("/circuit-breakers", describe({ summary: "Circuit breakers of adapters and strategies", tag: "system", ok: CircuitBreakersSchema }),
    async (c) => c.json(checked(CircuitBreakersSchema, await control.circuitBreakers())));
  app.post("/circuit-breakers/:name/reset", describe({
    summary: "Reset a circuit breaker", tag: "system", ok: BreakerResetAnswerSchema, path: { name }, errors: [404],
  }), async (c) => {
    await control.resetCircuitBreaker(c.req.param("name"));
    return c.json(checked(BreakerResetAnswerSchema, { ok: true, breaker: c.req.param("name") }));
  });

  app.get("/stream/clients", describe({ summary: "Connected /stream clients", tag: "stream", ok: StreamClientsSchema }),
    (c) => c.json(checked(StreamClientsSchema, hub.clients())));
  registerStreamRoute(app, hub, options.upgradeWebSocket, badRequest);
  registerHistoryRoute(app, history, badRequest);
  registerOpenApiRoutes(app);

  return { app, hub, history };
}

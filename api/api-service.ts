/**
 * The API as a supervised service: the Hono control API over the running system's control plane,
 * on `config.api.host:port`, with the bearer token from `ALPHAPULSE_API_TOKEN` or the config.
 *
 * With `port: 0` the first start takes a free port, and a restart (after a crash or `kill -9`) takes the
 * same one again — the address `ap start` printed and the dashboard's open page stay right — unless
 * another process took it meanwhile (then a new port, logged, in `api.json`).
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { ServiceState } from "../protocol/mod.ts";
import { MetricsRegistry } from "../core/metrics/mod.ts";
import type { AppConfig } from "../runtime/config/schema.ts";
import { runtimePaths } from "../runtime/paths.ts";
import type { RunningService, ServiceContext } from "../runtime/service/types.ts";
import { startAlerting } from "./alerts/start.ts";
import { createApiApp } from "./app.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { installRejectionNet } from "./safety-net.ts";
import { platform } from "../core/platform.ts";
import { HTTP_SERVING } from "./serve/types.ts";
import type { StreamHub } from "./stream-hub.ts";
import { SystemControlPlane } from "./system-control-plane.ts";

/** Thrown when the API has no token to require. */
export class MissingTokenError extends Error {
  constructor() {
    super("the API needs a token: set ALPHAPULSE_API_TOKEN or api.token (ap start generates one)");
    this.name = "MissingTokenError";
  }
}

/** The port an earlier run of the API in `runtimeDir` listened on (`api.json`; removed by `ap start` at start), if any. */
async function previousPort(runtimeDir: string): Promise<number | undefined> {
  try {
    const { port } = JSON.parse(await readFile(join(runtimeDir, "api.json"), "utf8")) as { port?: unknown };
    return typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Extra routes (the dashboard) registered before the API's, if a module provides them. */
export type RouteExtension = Parameters<typeof createApiApp>[1]["extend"];

/** Starts the API service, with the dashboard at `/` unless another extension is given. */
export async function startApiService(ctx: ServiceContext, config: AppConfig, extend: RouteExtension = dashboardRoutes): Promise<RunningService> {
  const token = process.env.ALPHAPULSE_API_TOKEN || config.api.token;
  if (!token) throw new MissingTokenError();
  const net = installRejectionNet(ctx.log);
  // One registry per app built (a retry on a new port builds a second app and hub; the first one's is dropped).
  const processMetrics = (): MetricsRegistry => {
    const registry = new MetricsRegistry();
    registry.register((e) => void e.counter(
      "alphapulse_api_unhandled_rejections_total", "Promise rejections nobody handled in the API process (logged, kept running).", net.count,
    ));
    return registry;
  };
  let metrics = processMetrics();
  const control = new SystemControlPlane(config, runtimePaths(config.runtimeDir), ctx.log);
  try {
    await control.start(ctx.serviceId);
  } catch (e) {
    net.uninstall();
    throw e;
  }
  let hub: StreamHub | undefined;
  let boundPort: number | undefined;
  let url = "";
  const alerting = startAlerting(config, () => control.metricsText(), ctx.log, () => url);
  const serving = await platform().load(HTTP_SERVING);
  const build: Parameters<typeof serving.serve>[0] = (app, upgradeWebSocket) => {
    metrics = processMetrics();
    hub = createApiApp(control, {
      token, upgradeWebSocket, extend, log: ctx.log,
      hosts: { host: config.api.host, port: () => boundPort, extraHosts: config.api.allowedHosts },
      maxStreamClients: config.api.maxStreamClients, streamQueueBytes: config.api.streamQueueBytes,
      history: config.api.history,
      metrics, alerts: alerting && (() => alerting.evaluator.firing()),
    }, app).hub;
  };
  const sticky = config.api.port === 0 ? await previousPort(ctx.runtimeDir) : undefined;
  let server: Awaited<ReturnType<typeof serving.serve>>;
  try {
    server = await serving.serve(build, { hostname: config.api.host, port: sticky ?? config.api.port });
  } catch (e) {
    if (sticky === undefined) {
      await alerting?.stop();
      await control.close();
      net.uninstall();
      throw e;
    }
    ctx.log.warn("the API's previous port is taken: listening on a new one (see api.json)", { port: sticky, error: String(e) });
    server = await serving.serve(build, { hostname: config.api.host, port: 0 });
  }
  boundPort = server.port;
  url = `http://${config.api.host.includes(":") ? `[${config.api.host}]` : config.api.host}:${server.port}`;
  await writeFile(join(ctx.runtimeDir, "api.json"), JSON.stringify({ url, port: server.port }));
  ctx.log.info("api listening", { url });
  return {
    status: () => ({
      state: ServiceState.Running, connections: hub?.clientCount ?? 0, processed: BigInt(hub?.counters.sent ?? 0),
      dropped: BigInt(hub?.counters.dropped ?? 0), errors: BigInt(net.count + (hub?.counters.upstreamFailures ?? 0)),
      p50Micros: 0, p99Micros: 0, lastSequence: 0n,
    }),
    metricsText: () => metrics.render(),
    control: {},
    async stop() {
      await alerting?.stop();
      hub?.close();
      await server.close();
      await control.close();
      net.uninstall();
    },
  };
}

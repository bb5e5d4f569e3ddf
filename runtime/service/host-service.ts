/**
 * Runs one configured service in this process: starts it through its factory, serves its control
 * socket (`status`, `metrics` and the service's own operations), reports Heartbeat/StatusReport on the
 * system relay, and on SIGTERM/SIGINT stops it within the deadline and exits.
 *
 * `ap service <name> --config F` calls this (with the registry of `app/`); the supervisor starts one such process per service.
 *
 * @module
 */

import process from "node:process";
import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { serveControl, type ControlServer } from "../control/channel.ts";
import type { AppConfig } from "../config/schema.ts";
import { configPaths } from "../paths.ts";
import { watchSupervisor } from "../process/parent-watch.ts";
import { jsonSafe } from "./json-safe.ts";
import { StatusReporter } from "./status-reporter.ts";
import type { ServiceRegistry } from "./system-services.ts";
import type { RunningService, ServiceContext } from "./types.ts";
import { hostIdentity, type IdentitySource } from "./service-secrets.ts";
import type { RelayEndpoints } from "./relay-endpoints.ts";

/** A service started in this process with its control socket and status reporter. */
export interface HostedService {
  readonly name: string;
  readonly service: RunningService;
  /** Stops reporter, control socket and the service. */
  stop(): Promise<void>;
}

/**
 * Starts the service `name` of `config` in this process through `registry` (relay identity from `secrets`,
 * else the environment; relays reached through `relayEndpoints`, else their Unix sockets).
 */
export async function hostService(
  name: string, config: AppConfig, registry: ServiceRegistry, log?: Logger, secrets?: IdentitySource, relayEndpoints?: RelayEndpoints,
): Promise<HostedService> {
  const paths = configPaths(config);
  const resolved = registry.resolve(name, config);
  const logger = log ?? createLogger(name);
  const ctx: ServiceContext = {
    name, serviceId: resolved.serviceId, runtimeDir: paths.dir, stateDir: paths.stateDir, relaySocket: paths.relaySocket, log: logger,
    identity: hostIdentity(secrets, resolved.kind, resolved.serviceId),
    ...(relayEndpoints !== undefined ? { relayEndpoints } : {}),
  };
  const service = await resolved.start(ctx);
  let control: ControlServer | undefined;
  let reporter: StatusReporter | undefined;
  try {
    control = await serveControl(paths.controlSocket(name), {
      ...service.control,
      status: async () => jsonSafe(service.status()),
      metrics: async () => service.metricsText(),
    });
    reporter = await StatusReporter.start({
      socketPath: relayEndpoints?.connect(RelayDomain.System) ?? paths.relaySocket(RelayDomain.System), serviceId: resolved.serviceId, status: () => service.status(), logger,
    });
  } catch (e) {
    await control?.close();
    await service.stop();
    throw e;
  }
  logger.info("service started", { kind: resolved.kind, serviceId: resolved.serviceId });
  return {
    name,
    service,
    async stop() {
      await reporter?.stop().catch(() => {});
      await control?.close().catch(() => {});
      await service.stop();
      logger.info("service stopped");
    },
  };
}

/**
 * Runs `name` until SIGTERM/SIGINT — or until its supervisor dies (parent-watch.ts) — then stops it
 * within `deadlineMs` and exits (0, or 1 if stopping failed).
 */
export async function runServiceProcess(name: string, config: AppConfig, registry: ServiceRegistry): Promise<never> {
  const log = createLogger(name);
  let onSupervisorGone = (_reason: string): void => process.exit(1);
  watchSupervisor(process.env, (reason) => {
    log.warn("supervisor gone: stopping", { reason });
    onSupervisorGone(reason);
  });
  const hosted = await hostService(name, config, registry, log);
  return await new Promise<never>(() => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      const deadline = setTimeout(() => {
        log.error("stop deadline passed; exiting", { deadlineMs: config.supervisor.shutdownDeadlineMs });
        process.exit(1);
      }, config.supervisor.shutdownDeadlineMs);
      hosted.stop().then(
        () => {
          clearTimeout(deadline);
          process.exit(0);
        },
        (e) => {
          log.error("stop failed", { error: String(e) });
          process.exit(1);
        },
      );
    };
    onSupervisorGone = () => stop("supervisor-gone");
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

/** Status of a service that is not running (for reports before it starts). */
export const STOPPED_STATUS = { state: ServiceState.Stopping } as const;

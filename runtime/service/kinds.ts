/**
 * Starts a configured service by its kind (`adapter`, `strategy`, `execution`), validating its
 * `options` against that kind's schema first: a bad option is a {@link ConfigError} naming
 * `services[i].options.<path>`.
 *
 * @module
 */

import * as v from "valibot";
import { ConfigError, issuePath } from "../config/load.ts";
import type { AppConfig, ServiceConfig } from "../config/schema.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** Thrown when a configured kind cannot be started by this build. */
export class ServiceKindUnavailableError extends Error {
  /** @param kind the kind @param name the service */
  constructor(kind: string, name: string) {
    super(`service ${name}: kind ${kind} is not wired into the runtime in this build`);
    this.name = "ServiceKindUnavailableError";
  }
}

/** Validates `svc.options` against `schema`, reporting the path inside the config on failure. */
export function serviceOptions<S extends v.GenericSchema>(schema: S, svc: ServiceConfig, config: AppConfig): v.InferOutput<S> {
  const r = v.safeParse(schema, svc.options);
  if (r.success) return r.output;
  const index = config.services.findIndex((s) => s.name === svc.name);
  const inner = issuePath(r.issues[0]);
  throw new ConfigError("config", `services[${index}].options${inner ? "." + inner : ""}`, r.issues[0].message);
}

/**
 * `svc` with the app-level settings its kind takes (`recovery.snapshotIntervalSeconds`, `journal.*`)
 * filled in where its own options do not set them.
 */
export function withAppDefaults(svc: ServiceConfig, config: AppConfig): ServiceConfig {
  const own = (svc.options ?? {}) as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  if (svc.kind === "strategy" || svc.kind === "execution") defaults.snapshotIntervalMs = config.recovery.snapshotIntervalSeconds * 1000;
  if (svc.kind === "execution") {
    defaults.journalMaxFileBytes = config.journal.maxFileBytes;
    defaults.journalMaxFiles = config.journal.maxFiles;
  }
  return { ...svc, options: { ...defaults, ...own } };
}

/** Starts `svc` according to its kind. */
export async function startConfiguredService(ctx: ServiceContext, configured: ServiceConfig, config: AppConfig): Promise<RunningService> {
  const svc = withAppDefaults(configured, config);
  switch (svc.kind) {
    case "adapter": {
      const m = await import("./adapter-service.ts");
      return m.startAdapterService(ctx, serviceOptions(m.AdapterOptionsSchema, svc, config));
    }
    case "strategy": {
      const m = await import("./strategy-service.ts");
      return m.startStrategyService(ctx, serviceOptions(m.StrategyOptionsSchema, svc, config));
    }
    case "execution": {
      const m = await import("./execution-service.ts");
      return m.startExecutionService(ctx, serviceOptions(m.ExecutionOptionsSchema, svc, config));
    }
    default:
      throw new ServiceKindUnavailableError(svc.kind, ctx.name);
  }
}

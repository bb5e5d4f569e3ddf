/**
 * Starts a configured service by its kind (`adapter`, `strategy`, `execution`).
 *
 * @module
 */

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

/** Starts `svc` according to its kind. */
export async function startConfiguredService(ctx: ServiceContext, svc: ServiceConfig, config: AppConfig): Promise<RunningService> {
  void config;
  throw new ServiceKindUnavailableError(svc.kind, ctx.name);
}

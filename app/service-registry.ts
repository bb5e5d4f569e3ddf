/**
 * The service registry of the composition root: which factory starts which service — the four relays
 * (`relay-<domain>`), the API (`api`) and the configured services by kind. Factories are imported lazily so a
 * relay process never loads adapters or the API. `app/system.ts` hands it to the launcher in `runtime/`.
 *
 * @module
 */

import type { AppConfig } from "../runtime/config/schema.ts";
import { describeService, type ResolvedService, type ServiceRegistry } from "../runtime/service/system-services.ts";
import { parseDomain } from "../relay/wire/socket-paths.ts";

/** Resolves a service name of `config` to its kind, id and starter; throws `UnknownServiceError` for an unknown name. */
export function resolveService(name: string, config: AppConfig): ResolvedService {
  const described = describeService(name, config);
  const domain = name.startsWith("relay-") ? parseDomain(name.slice("relay-".length)) : undefined;
  if (domain !== undefined) {
    return { ...described, start: async (ctx) => (await import("../runtime/service/relay-server-service.ts")).startRelayService(ctx, domain, config) };
  }
  if (name === "api") {
    return { ...described, start: async (ctx) => (await import("../api/api-service.ts")).startApiService(ctx, config) };
  }
  const svc = config.services.find((s) => s.name === name);
  if (!svc) throw new Error(`service ${name} is described but not configured`);
  return { ...described, start: async (ctx) => (await import("../runtime/service/kinds.ts")).startConfiguredService(ctx, svc, config) };
}

/** The registry the launcher and `ap service` are given. */
export const serviceRegistry: ServiceRegistry = { resolve: resolveService };

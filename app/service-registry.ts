/**
 * Which factory starts which service name: the four relays (`relay-<domain>`), the API (`api`), and the
 * configured services by kind. Factories are imported lazily so a relay process never loads adapters.
 *
 * @module
 */

import { RelayDomain } from "../protocol/mod.ts";
import { DOMAIN_NAMES, parseDomain } from "../relay/wire/socket-paths.ts";
import type { AppConfig } from "../runtime/config/schema.ts";
import type { RunningService, ServiceContext } from "../runtime/service/types.ts";

/** A service name resolved to its kind, id and starter. */
export interface ResolvedService {
  name: string;
  kind: string;
  serviceId: number;
  start(ctx: ServiceContext): Promise<RunningService>;
}

/** Thrown for a service name the config does not define. */
export class UnknownServiceError extends Error {
  /** @param name the name asked for @param known the names that exist */
  constructor(name: string, known: readonly string[]) {
    super(`no service named ${JSON.stringify(name)}; known: ${known.join(", ")}`);
    this.name = "UnknownServiceError";
  }
}

/** The API's source id (PROTOCOL §6: dashboard/API 60–69). */
export const API_SERVICE_ID = 60;

/** Names of the built-in services: four relays and the API. */
export function builtinServiceNames(): string[] {
  return [...DOMAIN_NAMES.map((d) => `relay-${d}`), "api"];
}

/** Every service name of a config, in start order: relays, configured services, API. */
export function allServiceNames(config: AppConfig): string[] {
  return [...DOMAIN_NAMES.map((d) => `relay-${d}`), ...config.services.filter((s) => s.enabled).map((s) => s.name), "api"];
}

/** Resolves a service name of `config`. */
export function resolveService(name: string, config: AppConfig): ResolvedService {
  if (name.startsWith("relay-")) {
    const domain = parseDomain(name.slice(6));
    if (domain !== undefined) {
      return {
        name, kind: "relay", serviceId: 80 + domain - 1,
        start: async (ctx) => (await import("../runtime/service/relay-service.ts")).startRelayService(ctx, domain, config),
      };
    }
  }
  if (name === "api") {
    return { name, kind: "api", serviceId: API_SERVICE_ID, start: async (ctx) => (await import("../api/service.ts")).startApiService(ctx, config) };
  }
  const svc = config.services.find((s) => s.name === name);
  if (!svc) throw new UnknownServiceError(name, allServiceNames(config));
  return {
    name, kind: svc.kind, serviceId: svc.serviceId,
    start: async (ctx) => (await import("../runtime/service/kinds.ts")).startConfiguredService(ctx, svc, config),
  };
}

/** The relay domains, for iteration. */
export const RELAY_DOMAINS: readonly RelayDomain[] = [RelayDomain.MarketData, RelayDomain.Signal, RelayDomain.Execution, RelayDomain.System];

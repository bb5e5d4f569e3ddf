/**
 * The services a system consists of — the four relays (`relay-<domain>`), the configured services and the API —
 * with their names, kinds and source ids, and the contract of the registry that starts them. The registry
 * itself (which factory starts which kind) belongs to the composition root (`app/service-registry.ts`), which
 * hands it down to the launcher: runtime never imports the API.
 *
 * @module
 */

import { RelayDomain } from "../../protocol/mod.ts";
import { DOMAIN_NAMES, parseDomain } from "../../relay/wire/socket-paths.ts";
import type { AppConfig } from "../config/schema.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** The API's source id (PROTOCOL §6: dashboard/API 60–69). */
export const API_SERVICE_ID = 60;

/** Source id of the relay of `domain` (PROTOCOL §6: relays 80–83). */
export const relayServiceId = (domain: RelayDomain): number => 80 + domain - 1;

/** Name of the supervisor's control socket. */
export const SUPERVISOR_CONTROL = "supervisor";

/** The relay domains, for iteration. */
export const RELAY_DOMAINS: readonly RelayDomain[] = [RelayDomain.MarketData, RelayDomain.Signal, RelayDomain.Execution, RelayDomain.System];

/** A service name with its kind (`relay`, `api`, or a configured kind) and source id. */
export interface ServiceDescriptor {
  readonly name: string;
  readonly kind: string;
  readonly serviceId: number;
}

/** A service name resolved to its kind, id and starter. */
export interface ResolvedService extends ServiceDescriptor {
  /** Starts the service in this process. */
  start(ctx: ServiceContext): Promise<RunningService>;
}

/** What the launcher needs from the composition root: a starter for every service name of a config. */
export interface ServiceRegistry {
  /** Resolves `name` of `config`; throws {@link UnknownServiceError} for a name the config does not define. */
  resolve(name: string, config: AppConfig): ResolvedService;
}

/** Thrown for a service name the config does not define. */
export class UnknownServiceError extends Error {
  /** @param name the name asked for @param known the names that exist */
  constructor(name: string, known: readonly string[]) {
    super(`no service named ${JSON.stringify(name)}; known: ${known.join(", ")}`);
    this.name = "UnknownServiceError";
  }
}

/** Names of the built-in services: four relays and the API. */
export function builtinServiceNames(): string[] {
  return [...DOMAIN_NAMES.map((d) => `relay-${d}`), "api"];
}

/** Every service name of a config, in start order: relays, configured services, API. */
export function allServiceNames(config: AppConfig): string[] {
  return [...DOMAIN_NAMES.map((d) => `relay-${d}`), ...config.services.filter((s) => s.enabled).map((s) => s.name), "api"];
}

/** Kind and source id of the service `name` of `config`; throws {@link UnknownServiceError} when there is none. */
export function describeService(name: string, config: AppConfig): ServiceDescriptor {
  if (name.startsWith("relay-")) {
    const domain = parseDomain(name.slice(6));
    if (domain !== undefined) return { name, kind: "relay", serviceId: relayServiceId(domain) };
  }
  if (name === "api") return { name, kind: "api", serviceId: API_SERVICE_ID };
  const svc = config.services.find((s) => s.name === name);
  if (!svc) throw new UnknownServiceError(name, allServiceNames(config));
  return { name, kind: svc.kind, serviceId: svc.serviceId };
}

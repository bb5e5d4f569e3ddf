/**
 * How a hosted service connects to one of the run's relays: over the deployment's endpoint for it
 * (ServiceContext.relayEndpoints; the relay's Unix socket in process mode), with the
 * service's own id and its identity token (ServiceContext.identity), waiting for the relay to come up,
 * logging through the service's logger.
 *
 * @module
 */

import type { RelayDomain } from "../../protocol/mod.ts";
import { RelayClient, type RelayClientOptions } from "../../relay/client/client.ts";
import type { ServiceContext } from "./types.ts";

/** The Hello token of `ctx`'s service, when it has an identity. */
function tokenOf(ctx: ServiceContext): { token?: string } {
  const token = ctx.identity?.credential.tokenFor(ctx.serviceId);
  return token === undefined ? {} : { token };
}

/** Connects `ctx`'s service to the relay of `domain` with `role`; `extra` adds or overrides client options. */
export function connectRelay(
  ctx: ServiceContext, domain: RelayDomain, role: number, extra: Partial<RelayClientOptions> = {},
): Promise<RelayClient> {
  return RelayClient.connect({
    endpoint: ctx.relayEndpoints?.connect(domain) ?? { kind: "unix", path: ctx.relaySocket(domain) }, domain, serviceId: ctx.serviceId, role,
    waitForRelay: true, logger: ctx.log, ...tokenOf(ctx), ...extra,
  });
}

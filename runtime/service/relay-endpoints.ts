/**
 * Where a deployment's services reach its relays. In process mode every service connects to a relay's
 * Unix socket; in the threads deployment services connect over shared-memory rings named after the
 * relay (`relay-market-data`, …), and with `--inline` over in-process endpoints of the same names
 * (`relay/transport/inproc.ts`). The relays listen on those names as well as on their sockets, so
 * outside tools (`ap subscribe`, the NATS bridge, other hosts) still connect.
 *
 * @example
 * ```ts
 * const endpoints = namedRelayEndpoints("ring", configPaths(config));
 * endpoints.connect(RelayDomain.MarketData); // { kind: "ring", name: "relay-market-data" }
 * ```
 * @module
 */

import type { RelayDomain } from "../../protocol/mod.ts";
import type { Endpoint } from "../../relay/transport/types.ts";
import { domainName } from "../../relay/wire/socket-paths.ts";

/** How services reach each domain's relay, and what more each relay listens on. */
export interface RelayEndpoints {
  /** The endpoint a service connects to for the relay of `domain`. */
  connect(domain: number): Endpoint;
  /** Endpoints the relay of `domain` listens on besides its Unix socket (none in process mode). */
  extraListen(domain: number): Endpoint[];
}

/** Process mode: every relay on its Unix socket (`relaySocket(domain)`), nothing more. */
export function unixRelayEndpoints(paths: { relaySocket(domain: number): string }): RelayEndpoints {
  return { connect: (domain) => ({ kind: "unix", path: paths.relaySocket(domain) }), extraListen: () => [] };
}

/** The in-process name of the relay of `domain`: `relay-<domain name>`. */
export function relayEndpointName(domain: number): string {
  return `relay-${domainName(domain as RelayDomain)}`;
}

/**
 * Services connect over named endpoints of `kind` (`ring` between threads, `inproc` within one event
 * loop); relays listen on them too.
 */
export function namedRelayEndpoints(kind: "ring" | "inproc"): RelayEndpoints {
  const endpoint = (domain: number): Endpoint => ({ kind, name: relayEndpointName(domain) });
  return { connect: endpoint, extraListen: (domain) => [endpoint(domain)] };
}

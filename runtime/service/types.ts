/**
 * The contract every supervised service implements: a factory that starts it in a process and returns
 * a handle to stop it, report its status and answer its control operations.
 *
 * @module
 */

import type { RelayEndpoints } from "./relay-endpoints.ts";
import type { Logger } from "../../core/log.ts";
import type { ControlHandler } from "../control/channel.ts";
import type { ServiceIdentity } from "./service-secrets.ts";

/** Numbers a service reports every second on the system relay (StatusReport) and to `/metrics`. */
export interface ServiceStatusFields {
  /** 1 starting, 2 running, 3 degraded, 4 stopping (PROTOCOL ServiceState). */
  state: number;
  /** Open connections (relays: clients; others: relay links up). */
  connections: number;
  /** Messages handled since start. */
  processed: bigint;
  /** Messages dropped since start (every drop counted somewhere; this is the total). */
  dropped: bigint;
  /** Errors since start. */
  errors: bigint;
  /** Processing latency percentiles, µs (0 when not measured). */
  p50Micros: number;
  p99Micros: number;
  /** Sequence of the last message this service published, 0 if none. */
  lastSequence: bigint;
}

/** A started service. */
export interface RunningService {
  /** Current status numbers. */
  status(): ServiceStatusFields;
  /** Prometheus text of this service's own detailed metrics (names prefixed `alphapulse_`). */
  metricsText(): string;
  /** Service-specific control operations (kill switch, enable/disable, limits, breakers, …). */
  control: Record<string, ControlHandler>;
  /** Stops: flush, close connections, remove sockets. Must finish well within the shutdown deadline. */
  stop(): Promise<void>;
}

/** What a service factory gets. */
export interface ServiceContext {
  /** Service name from the config (`relay-market-data`, `adapter-coinbase`, …). */
  name: string;
  /** Source id this service stamps on what it publishes (PROTOCOL §6 ranges). */
  serviceId: number;
  /** Directory of sockets and control sockets of this run (runtime/paths.ts). */
  runtimeDir: string;
  /**
   * Directory of durable state: snapshots and trading state in `state/`, journals in `journal/`
   * (runtime/paths.ts). Absent (contexts built by hand): `runtimeDir`.
   */
  stateDir?: string;
  /** Unix socket path of each domain's relay. */
  relaySocket(domain: number): string;
  /**
   * How this deployment's services reach the relays (relay-endpoints.ts). Absent (process mode, contexts
   * built by hand): each relay's Unix socket, `relaySocket(domain)`.
   */
  relayEndpoints?: RelayEndpoints;
  /** Structured logger for this service. */
  log: Logger;
  /**
   * Its relay identity (runtime/service/service-secrets.ts): the token its Hellos carry, and for relay
   * services the run key they check Hellos with. Absent when the run has no identities.
   */
  identity?: ServiceIdentity;
}

/** Starts one kind of service. */
export type ServiceFactory = (ctx: ServiceContext) => Promise<RunningService>;

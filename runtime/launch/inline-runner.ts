/**
 * `--inline`: every service hosted in this one process (for development and tests), with the same
 * list/start/stop/restart surface as the {@link Supervisor}. Services reach the relays over
 * in-process endpoints (`inproc:relay-<domain>`, relay/transport/inproc.ts): a write is handed to the
 * peer in the same event loop, with no socket between them. The relays still listen on their Unix
 * sockets as well, so outside tools (`ap subscribe`, the API's control plane, the NATS bridge) connect
 * as they do in process mode.
 *
 * @module
 */

import process from "node:process";
import type { Logger } from "../../core/log.ts";
import type { AppConfig } from "../config/schema.ts";
import { hostService, type HostedService } from "../service/host-service.ts";
import { namedRelayEndpoints, type RelayEndpoints } from "../service/relay-endpoints.ts";
import { describeService, type ServiceRegistry } from "../service/system-services.ts";
import type { RunSecrets } from "../service/service-secrets.ts";
import type { ServiceRunState, ServiceStatus } from "../supervisor.ts";

/** Name of the system relay, which every hosted service reports to. */
const SYSTEM_RELAY = "relay-system";

interface InlineEntry {
  hosted: HostedService | undefined;
  state: ServiceRunState;
  restarts: number;
  startedAt: number;
  error: string | null;
}

/** Hosts services in-process. */
export class InlineRunner {
  private readonly entries = new Map<string, InlineEntry>();
  private readonly config: AppConfig;
  private readonly log: Logger;

  private readonly registry: ServiceRegistry;
  private readonly secrets: RunSecrets | undefined;
  private readonly endpoints: RelayEndpoints = namedRelayEndpoints("inproc");

  /**
   * @param config app config @param names services in start order @param registry starts each service
   * @param log logger @param secrets the run's relay identities
   */
  constructor(config: AppConfig, names: readonly string[], registry: ServiceRegistry, log: Logger, secrets?: RunSecrets) {
    this.config = config;
    this.registry = registry;
    this.secrets = secrets;
    this.log = log;
    for (const n of names) this.entries.set(n, { hosted: undefined, state: "stopped", restarts: 0, startedAt: 0, error: null });
  }

  /**
   * Starts every service in order; a service that fails to start is marked failed, the others go on.
   * The system relay goes first: every service's status reporter waits for it before its start returns.
   */
  async startAll(): Promise<void> {
    const names = [...this.entries.keys()];
    for (const name of [...names.filter((n) => n === SYSTEM_RELAY), ...names.filter((n) => n !== SYSTEM_RELAY)]) await this.start(name);
  }

  /** Starts one service. */
  async start(name: string): Promise<void> {
    const e = this.entry(name);
    if (e.hosted) return;
    e.state = "starting";
    try {
      e.hosted = await hostService(name, this.config, this.registry, undefined, this.secrets, this.endpoints);
      e.state = "running";
      e.startedAt = Date.now();
      e.error = null;
    } catch (err) {
      e.state = "failed";
      e.error = (err as Error).message;
      this.log.error("service failed to start", { service: name, error: e.error });
    }
  }

  /** Stops one service. */
  async stop(name: string): Promise<void> {
    const e = this.entry(name);
    const h = e.hosted;
    e.hosted = undefined;
    if (h) {
      e.state = "stopping";
      await h.stop().catch((err) => this.log.error("stop failed", { service: name, error: String(err) }));
    }
    e.state = "stopped";
  }

  /** Stops and starts one service. */
  async restart(name: string): Promise<void> {
    await this.stop(name);
    this.entry(name).restarts++;
    await this.start(name);
  }

  /** Status of every service (pid is this process's). */
  list(): ServiceStatus[] {
    const now = Date.now();
    return [...this.entries].map(([name, e]) => ({
      name, kind: describeService(name, this.config).kind, pid: e.hosted ? process.pid : null, state: e.state,
      restarts: e.restarts, uptimeSeconds: e.hosted ? Math.floor((now - e.startedAt) / 1000) : 0, lastExit: null,
    }));
  }

  /** Stops every service, in reverse start order. */
  async shutdown(): Promise<void> {
    for (const name of [...this.entries.keys()].reverse()) await this.stop(name);
  }

  private entry(name: string): InlineEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no service named ${JSON.stringify(name)}`);
    return e;
  }
}

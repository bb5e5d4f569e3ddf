/**
 * The threads deployment of {@link launchSystem}: the same {@link Supervisor} (same backoff and
 * crash-loop rules) over a {@link ThreadSpawner}, so every service runs in a worker thread of this
 * process and reaches the relays over shared-memory rings; the relays keep their Unix sockets for
 * outside tools.
 *
 * @module
 */

import type { Logger } from "../../core/log.ts";
import type { ProcessGrants } from "../../core/platform.ts";
import { platform } from "../../core/platform.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { heapLimitMbOf, type AppConfig } from "../config/schema.ts";
import { configPaths } from "../paths.ts";
import { relayEndpointName } from "../service/relay-endpoints.ts";
import type { RunSecrets } from "../service/service-secrets.ts";
import { describeService } from "../service/system-services.ts";
import { Supervisor, type SupervisorEvent } from "../supervisor.ts";
import type { ThreadFault, ThreadIdentity } from "../threads/link-messages.ts";
import { THREAD_COMMAND, ThreadSpawner } from "../threads/thread-spawner.ts";

/** What {@link startThreads} needs. */
export interface ThreadsLaunch {
  readonly config: AppConfig;
  readonly configFile: string;
  readonly names: readonly string[];
  readonly secrets: RunSecrets;
  readonly apiToken: string;
  readonly logLevel: string;
  readonly script: URL;
  readonly log: Logger;
  readonly onEvent: (e: SupervisorEvent) => void;
  readonly childOutput: ((service: string, text: string) => void) | undefined;
  /** What each service's worker may touch (`supervisor.permissions: least`); absent: the process's permissions. */
  readonly grantsOf?: (service: string) => ProcessGrants | undefined;
}

/** A started threads deployment. */
export interface ThreadsRunner {
  readonly supervisor: Supervisor;
  /** Injects a fault into a service's worker (tests, drills); false when it has no live worker. */
  fault(service: string, fault: ThreadFault): boolean;
  /** Stops every service's worker, then the relays' (each within `deadlineMs`), and the hang watch. */
  shutdown(deadlineMs: number): Promise<void>;
}

/** Starts every service of `o.names` in its own worker thread under a supervisor. */
export async function startThreads(o: ThreadsLaunch): Promise<ThreadsRunner> {
  const s = o.config.supervisor;
  const describe = (name: string) => describeService(name, o.config);
  const paths = configPaths(o.config);
  const spawner = new ThreadSpawner({
    threads: await platform().load(THREADS),
    script: o.script,
    configFile: o.configFile,
    ringOf: (name) => {
      const d = describe(name);
      return d.kind === "relay" ? relayEndpointName(d.serviceId - 79) : undefined;
    },
    identityOf: (name): ThreadIdentity => {
      const d = describe(name);
      return d.kind === "relay" ? { kind: "key", key: o.secrets.key.toText() } : { kind: "token", token: o.secrets.tokenFor(d.kind, d.serviceId) };
    },
    apiTokenOf: (name) => (describe(name).kind === "api" ? o.apiToken : ""),
    logLevel: o.logLevel,
    pingIntervalMs: s.threads.pingIntervalMs,
    hungAfterMs: s.threads.hungAfterMs,
    log: o.log,
    socketsOf: (name) => {
      const d = describe(name);
      return [paths.controlSocket(name), ...(d.kind === "relay" ? [paths.relaySocket(d.serviceId - 79)] : [])];
    },
    heapLimitMbOf: (name) => heapLimitMbOf(o.config, name),
    ...(o.grantsOf ? { grantsOf: o.grantsOf } : {}),
  });
  const sup = new Supervisor(spawner, s, o.onEvent);
  for (const name of o.names) {
    const out = o.childOutput;
    sup.add({
      name, kind: describe(name).kind, command: THREAD_COMMAND, args: [name],
      ...(out ? { onOutput: (_stream: string, text: string) => out(name, text) } : {}),
    });
  }
  sup.startAll();
  return {
    supervisor: sup,
    fault: (service, fault) => spawner.fault(service, fault),
    async shutdown(deadlineMs) {
      // The services first, while their relays still take what they flush on the way out; then the relays.
      await Promise.all(o.names.filter((n) => describe(n).kind !== "relay").map((n) => sup.stop(n, deadlineMs)));
      await sup.shutdown(deadlineMs);
      spawner.close();
    },
  };
}

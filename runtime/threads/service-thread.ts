/**
 * The worker side of the threads deployment (`thread-spawner.ts` is the main thread's): hosts one
 * service in this worker thread with `hostService`, its relays reached over shared-memory rings
 * (`namedRelayEndpoints("ring")`), and answers the main thread over the link port (`link-messages.ts`).
 * The entry script (`app/service-thread.ts`) installs the platform and calls {@link runServiceThread}
 * with the app's registry.
 *
 * Secrets: the service's identity arrives in the `init` message, never through the environment; it
 * becomes this thread's relay credential (module state is per thread). The API token reaches the API
 * worker only (as its config's `api.token`); any inherited `ALPHAPULSE_API_TOKEN` is removed.
 *
 * @module
 */

import process from "node:process";
import { configureLogging, createLogger, isLogLevel } from "../../core/log.ts";
import { platform } from "../../core/platform.ts";
import { addRingRoute, removeRingRoute, serveRingPort } from "../../relay/transport/ring-transport.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { credentialFromKey, credentialFromToken, RelayKey, setProcessCredential } from "../../relay/wire/identity.ts";
import { readResolvedConfig } from "../launch/load-app-config.ts";
import { hostService, type HostedService } from "../service/host-service.ts";
import { namedRelayEndpoints } from "../service/relay-endpoints.ts";
import type { ServiceIdentity } from "../service/service-secrets.ts";
import type { ServiceRegistry } from "../service/system-services.ts";
import { ThreadFault, type InitMessage, type MainMessage, type ThreadIdentity, type WorkerMessage } from "./link-messages.ts";

/**
 * The `leak` fault: keeps ~6 MiB more of small live objects every 10 ms, as a runaway cache would, while
 * the service goes on — until the heap limit ends the thread (or, without one, the process).
 */
function leak(): void {
  const kept: unknown[] = [];
  const grow = (): void => {
    const chunk = new Array<{ i: number; s: string }>(65_536);
    for (let i = 0; i < chunk.length; i++) chunk[i] = { i, s: `leaked object ${i}` };
    kept.push(chunk);
    setTimeout(grow, 10);
  };
  grow();
}

/** Thrown (uncaught, on purpose) by the `throw` fault: it ends this worker thread. */
export class InjectedThreadFault extends Error {
  /** @param service the service whose thread it ends */
  constructor(service: string) {
    super(`${service}: fault injected by the main thread (ThreadFault.Throw): this worker thread ends`);
    this.name = "InjectedThreadFault";
  }
}

function identityFrom(t: ThreadIdentity): ServiceIdentity | undefined {
  if (t.kind === "key") {
    const key = RelayKey.fromText(t.key, "the thread's init message");
    return { credential: credentialFromKey(key), relayKey: key };
  }
  if (t.kind === "token") return { credential: credentialFromToken(t.token) };
  return undefined;
}

/**
 * Runs the service the main thread names in this worker thread until it is asked to stop. Resolves
 * once the link handler is in place (the thread lives on through its link port).
 */
export async function runServiceThread(registry: ServiceRegistry): Promise<void> {
  const link = await (await platform().load(THREADS)).parentLink();
  const post = (m: WorkerMessage): void => link.postMessage(m);
  let name = "service-thread";
  let hosting: Promise<HostedService | undefined> | undefined;
  let stopping = false;

  const host = async (m: InitMessage): Promise<HostedService | undefined> => {
    name = m.service;
    if (m.forwardLogs) configureLogging({ write: (line) => post({ op: "log", line }) });
    if (isLogLevel(m.logLevel)) configureLogging({ level: m.logLevel });
    delete process.env.ALPHAPULSE_API_TOKEN;
    for (const r of m.routes) addRingRoute(r.name, r.port);
    try {
      const identity = identityFrom(m.identity);
      if (identity !== undefined) setProcessCredential(identity.credential);
      const read = await readResolvedConfig(m.configFile);
      const config = m.apiToken !== "" ? { ...read, api: { ...read.api, token: m.apiToken } } : read;
      const hosted = await hostService(
        m.service, config, registry, createLogger(m.service), identity !== undefined ? { identityFor: () => identity } : undefined, namedRelayEndpoints("ring"),
      );
      post({ op: "running" });
      return hosted;
    } catch (e) {
      post({ op: "failed", error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  };

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await (await hosting)?.stop();
      post({ op: "stopped", ok: true });
    } catch (e) {
      post({ op: "stopped", ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const inject = (fault: ThreadFault): void => {
    if (fault === ThreadFault.Leak) {
      leak();
      return;
    }
    setTimeout(() => {
      if (fault === ThreadFault.Throw) throw new InjectedThreadFault(name);
      // ThreadFault.Hang: blocks this thread for good (as a deadlock would), without burning a core; the
      // main thread's hang watch ends it.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }, 0);
  };

  link.onmessage = (e: MessageEvent) => {
    const m = e.data as MainMessage;
    switch (m.op) {
      case "ping":
        post({ op: "pong", seq: m.seq });
        break;
      case "init":
        hosting ??= host(m);
        break;
      case "route":
        addRingRoute(m.route.name, m.route.port);
        break;
      case "route-down":
        removeRingRoute(m.name);
        break;
      case "serve":
        serveRingPort(m.port);
        break;
      case "stop":
        void stop();
        break;
      case "fault":
        inject(m.fault);
        break;
    }
  };
  post({ op: "hello" });
}

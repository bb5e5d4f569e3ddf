/**
 * Shared helpers of the runtime system tests.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { createLogger, silentLogger, type Logger } from "../../core/log.ts";
import type { RelayDomain } from "../../protocol/mod.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import type { ServiceContext } from "../../runtime/service/types.ts";
import { startTestRelay, tempDir } from "../relay/helpers.ts";
import { afterAll, beforeAll } from "vitest";

/** Polls `probe` until it returns a value (not `undefined`, not a rejection), or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Starts the real embedded demo (config/default.yaml) as supervised processes, in `runtimeDir`, with the
 * API on a free port and fast restarts; the services log at `level` and above (they inherit ALPHAPULSE_LOG_LEVEL).
 */
export async function startDemo(runtimeDir: string, name: string, level: "warn" | "error"): Promise<RunningSystem> {
  process.env.ALPHAPULSE_LOG_LEVEL = level;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const text = readFileSync(join(root, "config/default.yaml"), "utf8");
  const config = parseConfig(text, AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: "0" });
  const prev = process.cwd();
  process.chdir(root); // the demo's capture paths are relative to the project
  try {
    return await startSystem({ ...config, supervisor: { ...config.supervisor, initialBackoffMs: 100 } }, {
      mainPath: join(root, "main.ts"), log: createLogger(name, { level }),
    });
  } finally {
    process.chdir(prev);
  }
}

/** Relays a service test runs its services against, and the contexts that reach them. */
export interface ServiceRelays {
  /** The test file's temporary directory (the relays' sockets, the services' runtime dir). */
  readonly dir: string;
  /** The running relays by domain (started in `beforeAll`). */
  readonly relays: Map<RelayDomain, RelayServer>;
  /**
   * A service context on these relays: runtime dir {@link ServiceRelays.dir}, state dir `stateDir`
   * (default `<dir>/state`), logging to `log` (default silent).
   */
  context(name: string, serviceId: number, log?: Logger, stateDir?: string): ServiceContext;
}

/**
 * Starts one relay per domain of `domains` on Unix sockets in a fresh temporary directory before the
 * calling test file's tests (`beforeAll`), and closes them and removes the directory after (`afterAll`).
 */
export function serviceRelays(domains: readonly RelayDomain[]): ServiceRelays {
  const tmp = tempDir();
  const relays = new Map<RelayDomain, RelayServer>();
  beforeAll(async () => {
    for (const domain of domains) relays.set(domain, await startTestRelay(tmp.dir, { domain, socketPath: join(tmp.dir, `relay-${domain}.sock`) }));
  });
  afterAll(async () => {
    for (const r of relays.values()) await r.close();
    tmp.cleanup();
  });
  return {
    dir: tmp.dir,
    relays,
    context: (name, serviceId, log = silentLogger, stateDir = join(tmp.dir, "state")) => ({
      name, serviceId, runtimeDir: tmp.dir, stateDir, relaySocket: (d) => relays.get(d as RelayDomain)!.socketPath, log,
    }),
  };
}

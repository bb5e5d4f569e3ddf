/**
 * Where a run keeps its files: relay sockets, control sockets, snapshots and journals, all under one
 * runtime directory (the config's `runtimeDir`, else `$XDG_RUNTIME_DIR/alphapulse`, else
 * `/tmp/alphapulse-<uid>`).
 *
 * @module
 */

import { join } from "node:path";
import { RELAY_DOMAIN_NAMES, type RelayDomain } from "../protocol/mod.ts";
import { defaultSocketDir } from "../relay/paths.ts";

/** Paths of one run. */
export interface RuntimePaths {
  readonly dir: string;
  relaySocket(domain: number): string;
  controlSocket(service: string): string;
  readonly snapshotDir: string;
  readonly journalDir: string;
}

/** Resolves the paths of a run from the configured directory (empty = the per-user default). */
export function runtimePaths(configured: string): RuntimePaths {
  const dir = configured || defaultSocketDir();
  return {
    dir,
    relaySocket: (domain) => join(dir, `${RELAY_DOMAIN_NAMES[domain as RelayDomain]}.sock`),
    controlSocket: (service) => join(dir, `${service}.ctl`),
    snapshotDir: join(dir, "state"),
    journalDir: join(dir, "journal"),
  };
}

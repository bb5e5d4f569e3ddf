/**
 * Where a run keeps its files, in two directories:
 *
 * - the **runtime directory** (config `runtimeDir`, else `$XDG_RUNTIME_DIR/alphapulse`, else
 *   `/tmp/alphapulse-<uid>`): what lives only while the system runs — relay and control sockets, the
 *   instance lock, the children file, the resolved config, the API address;
 * - the **state directory** (config `stateDir`): what must survive a restart or a reboot — snapshots and
 *   trading state (`state/`), journals (`journal/`) and log files (`logs/`).
 *
 * The state directory, when `stateDir` is empty: the runtime directory itself when `runtimeDir` is set
 * explicitly (one directory for the whole run, as tests and throwaway runs want it), else
 * `$XDG_STATE_HOME/alphapulse/<name>` or `~/.local/state/alphapulse/<name>`, where `<name>` is the
 * config's `name` (`ap start` fills it from the config file: see {@link configRunName}), so two configs or
 * two checkouts never share state by accident.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import process from "node:process";
import type { RelayDomain } from "../protocol/mod.ts";
import { defaultSocketDir, relaySocketPath } from "../relay/wire/socket-paths.ts";

/** Subdirectories of a state directory. */
export const STATE_SUBDIRS = { snapshots: "state", journal: "journal", logs: "logs" } as const;

/** Paths of one run. */
export interface RuntimePaths {
  /** The runtime directory (sockets, lock, pid files). */
  readonly dir: string;
  /** The state directory (durable state and logs). */
  readonly stateDir: string;
  relaySocket(domain: number): string;
  controlSocket(service: string): string;
  /** Snapshots and trading state (`<stateDir>/state`). */
  readonly snapshotDir: string;
  /** Journals (`<stateDir>/journal`). */
  readonly journalDir: string;
  /** Log files (`<stateDir>/logs`). */
  readonly logDir: string;
}

/** What of a config decides the directories. */
export interface DirSettings {
  runtimeDir: string;
  stateDir?: string;
  name?: string;
}

/** Name of the state of a config that sets no `name`. */
export const DEFAULT_RUN_NAME = "default";

/** `$XDG_STATE_HOME/alphapulse/<name>`, else `~/.local/state/alphapulse/<name>`. */
export function defaultStateDir(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), ".local", "state");
  return join(base, "alphapulse", name || DEFAULT_RUN_NAME);
}

/**
 * The run name of a config file that sets no `name`: its file stem and 8 hex digits of a SHA-256 of its
 * real absolute path (`default-3f2a9c1b`), so `config/default.yaml` of two checkouts keeps two states.
 * Moving the checkout changes it: set `name` (or `stateDir`) in the config to pin it.
 */
export function configRunName(configFile: string): string {
  let path = resolve(configFile);
  try {
    path = realpathSync(path);
  } catch {
    // a file that cannot be resolved keeps its absolute path
  }
  const stem = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "config";
  return `${stem}-${createHash("sha256").update(path).digest("hex").slice(0, 8)}`;
}

/** The state directory of `settings` (see the module doc for the rule). */
export function resolveStateDir(settings: DirSettings, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (settings.stateDir) return settings.stateDir;
  if (settings.runtimeDir) return settings.runtimeDir;
  return defaultStateDir(settings.name ?? DEFAULT_RUN_NAME, env);
}

/**
 * Resolves the paths of a run: from the configured runtime directory (empty = the per-user default)
 * and, when given, the directory settings that choose the state directory (else it is the runtime
 * directory, as for a runtime directory set explicitly).
 */
export function runtimePaths(configured: string, settings?: Omit<DirSettings, "runtimeDir">): RuntimePaths {
  const dir = configured || defaultSocketDir();
  const stateDir = settings ? resolveStateDir({ ...settings, runtimeDir: configured }) : dir;
  return {
    dir,
    stateDir,
    relaySocket: (domain) => relaySocketPath(dir, domain as RelayDomain),
    controlSocket: (service) => join(dir, `${service}.ctl`),
    snapshotDir: join(stateDir, STATE_SUBDIRS.snapshots),
    journalDir: join(stateDir, STATE_SUBDIRS.journal),
    logDir: join(stateDir, STATE_SUBDIRS.logs),
  };
}

/** The paths of a config (runtime and state directories). */
export function configPaths(config: DirSettings): RuntimePaths {
  return runtimePaths(config.runtimeDir, { stateDir: config.stateDir ?? "", name: config.name ?? "" });
}

/** Where a service keeps snapshots and journals: under its context's `stateDir` (else its `runtimeDir`). */
export function serviceStateDirs(ctx: { runtimeDir: string; stateDir?: string }): { snapshots: string; journal: string } {
  const base = ctx.stateDir || ctx.runtimeDir;
  return { snapshots: join(base, STATE_SUBDIRS.snapshots), journal: join(base, STATE_SUBDIRS.journal) };
}

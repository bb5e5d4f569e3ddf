/**
 * Claims the runtime directory for one `ap start`, in the order that keeps a refused start harmless:
 * socket path lengths (nothing touched yet), the private runtime and state directories and the state
 * directory's `state/`, `journal/` and `logs/` (created 0700 or verified), the instance lock
 * ({@link acquireInstanceLock}: refused while another system or its orphans live) — taken on the state
 * directory too when it is a directory of its own, so two systems never write one state — the files this start will replace (no symlinks), then the API port. Only
 * after all that is anything written. The claim knows which files this start creates, and its
 * {@link RuntimeClaim.release} removes exactly those — never another instance's sockets or files.
 *
 * @module
 */

import { join } from "node:path";
import type { AppConfig } from "../config/schema.ts";
import type { RuntimePaths } from "../paths.ts";
import { ChildPidFile } from "./child-pids.ts";
import { acquireInstanceLock, type InstanceLock } from "./instance-lock.ts";
import { checkApiAddress, checkSocketPaths, systemSocketPaths } from "./preflight.ts";
import { checkReplaceable, ensureRuntimeDirs, removeOwnFile, writePrivateFile } from "./safe-dir.ts";

/** File the API service writes its bound address to, inside the runtime directory. */
export const API_ADDRESS_FILE = "api.json";
/** The resolved config `ap start` writes for its children. */
export const RESOLVED_CONFIG_FILE = "config.json";

/** A claimed runtime directory. */
export interface RuntimeClaim {
  /** Path of the resolved config. */
  readonly configFile: string;
  /** The children record (feed it start/exit events). */
  readonly children: ChildPidFile;
  /** Writes the resolved config (0600, never through a link). */
  writeConfig(config: AppConfig): void;
  /** Removes the files this start created and releases the lock. */
  release(): void;
}

/**
 * Claims `paths.dir` for a system running `config`; throws (typed, with one clear line) when it may
 * not: `SocketPathError`, `PrivateDirError`, `InstanceLockedError`, `OrphansAliveError`,
 * `UnsafeFileError`, `ApiAddressError`.
 */
export async function claimRuntimeDir(paths: RuntimePaths, config: AppConfig): Promise<RuntimeClaim> {
  checkSocketPaths(paths, config);
  ensureRuntimeDirs(paths);
  const lock: InstanceLock = acquireInstanceLock(paths.dir);
  let stateLock: InstanceLock | undefined;
  if (paths.stateDir !== paths.dir) {
    try {
      stateLock = acquireInstanceLock(paths.stateDir);
    } catch (e) {
      lock.release();
      throw e;
    }
  }
  const configFile = join(paths.dir, RESOLVED_CONFIG_FILE);
  const apiFile = join(paths.dir, API_ADDRESS_FILE);
  const children = new ChildPidFile(paths.dir);
  try {
    checkReplaceable(configFile);
    checkReplaceable(children.file);
    if (checkReplaceable(apiFile)) removeOwnFile(apiFile);
    await checkApiAddress(config.api.host, config.api.port);
  } catch (e) {
    stateLock?.release();
    lock.release();
    throw e;
  }
  return {
    configFile,
    children,
    writeConfig: (resolved) => writePrivateFile(configFile, JSON.stringify(resolved)),
    release() {
      for (const p of systemSocketPaths(paths, config)) removeOwnFile(p);
      removeOwnFile(apiFile);
      removeOwnFile(configFile);
      children.remove();
      stateLock?.release();
      lock.release();
    },
  };
}

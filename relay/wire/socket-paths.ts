/**
 * Relay domain names and where relays listen by default.
 *
 * Unix sockets live in `$XDG_RUNTIME_DIR/alphapulse` (a per-user runtime directory), else in
 * `/tmp/alphapulse-<uid>`; the directory is created with mode 0700 and the socket file is
 * `<domain>.sock` with mode 0600. The default directory is predictable, so it is trusted only as a
 * private directory ({@link ensurePrivateDir}): a real directory (not a symlink), owned by this user,
 * without group/other permission bits — anything else is refused with the reason, never repaired. A
 * socket path longer than the kernel's `sun_path` allows is refused before anything listens. A socket
 * file left by a dead relay is replaced, but only after a connection attempt proves nothing answers on
 * it; a live relay or a non-socket file is never touched.
 *
 * @example
 * ```ts
 * defaultSocketPath("market-data"); // "/run/user/1000/alphapulse/market-data.sock"
 * parseDomain("signal"); // 2
 * ```
 * @module
 */

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { RELAY_DOMAIN_NAMES, type RelayDomain } from "../../protocol/mod.ts";
import type { Transport } from "../transport/types.ts";

/** Relay domain names in domain order. */
export const DOMAIN_NAMES = ["market-data", "signal", "execution", "system"] as const;
/** A relay domain name. */
export type DomainName = (typeof DOMAIN_NAMES)[number];

/** The domain number of a name (`market-data` → 1) or of a number given as text; undefined if unknown. */
export function parseDomain(text: string): RelayDomain | undefined {
  const i = DOMAIN_NAMES.indexOf(text as DomainName);
  if (i >= 0) return (i + 1) as RelayDomain;
  if (/^[1-4]$/.test(text)) return Number(text) as RelayDomain;
  return undefined;
}

/** The name of a domain number. */
export function domainName(domain: RelayDomain): DomainName {
  return RELAY_DOMAIN_NAMES[domain] as DomainName;
}

/** This process's user id (0 where the runtime cannot tell); `node:process` `getuid`, which Deno 2 implements too. */
export function currentUid(): number {
  return typeof process.getuid === "function" ? process.getuid() : 0;
}

/** The directory relays put their sockets in by default. */
export function defaultSocketDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? path.join(xdg, "alphapulse") : `/tmp/alphapulse-${currentUid()}`;
}

/**
 * The Unix socket path of a domain's relay in a runtime directory (`<dir>/<domain name>.sock`) — where
 * `ap start` places it (runtime/paths.ts) and where clients look for it.
 */
export function relaySocketPath(dir: string, domain: RelayDomain): string {
  return path.join(dir, `${domainName(domain)}.sock`);
}

/** The default Unix socket path of a domain's relay. */
export function defaultSocketPath(domain: RelayDomain): string {
  return relaySocketPath(defaultSocketDir(), domain);
}

/** Thrown when a socket path cannot be used; says why. */
export class SocketPathError extends Error {
  /** @param message what is wrong with the path */
  constructor(message: string) {
    super(message);
    this.name = "SocketPathError";
  }
}

/** Longest Unix socket path in bytes: Linux `sun_path` is 108 bytes including the terminating NUL. */
export const SOCKET_PATH_MAX_BYTES = 107;

/** Throws {@link SocketPathError} when `socketPath` is longer than a Unix socket address can hold. */
export function checkSocketPathLength(socketPath: string): void {
  const bytes = new TextEncoder().encode(socketPath).length;
  if (bytes > SOCKET_PATH_MAX_BYTES) {
    throw new SocketPathError(
      `socket path ${socketPath} is ${bytes} bytes; Unix sockets allow at most ${SOCKET_PATH_MAX_BYTES} — choose a shorter directory`,
    );
  }
}

/** A directory that may not hold private files (sockets, state, tokens); says why. */
export class PrivateDirError extends Error {
  /** The directory. */
  readonly dir: string;
  /** @param dir the directory @param reason why it is refused @param cause the error underneath, if any */
  constructor(dir: string, reason: string, cause?: unknown) {
    super(`${dir}: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = "PrivateDirError";
    this.dir = dir;
  }
}

/**
 * Checks that `dir` is a private directory of this user: a real directory (lstat: not a symlink),
 * owned by this uid, no group/other permission bits. Throws {@link PrivateDirError} with the reason.
 */
export function checkPrivateDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    throw new PrivateDirError(dir, `cannot inspect the directory (${(e as { code?: string }).code ?? (e as Error).message})`, e);
  }
  if (st.isSymbolicLink()) throw new PrivateDirError(dir, "is a symbolic link; refusing to use it (remove it or choose another directory)");
  if (!st.isDirectory()) throw new PrivateDirError(dir, "exists and is not a directory");
  const uid = currentUid();
  if (st.uid !== uid) throw new PrivateDirError(dir, `is owned by uid ${st.uid}, not by this user (uid ${uid}); refusing to use it`);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new PrivateDirError(dir, `has mode 0${mode.toString(8)}: group/other may read or write it; run \`chmod 700 ${dir}\` or choose another directory`);
  }
}

/**
 * Makes `dir` a private directory: creates it (mode 0700; missing parents with the default mode) when
 * absent, then {@link checkPrivateDir}. An existing directory is verified, never repaired.
 * Throws {@link PrivateDirError} when it cannot be created or is unsafe.
 */
export function ensurePrivateDir(dir: string): void {
  for (const [target, options] of [[path.dirname(dir), { recursive: true }], [dir, { mode: 0o700 }]] as const) {
    try {
      fs.mkdirSync(target, options);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== "EEXIST") throw new PrivateDirError(dir, `cannot create the directory (${code ?? (e as Error).message})`, e);
    }
  }
  checkPrivateDir(dir);
}

/**
 * Makes `socketPath` ready to listen on: checks its length, creates its directory (the default one
 * must be private: {@link ensurePrivateDir}), and removes a stale socket file — only when it is a
 * socket and a connection to it is refused. Throws {@link SocketPathError} when the path is too long,
 * a relay already answers there or the path is not a socket, {@link PrivateDirError} for an unsafe
 * default directory.
 */
export async function prepareSocketPath(socketPath: string, transport: Transport): Promise<void> {
  checkSocketPathLength(socketPath);
  const dir = path.dirname(socketPath);
  if (dir === defaultSocketDir()) {
    try {
      ensurePrivateDir(dir);
    } catch (e) {
      // A service granted only its sockets (runtime/launch/service-grants.ts) may neither create nor inspect
      // the directory; its supervisor made and checked it before starting it. Anything else is a real failure.
      if (!(e instanceof PrivateDirError && isPermissionRefusal(e.cause))) throw e;
    }
  } else {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      // A service granted only its socket (runtime/launch/service-grants.ts) may not touch the directory
      // its supervisor already made; anything else is a real failure.
      if (!isPermissionRefusal(e)) throw e;
    }
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new SocketPathError(`${socketPath} exists and is not a socket; refusing to replace it`);
  let answered = false;
  try {
    const conn = await transport.connect({ kind: "unix", path: socketPath });
    answered = true;
    conn.close(true);
  } catch {
    // refused: nobody listens, the file is stale
  }
  if (answered) throw new SocketPathError(`a relay already answers on ${socketPath}`);
  try {
    fs.unlinkSync(socketPath);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
}

/** True for the runtime refusing an operation the process was not granted (Deno's `NotCapable`, Node's `ERR_ACCESS_DENIED`). */
function isPermissionRefusal(e: unknown): boolean {
  const { name, code } = (e ?? {}) as { name?: string; code?: string };
  return name === "NotCapable" || name === "PermissionDenied" || code === "ERR_ACCESS_DENIED"; // Deno; Node's permission model
}

/** Sets the socket file's mode to 0600 (owner only). */
export function restrictSocket(socketPath: string): void {
  fs.chmodSync(socketPath, 0o600);
}

/**
 * Relay domain names and where relays listen by default.
 *
 * Unix sockets live in `$XDG_RUNTIME_DIR/alphapulse` (a per-user runtime directory), else in
 * `/tmp/alphapulse-<uid>`; the directory is created with mode 0700 and the socket file is
 * `<domain>.sock` with mode 0600. A socket file left by a dead relay is replaced, but only after a
 * connection attempt proves nothing answers on it; a live relay or a non-socket file is never touched.
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
import { RELAY_DOMAIN_NAMES, type RelayDomain } from "../protocol/mod.ts";
import type { Transport } from "./transport/types.ts";

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

function uid(): number {
  const d = (globalThis as { Deno?: { uid?: () => number | null } }).Deno;
  if (d?.uid) return d.uid() ?? 0;
  return typeof process.getuid === "function" ? process.getuid() : 0;
}

/** The directory relays put their sockets in by default. */
export function defaultSocketDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? path.join(xdg, "alphapulse") : `/tmp/alphapulse-${uid()}`;
}

/** The default Unix socket path of a domain's relay. */
export function defaultSocketPath(domain: RelayDomain): string {
  return path.join(defaultSocketDir(), `${domainName(domain)}.sock`);
}

/** Thrown when a socket path cannot be used; says why. */
export class SocketPathError extends Error {
  /** @param message what is wrong with the path */
  constructor(message: string) {
    super(message);
    this.name = "SocketPathError";
  }
}

/**
 * Makes `socketPath` ready to listen on: creates its directory (0700 when it is the default one),
 * and removes a stale socket file — only when it is a socket and a connection to it is refused.
 * Throws {@link SocketPathError} when a relay already answers there or the path is not a socket.
 */
export async function prepareSocketPath(socketPath: string, transport: Transport): Promise<void> {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (dir === defaultSocketDir()) {
    const st = fs.statSync(dir);
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
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

/** Sets the socket file's mode to 0600 (owner only). */
export function restrictSocket(socketPath: string): void {
  fs.chmodSync(socketPath, 0o600);
}

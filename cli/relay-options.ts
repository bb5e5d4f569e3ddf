/**
 * Command-line options shared by the relay commands (`ap relay`, `publish`, `subscribe`, `record`,
 * `replay`): the domain argument, where the relay is (`--socket PATH`, or `--tcp HOST:PORT` with
 * `--tls-ca F` / `--tcp-plain`, else the socket in the runtime directory found as `ap start` places it —
 * {@link relayRuntimeDir}), and the token (`--token-env NAME`, read from the environment so it never
 * shows in a process list). On a Unix socket without `--token-env`, the token is the tools' identity token
 * (`tools.token`, ids 90–99) that `ap start` writes next to its relays' sockets, when that file is there.
 *
 * @module
 */

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import type { RelayDomain } from "../protocol/mod.ts";
import { ConfigError } from "../runtime/config/load.ts";
import { loadAppConfig } from "../runtime/launch/load-app-config.ts";
import { runtimePaths } from "../runtime/paths.ts";
import { IdentityError, RelayKey, TOOLS_TOKEN_FILE } from "../relay/wire/identity.ts";
import { DOMAIN_NAMES, parseDomain } from "../relay/wire/socket-paths.ts";
import type { Endpoint } from "../relay/transport/types.ts";
import { CommandError } from "./command.ts";

/** Option specs of node:util parseArgs. */
export type OptionSpecs = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/** Options every client command takes. */
export const CONNECT_OPTIONS: OptionSpecs = {
  socket: { type: "string" },
  tcp: { type: "string" },
  "tls-ca": { type: "string" },
  "tcp-plain": { type: "boolean" },
  "token-env": { type: "string" },
  "service-id": { type: "string" },
  "runtime-dir": { type: "string" },
  config: { type: "string" },
};

/** Usage lines of {@link CONNECT_OPTIONS}. */
export const CONNECT_USAGE = `connection:
  --socket PATH       the relay's Unix socket (default: <domain>.sock in the runtime directory)
  --runtime-dir DIR   the runtime directory of the ap start system (default: $ALPHAPULSE_RUNTIME_DIR,
                      else the runtimeDir of --config FILE, else $XDG_RUNTIME_DIR/alphapulse, else
                      /tmp/alphapulse-<uid> — where ap start puts its relays)
  --config FILE       the config ap start was given, to find its runtimeDir
  --tcp HOST:PORT     connect over TCP with TLS 1.3 instead (needs --token-env)
  --tls-ca FILE       PEM CA certificate that signed the relay's certificate
  --tcp-plain         plain TCP without TLS (loopback relays only)
  --token-env NAME    environment variable holding the Hello token (default on a Unix socket: the
                      tools.token file ap start writes beside its sockets, if present)
  --service-id N      this client's service id in its Hello (default 90)`;

/** Parsed command line. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** parseArgs with usage errors as {@link CommandError} (exit 2). */
export function parseCommandArgs(args: readonly string[], options: OptionSpecs): Parsed {
  try {
    const p = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: p.values as Parsed["values"], positionals: p.positionals };
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e), 2);
  }
}

/** The relay domain named by `text`, or a usage error listing the names. */
export function domainArg(text: string | undefined): RelayDomain {
  if (text === undefined) throw new CommandError(`missing domain: one of ${DOMAIN_NAMES.join(", ")}`, 2);
  const d = parseDomain(text);
  if (d === undefined) throw new CommandError(`unknown domain ${JSON.stringify(text)}: one of ${DOMAIN_NAMES.join(", ")}`, 2);
  return d;
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:PORT`). */
export function hostPort(text: string, option: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CommandError(`${option} wants HOST:PORT, got ${JSON.stringify(text)}`, 2);
  return { host: (m[1] ?? m[2])!, port };
}

/** A non-negative integer option, or `fallback` when absent. */
export function intOption(values: Parsed["values"], name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new CommandError(`--${name} wants a non-negative integer, got ${JSON.stringify(v)}`, 2);
  return Number(v);
}

/** Reads the token from the environment variable named by `--token-env`. */
export function tokenFromEnv(values: Parsed["values"]): string | undefined {
  const name = values["token-env"];
  if (typeof name !== "string") return undefined;
  const token = process.env[name];
  if (token === undefined || token === "") throw new CommandError(`--token-env ${name}: the variable is not set or empty`, 2);
  return token;
}

/** The relay's identity key from the environment variable named by `--key-env`, as relay options. */
export function relayKeyOption(values: Parsed["values"]): { identityKey?: RelayKey } {
  const name = values["key-env"];
  if (typeof name !== "string") return {};
  const text = process.env[name];
  if (text === undefined || text === "") throw new CommandError(`--key-env ${name}: the variable is not set or empty`, 2);
  try {
    return { identityKey: RelayKey.fromText(text, `--key-env ${name}`) };
  } catch (e) {
    if (e instanceof IdentityError) throw new CommandError(e.message, 2);
    throw e;
  }
}

/** Reads a file a command needs, as text, or fails with exit 1 naming it. */
export function readTextFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CommandError(`cannot read ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
}

/** Where a client command connects, and with which Hello token and service id. */
export interface ClientTarget {
  endpoint: Endpoint;
  token: string | undefined;
  serviceId: number;
}

/**
 * The runtime directory of the system whose relays a client command talks to, found the way `ap start`
 * places them: `--runtime-dir`, else `ALPHAPULSE_RUNTIME_DIR`, else the `runtimeDir` of the `--config`
 * file, else the per-user default (runtime/paths.ts). An unreadable or invalid config is a
 * {@link CommandError} naming the file.
 */
export async function relayRuntimeDir(values: Parsed["values"], env: Record<string, string | undefined> = process.env): Promise<string> {
  const flag = values["runtime-dir"];
  if (typeof flag === "string" && flag !== "") return runtimePaths(flag).dir;
  const fromEnv = env.ALPHAPULSE_RUNTIME_DIR;
  if (fromEnv !== undefined && fromEnv !== "") return runtimePaths(fromEnv).dir;
  const config = values.config;
  if (typeof config === "string") {
    try {
      return runtimePaths((await loadAppConfig(config)).runtimeDir).dir;
    } catch (e) {
      if (e instanceof ConfigError) throw new CommandError(`--config ${config}: ${e.message}`, 1);
      throw new CommandError(`--config ${config}: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
  }
  return runtimePaths("").dir;
}

/** The connection target of a client command (the relay's socket found by {@link relayRuntimeDir}). */
export async function clientTarget(values: Parsed["values"], domain: RelayDomain): Promise<ClientTarget> {
  const token = tokenFromEnv(values);
  const serviceId = intOption(values, "service-id", 90);
  if (serviceId > 0xffff) throw new CommandError("--service-id must be a u16", 2);
  const tcp = values.tcp;
  if (typeof tcp === "string") {
    const { host, port } = hostPort(tcp, "--tcp");
    if (!token) throw new CommandError("--tcp needs --token-env NAME (relays require a token on TCP)", 2);
    const ca = values["tls-ca"];
    const endpoint: Endpoint = values["tcp-plain"]
      ? { kind: "tcp", host, port }
      : { kind: "tcp", host, port, tls: typeof ca === "string" ? { ca: readTextFile(ca, "CA certificate") } : {} };
    return { endpoint, token, serviceId };
  }
  const socket = values.socket;
  const socketPath = typeof socket === "string" ? socket : runtimePaths(await relayRuntimeDir(values)).relaySocket(domain);
  return { endpoint: { kind: "unix", path: socketPath }, token: token ?? toolsToken(socketPath), serviceId };
}


/**
 * The tools' identity token kept beside `socketPath` (the runtime directory of an `ap start` system), or
 * undefined when there is none. A link is not followed; an unreadable file is a {@link CommandError}.
 */
export function toolsToken(socketPath: string): string | undefined {
  const file = path.join(path.dirname(socketPath), TOOLS_TOKEN_FILE);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw new CommandError(`cannot read the tools token ${file}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  try {
    const token = fs.readFileSync(fd, "utf8").trim();
    return token === "" ? undefined : token;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Waits until `client` has handed everything to the relay, or fails after `timeoutMs` (a relay that keeps
 * closing the connection — wrong token — or is gone) with a {@link CommandError}.
 */
export async function flushOrFail(client: { flush(): Promise<void>; readonly queuedBytes: number }, timeoutMs = 15_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  const r = await Promise.race([client.flush().then(() => "ok" as const), timeout]);
  clearTimeout(timer);
  if (r === "timeout") {
    throw new CommandError(`the relay did not take ${client.queuedBytes} queued bytes within ${timeoutMs / 1000} s (unreachable, or it refuses this client: check --token-env)`, 1);
  }
}

/**
 * Checks `ap start` makes before the first process starts, each failing with one clear line: every
 * socket path the system will listen on fits a Unix socket address, and the API's `host:port` can be
 * bound (a port in use is named at once instead of after the API's start timeout).
 *
 * @module
 */

import net from "node:net";
import { checkSocketPathLength } from "../../relay/wire/socket-paths.ts";
import type { AppConfig } from "../config/schema.ts";
import type { RuntimePaths } from "../paths.ts";
import { allServiceNames, RELAY_DOMAINS, SUPERVISOR_CONTROL } from "../service/system-services.ts";

/** The API address cannot be bound. */
export class ApiAddressError extends Error {
  /** @param host host @param port port @param code the bind error's code */
  constructor(host: string, port: number, code: string) {
    super(
      code === "EADDRINUSE"
        ? `the API address ${host}:${port} is already in use by another process; choose another with --port or api.port`
        : `the API address ${host}:${port} cannot be bound (${code}); check api.host and api.port`,
    );
    this.name = "ApiAddressError";
  }
}

/** Every socket path of the system: the four relays, the supervisor's and each service's control socket. */
export function systemSocketPaths(paths: RuntimePaths, config: AppConfig): string[] {
  const names = new Set([...allServiceNames(config), ...config.services.map((s) => s.name), SUPERVISOR_CONTROL]);
  return [...RELAY_DOMAINS.map((d) => paths.relaySocket(d)), ...[...names].map((n) => paths.controlSocket(n))];
}

/** Throws `SocketPathError` for the first socket path that is too long. */
export function checkSocketPaths(paths: RuntimePaths, config: AppConfig): void {
  for (const p of systemSocketPaths(paths, config)) checkSocketPathLength(p);
}

/** Binds and releases `host:port` (skipped for port 0); throws {@link ApiAddressError} when that fails. */
export async function checkApiAddress(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (e: Error & { code?: string }) => reject(new ApiAddressError(host, port, e.code ?? e.message)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

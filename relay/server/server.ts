/**
 * Runs a {@link Relay} on its listeners: the Unix socket (always; default path per domain, mode 0600,
 * stale file replaced only when nothing answers) and optionally TCP — with TLS 1.3 and a required
 * Hello token, or plain TCP, which is only allowed on a loopback address and only when asked for.
 *
 * TLS versions: on Node the listener and the client require TLS 1.3 (`minVersion`). `Deno.listenTls`
 * and `Deno.connectTls` have no version setting; rustls there negotiates 1.3 with any current peer but
 * would accept 1.2 from a peer that offers nothing newer. The Hello token is required either way.
 *
 * @example
 * ```ts
 * const server = await startRelayServer({ domain: RelayDomain.MarketData });
 * // … later
 * await server.close();
 * ```
 * @module
 */

import fs from "node:fs";
import { createLogger, type Logger } from "../../core/log.ts";
import { defaultSocketPath, domainName, prepareSocketPath, restrictSocket } from "../wire/socket-paths.ts";
import { Relay, type RelayOptions } from "./relay.ts";
import { platform } from "../../core/platform.ts";
import { formatEndpoint, TRANSPORT, type Endpoint, type Listener, type Transport } from "../transport/types.ts";

/** TCP listener settings. */
export interface TcpListenOptions {
  /** Host or address to bind. */
  host: string;
  /** Port (0 = any free port; see {@link RelayServer.tcpEndpoint}). */
  port: number;
  /** PEM certificate and key for TLS 1.3. Omit only together with `plain`. */
  tls?: { cert: string; key: string };
  /** Accept plain TCP (no TLS); refused unless `host` is a loopback address. */
  plain?: boolean;
}

/** Settings of {@link startRelayServer}. */
export interface RelayServerOptions extends RelayOptions {
  /** Unix socket path (default {@link defaultSocketPath}). */
  socketPath?: string;
  /** Also listen on TCP. Requires `token` or `identityKey`. */
  tcp?: TcpListenOptions;
  /** Transport to use (default: this runtime's). */
  transport?: Transport;
  /**
   * Also listen on these in-host endpoints (shared-memory rings between threads), with the trust of the
   * Unix socket: no Hello token beyond the run's identities.
   */
  localEndpoints?: readonly Endpoint[];
}

/** A running relay and its listeners. */
export interface RelayServer {
  /** The relay (metrics, connection count). */
  readonly relay: Relay;
  /** The Unix socket path it listens on. */
  readonly socketPath: string;
  /** The TCP endpoint actually bound, when listening on TCP. */
  readonly tcpEndpoint: Endpoint | undefined;
  /** Stops listening, closes every connection and removes the socket file. */
  close(): Promise<void>;
}

/** Thrown for settings a relay refuses to start with. */
export class RelayConfigError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "RelayConfigError";
  }
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Starts a relay with its listeners. Rejects with a typed error when a listener cannot start. */
export async function startRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  const transport = options.transport ?? (await platform().load(TRANSPORT));
  const log: Logger = options.logger ?? createLogger(`relay.${domainName(options.domain)}`);
  const tcp = options.tcp;
  if (tcp) {
    if (!options.token && !options.identityKey) throw new RelayConfigError("a TCP listener needs a Hello token (--token-env NAME) or an identity key");
    if (!tcp.tls && !tcp.plain) throw new RelayConfigError("a TCP listener needs TLS (--tls-cert/--tls-key) or an explicit --tcp-plain");
    if (!tcp.tls && !isLoopbackHost(tcp.host)) throw new RelayConfigError(`plain TCP is only allowed on a loopback address, not ${tcp.host}`);
  }
  const relay = new Relay({ ...options, logger: log });
  const socketPath = options.socketPath ?? defaultSocketPath(options.domain);
  const listeners: Listener[] = [];
  try {
    await prepareSocketPath(socketPath, transport);
    const unix = await transport.listen({ kind: "unix", path: socketPath }, (conn) => relay.attach(conn, { requireToken: false }));
    listeners.push(unix);
    restrictSocket(socketPath);
    log.info("listening", { endpoint: formatEndpoint(unix.endpoint), transport: transport.name, checksum: options.verifyChecksum ?? true });
    for (const endpoint of options.localEndpoints ?? []) {
      const l = await transport.listen(endpoint, (conn) => relay.attach(conn, { requireToken: false }));
      listeners.push(l);
      log.info("listening", { endpoint: formatEndpoint(l.endpoint), transport: transport.name });
    }
    if (tcp) {
      const endpoint: Endpoint = { kind: "tcp", host: tcp.host, port: tcp.port, ...(tcp.tls ? { tls: tcp.tls } : {}) };
      const l = await transport.listen(endpoint, (conn) => relay.attach(conn, { requireToken: true }));
      listeners.push(l);
      log.info("listening", { endpoint: formatEndpoint(l.endpoint), transport: transport.name });
    }
  } catch (e) {
    for (const l of listeners) await l.close();
    relay.close();
    throw e;
  }
  let closed = false;
  return {
    relay,
    socketPath,
    tcpEndpoint: tcp ? listeners[listeners.length - 1]?.endpoint : undefined,
    async close() {
      if (closed) return;
      closed = true;
      for (const l of listeners) await l.close();
      relay.close();
      try {
        if (fs.lstatSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
      } catch {
        // already gone
      }
    },
  };
}

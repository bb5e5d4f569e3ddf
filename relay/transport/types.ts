/**
 * The one socket interface the relay and its client speak, with one implementation per runtime
 * (`node.ts` on `node:net`/`node:tls`, `deno.ts` on `Deno.listen`/`Deno.connect`/`Deno.listenTls`),
 * chosen once by the entry point (`app/platform/`) and reached with `platform().load(TRANSPORT)`. Why: `node:net` under Deno measured several times slower than
 * Deno's own sockets, and the relay's hot path is exactly this layer.
 *
 * Contract every implementation keeps:
 * - every received chunk is a fresh byte range that is never written again, so receivers may keep
 *   slices of it (the relay forwards such slices to subscribers instead of copying);
 * - `write` takes a batch of byte arrays and sends them in order, in as few system calls as it can;
 *   the arrays must not be modified afterwards (they may be held until written);
 * - `pendingBytes` says how much is accepted but not yet handed to the kernel (back-pressure), and
 *   `onDrain` fires when it falls back to zero;
 * - `onClose` fires exactly once, whether the peer closed, an error happened or `close()` was called.
 *
 * @module
 */

import { platformService, type PlatformService } from "../../core/platform.ts";

/** Where to listen or connect. */
export type Endpoint =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number; readonly tls?: TlsOptions };

/** TLS material. A listener needs `cert`+`key`; a client needs `ca` (PEM) unless the system trusts the server. */
export interface TlsOptions {
  /** PEM certificate chain (listener). */
  readonly cert?: string;
  /** PEM private key (listener). */
  readonly key?: string;
  /** PEM CA certificate(s) the client trusts (client). */
  readonly ca?: string;
  /** Name checked against the server certificate (client; default: the host). */
  readonly serverName?: string;
}

/** Handlers a connection reports to. Set them with {@link Connection.setHandlers} before data can arrive. */
export interface ConnectionHandlers {
  /** One received chunk; `chunk` is never reused, slices of it may be kept. */
  data(chunk: Uint8Array): void;
  /** All pending writes were handed to the kernel. */
  drain?(): void;
  /** The connection is gone (once). `error` when it ended by a failure rather than an orderly close. */
  close(error?: Error): void;
}

/** One established byte stream. */
export interface Connection {
  /** Human-readable peer description for logs, e.g. `unix:/run/x.sock` or `tcp:127.0.0.1:5000`. */
  readonly peer: string;
  /** True when the stream runs over TLS. */
  readonly secure: boolean;
  /** Bytes accepted by {@link write} and not yet handed to the kernel. */
  readonly pendingBytes: number;
  /** True once closed (by either side). */
  readonly closed: boolean;
  /** Installs the handlers and starts reading. */
  setHandlers(handlers: ConnectionHandlers): void;
  /** Queues `chunks` (in order) for sending, as one batch. Ignored once closed. */
  write(chunks: readonly Uint8Array[]): void;
  /** Stops delivering data (and so, in time, the peer's writes) until {@link resume}. */
  pause(): void;
  /** Resumes delivering data after {@link pause}. */
  resume(): void;
  /** Closes the stream; pending writes are flushed first unless `abort` is true. */
  close(abort?: boolean): void;
}

/** A listening socket. */
export interface Listener {
  /** Where it listens (for TCP the actual port, useful after asking for port 0). */
  readonly endpoint: Endpoint;
  /** Stops accepting; existing connections stay open. */
  close(): Promise<void>;
}

/** Opens listeners and connections on one runtime. */
export interface Transport {
  /** Name of the implementation, for logs and benchmarks: `node` or `deno`. */
  readonly name: string;
  /** Listens on `endpoint` and calls `onConnection` for every accepted stream. */
  listen(endpoint: Endpoint, onConnection: (conn: Connection) => void): Promise<Listener>;
  /** Connects to `endpoint`; rejects with the system error when nothing answers. */
  connect(endpoint: Endpoint): Promise<Connection>;
}

/** Text form of an endpoint for logs: `unix:/path`, `tcp:host:port` or `tls:host:port`. */
export function formatEndpoint(e: Endpoint): string {
  return e.kind === "unix" ? `unix:${e.path}` : `${e.tls ? "tls" : "tcp"}:${e.host}:${e.port}`;
}

/** The key of the relay transport in the installed platform: `await platform().load(TRANSPORT)`. */
export const TRANSPORT: PlatformService<Transport> = platformService<Transport>("relay transport (relay/transport/)");

/**
 * The one socket interface the relay and its client speak, with one implementation per runtime
 * (`node.ts` on `node:net`/`node:tls`, `deno.ts` on `Deno.listen`/`Deno.connect`/`Deno.listenTls`),
 * chosen once by the entry point (`app/platform/`) and reached with `platform().load(TRANSPORT)`. Why: `node:net` under Deno measured several times slower than
 * Deno's own sockets, and the relay's hot path is exactly this layer.
 *
 * Contract every implementation keeps:
 * - every received chunk is a fresh byte range that is never written again, so receivers may keep
 *   slices of it (the relay forwards such slices to subscribers instead of copying) — unless the
 *   handlers say they copy what they keep ({@link ConnectionHandlers.acceptsLent}): then a transport
 *   may lend its own reused memory, and says so per chunk (`data(chunk, true)`);
 * - `write` takes a batch of byte arrays and sends them in order, in as few system calls as it can;
 *   the arrays must not be modified afterwards (they may be held until written), unless the
 *   connection says it copies them ({@link Connection.copiesWrites});
 * - `pendingBytes` says how much is accepted but not yet handed to the kernel (back-pressure), and
 *   `onDrain` fires when it falls back to zero;
 * - `onClose` fires exactly once, whether the peer closed, an error happened or `close()` was called.
 *
 * Besides sockets, `ring-transport.ts` carries the same bytes over shared-memory rings between threads
 * and `inproc.ts` hands them over within one event loop; the platform's `TRANSPORT` is the socket
 * transport wrapped by `withLocal` (`local.ts`), so `{ kind: "ring" }` and `{ kind: "inproc" }`
 * endpoints work wherever an endpoint is taken.
 *
 * @module
 */

import { platformService, type PlatformService } from "../../core/platform.ts";

/** Where to listen or connect. */
export type Endpoint =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number; readonly tls?: TlsOptions }
  | RingEndpointSpec
  | { readonly kind: "inproc"; readonly name: string };

/**
 * A relay reached over shared-memory rings (`ring-transport.ts`), in this thread or another worker
 * thread, by name. The connecting side's settings size the rings; each side's spin is its own.
 */
export interface RingEndpointSpec {
  readonly kind: "ring";
  /** The ring listener's name (e.g. the relay domain: `market`). */
  readonly name: string;
  /** Data bytes of each of the two rings (power of two; default 1 MiB). Used by the connecting side. */
  readonly ringBytes?: number;
  /** Busy-wait this long (µs) for more bytes before parking the reader (default 0). */
  readonly spinMicros?: number;
  /** Largest chunk handed to the reader's `data` (default 32 KiB: see `READ_SLAB_BYTES` in ring.ts). */
  readonly maxReadBytes?: number;
}

/** The endpoints a socket transport (`node.ts`, `deno.ts`) takes. */
export type SocketEndpoint = Exclude<Endpoint, { kind: "ring" } | { kind: "inproc" }>;

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
  /**
   * One received chunk. Unless `lent` is true, `chunk` is never reused and slices of it may be kept;
   * a lent chunk is written again once `data` returns, so whatever is kept of it must be copied.
   */
  data(chunk: Uint8Array, lent?: boolean): void;
  /**
   * True when `data` copies whatever it keeps of a lent chunk: the connection may then read into the
   * same memory again and again (the ring transport does: no fresh memory per read for the collector).
   */
  readonly acceptsLent?: boolean;
  /** All pending writes were handed over (to the kernel, or the ring); never called from inside `write`. */
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
  /**
   * True when the peer lives in this event loop and is handed the writer's own byte arrays (the
   * in-process transport): no medium lies between them that could change a byte, so a checksum check
   * there proves nothing. Absent or false for sockets and shared-memory rings.
   */
  readonly inProcess?: boolean;
  /** Bytes accepted by {@link write} and not yet handed to the kernel. */
  readonly pendingBytes: number;
  /**
   * True when {@link write} has copied every byte it was given by the time it returns (it never holds
   * the caller's arrays), so a writer may pass memory it will reuse. Absent or false: the arrays may be
   * held until written.
   */
  readonly copiesWrites?: boolean;
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

/** Text form of an endpoint for logs: `unix:/path`, `tcp:host:port`, `tls:host:port`, `ring:name` or `inproc:name`. */
export function formatEndpoint(e: Endpoint): string {
  if (e.kind === "ring" || e.kind === "inproc") return `${e.kind}:${e.name}`;
  return e.kind === "unix" ? `unix:${e.path}` : `${e.tls ? "tls" : "tcp"}:${e.host}:${e.port}`;
}

/** Thrown by a socket transport given a ring or in-process endpoint (wrap it with `withLocal` of `local.ts`). */
export class SocketEndpointError extends Error {
  /** @param transport the socket transport's name */
  constructor(transport: string) {
    super(`the ${transport} socket transport cannot reach a ring or in-process endpoint: install it wrapped with withLocal (relay/transport/local.ts)`);
    this.name = "SocketEndpointError";
  }
}

/** The key of the relay transport in the installed platform: `await platform().load(TRANSPORT)`. */
export const TRANSPORT: PlatformService<Transport> = platformService<Transport>("relay transport (relay/transport/)");

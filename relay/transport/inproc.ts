/**
 * The in-process {@link Transport}: connections between a relay and its services hosted in the same
 * event loop (`ap start --inline`), reached by name as `{ kind: "inproc", name }`. No bytes are copied
 * and no system call is made: a `write` hands its chunks to the peer, which delivers them to its
 * `data` handler on a microtask — every write of one tick delivered together, never re-entrantly
 * inside `write`. After {@link MICROTASK_ROUNDS} deliveries without an event-loop turn the next go
 * on `setImmediate`, so a busy pair of connections never starves timers and I/O.
 *
 * The socket contract of `types.ts`, as it applies without a kernel:
 * - received chunks are the writer's own byte arrays, which the contract forbids it to modify, so the
 *   reader may keep slices of them (the relay client writes slices of batch buffers it never rewrites,
 *   the relay slices of chunks it received); the writer's array of chunks is copied, since the relay
 *   reuses it;
 * - `pendingBytes` is what the peer holds undelivered while it is paused (or before it set its
 *   handlers), or beyond {@link INPROC_BUFFER_BYTES} as a socket's kernel buffer would; `drain` fires
 *   each time the peer has taken everything written (as the socket transports fire it after each write
 *   completes), which is what a writer that stopped at its window waits for;
 * - `close()` hands everything written to the peer first (the peer closes after delivering it; bounded
 *   by {@link INPROC_CLOSE_FLUSH_MS} if it stays paused); `close(true)` closes at once and the peer,
 *   after delivering what it was already handed, closes with {@link InprocPeerGoneError}; `close` fires
 *   exactly once on each side.
 *
 * @example
 * ```ts
 * await transport.listen({ kind: "inproc", name: "relay-market-data" }, (conn) => relay.attach(conn, {}));
 * const conn = await transport.connect({ kind: "inproc", name: "relay-market-data" });
 * ```
 * @module
 */

import type { Connection, ConnectionHandlers, Endpoint, Listener, Transport } from "./types.ts";
import { listenNamed } from "./named-listener.ts";
import { clearKeepingCapacity } from "../../core/array-reuse.ts";
import { queueSettledMicrotask, rethrowUncaught } from "../../core/microtask.ts";

/** An in-process endpoint (the `inproc` member of {@link Endpoint}). */
export type InprocEndpoint = Extract<Endpoint, { kind: "inproc" }>;

/** Deliveries run on microtasks before one goes on `setImmediate` (lets timers and I/O in). */
export const MICROTASK_ROUNDS = 256;

/** Undelivered bytes a running reader holds before its writer sees them as pending (a socket buffer's worth). */
export const INPROC_BUFFER_BYTES = 256 * 1024;

/** How long an orderly close waits for a paused reader to take what was written before aborting. */
export const INPROC_CLOSE_FLUSH_MS = 5000;

/** Thrown by connect when nothing listens under the name in this event loop. */
export class InprocConnectError extends Error {
  /** The name asked for. */
  readonly endpointName: string;
  /** Same meaning as a socket's: nothing listens. */
  readonly code = "ECONNREFUSED" as const;

  /** @param name the endpoint name */
  constructor(name: string) {
    super(`inproc:${name}: nothing listens under that name in this process (the relay is not started, or listens elsewhere)`);
    this.name = "InprocConnectError";
    this.endpointName = name;
  }
}

/** Thrown when a second listener asks for a name already listened on in this process. */
export class InprocNameInUseError extends Error {
  /** @param name the endpoint name */
  constructor(name: string) {
    super(`inproc:${name} already has a listener in this process`);
    this.name = "InprocNameInUseError";
  }
}

/** Thrown when the in-process transport is given another kind of endpoint. */
export class NotAnInprocEndpointError extends Error {
  /** @param kind the endpoint kind given */
  constructor(kind: string) {
    super(`the in-process transport takes { kind: "inproc" } endpoints, not ${kind}`);
    this.name = "NotAnInprocEndpointError";
  }
}

/** Why an in-process connection ended with an error. */
export class InprocPeerGoneError extends Error {
  /**
   * @param peer the connection's peer description
   * @param why what happened
   */
  constructor(peer: string, why: string) {
    super(`in-process connection ${peer}: ${why}`);
    this.name = "InprocPeerGoneError";
  }
}

let rounds = 0;
let resetQueued = false;
const resetRounds = (): void => {
  rounds = 0;
  resetQueued = false;
};

function schedule(run: () => void): void {
  if (rounds < MICROTASK_ROUNDS) {
    rounds++;
    queueSettledMicrotask(run);
    if (!resetQueued) {
      resetQueued = true;
      setImmediate(resetRounds);
    }
  } else {
    setImmediate(run);
  }
}

/** One side of an in-process connection. */
export class InprocConnection implements Connection {
  readonly peer: string;
  readonly secure = false;
  readonly inProcess = true;
  /** The other side (set right after both are made). */
  private other!: InprocConnection;
  private handlers: ConnectionHandlers | undefined;
  /** Chunks the peer wrote, not yet delivered; `head` is the next one. */
  private inbox: Uint8Array[] = [];
  private head = 0;
  private inboxBytes = 0;
  private scheduled = false;
  private delivering = false;
  private paused = false;
  /** Our own orderly close waits for the peer to take what we wrote. */
  private closing = false;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The peer is gone: deliver what is in the inbox, then close with this outcome. */
  private peerEnded: { error: Error | undefined } | undefined;
  private done = false;
  private closeError: Error | undefined;
  /** Called once when this side closes (the listener's count of open connections). */
  onShut: (() => void) | undefined;

  /** @param peer description for logs (`inproc:<name>`) */
  constructor(peer: string) {
    this.peer = peer;
  }

  /** Two connected sides. */
  static pair(peer: string): [InprocConnection, InprocConnection] {
    const a = new InprocConnection(peer);
    const b = new InprocConnection(peer);
    a.other = b;
    b.other = a;
    return [a, b];
  }

  get pendingBytes(): number {
    const o = this.other;
    if (this.done) return 0;
    return o.paused || o.handlers === undefined || o.inboxBytes > INPROC_BUFFER_BYTES ? o.inboxBytes : 0;
  }

  get closed(): boolean {
    return this.done;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    if (this.done) {
      queueMicrotask(() => handlers.close(this.closeError));
      return;
    }
    this.kick();
  }

  write(chunks: readonly Uint8Array[]): void {
    if (this.done || this.closing) return;
    const o = this.other;
    if (o.done || o.peerEnded !== undefined) return;
    const box = o.inbox;
    let bytes = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.length === 0) continue;
      box.push(c);
      bytes += c.length;
    }
    if (bytes === 0) return;
    o.inboxBytes += bytes;
    o.kick();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.kick();
  }

  close(abort = false): void {
    if (this.done) return;
    const o = this.other;
    if (abort || o.inboxBytes === 0 || o.done) {
      this.shut(undefined, abort);
      return;
    }
    if (this.closing) return;
    this.closing = true;
    this.closeTimer = setTimeout(() => this.shut(undefined, true), INPROC_CLOSE_FLUSH_MS);
  }

  /** Schedules a delivery if there is something to deliver and a handler to take it. */
  private kick(): void {
    if (this.scheduled || this.delivering || this.done || this.paused || this.handlers === undefined) return;
    if (this.inboxBytes === 0 && this.peerEnded === undefined) return;
    this.scheduled = true;
    schedule(this.deliver);
  }

  private readonly deliver = (): void => {
    try {
      this.deliverInbox();
    } catch (e) {
      rethrowUncaught(e);
    }
  };

  private deliverInbox(): void {
    this.scheduled = false;
    if (this.done || this.handlers === undefined) return;
    const h = this.handlers;
    this.delivering = true;
    try {
      while (this.head < this.inbox.length && !this.paused && !this.done) {
        const c = this.inbox[this.head]!;
        this.inbox[this.head++] = undefined as unknown as Uint8Array;
        this.inboxBytes -= c.length;
        h.data(c);
      }
    } finally {
      this.delivering = false;
    }
    if (this.head === this.inbox.length) {
      clearKeepingCapacity(this.inbox);
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.inbox.length) {
      this.inbox = this.inbox.slice(this.head);
      this.head = 0;
    }
    if (this.done) return;
    if (this.inboxBytes === 0) this.emptied();
    else if (!this.paused) this.kick();
  }

  /** Everything the peer wrote was delivered: its drain, its orderly close, or ours after it left. */
  private emptied(): void {
    const o = this.other;
    if (this.peerEnded !== undefined) {
      this.shut(this.peerEnded.error, false);
      return;
    }
    if (o.closing) {
      o.shut(undefined, false);
      return;
    }
    o.handlers?.drain?.();
  }

  private shut(error: Error | undefined, abort: boolean): void {
    if (this.done) return;
    this.done = true;
    this.closing = false;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeError = error;
    const o = this.other;
    if (!o.done && o.peerEnded === undefined) {
      o.peerEnded = { error: abort ? new InprocPeerGoneError(this.peer, "the peer aborted the connection") : undefined };
      if (o.inboxBytes === 0 || o.paused) o.kickEnd();
      else o.kick();
    }
    this.inbox = [];
    this.head = 0;
    this.inboxBytes = 0;
    this.onShut?.();
    const h = this.handlers;
    if (h) queueMicrotask(() => h.close(error));
  }

  /** The peer ended and nothing (more) will be delivered here: close, unless paused with data left. */
  private kickEnd(): void {
    if (this.inboxBytes === 0) {
      if (this.handlers === undefined) this.shut(this.peerEnded?.error, false);
      else this.kick();
    }
  }
}

interface InprocListener {
  readonly onConnection: (conn: Connection) => void;
  open: number;
}

const listeners = new Map<string, InprocListener>();

/** Open connections accepted by the listener on `name` in this process (0 when nothing listens). */
export function inprocConnections(name: string): number {
  return listeners.get(name)?.open ?? 0;
}

/** The in-process transport on its own (only `{ kind: "inproc" }` endpoints). */
export const inprocTransport: Transport = {
  name: "inproc",
  listen(endpoint: Endpoint, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (endpoint.kind !== "inproc") return Promise.reject(new NotAnInprocEndpointError(endpoint.kind));
    return listenNamed(listeners, endpoint, { onConnection, open: 0 } satisfies InprocListener, () => new InprocNameInUseError(endpoint.name));
  },
  connect(endpoint: Endpoint): Promise<Connection> {
    if (endpoint.kind !== "inproc") return Promise.reject(new NotAnInprocEndpointError(endpoint.kind));
    const l = listeners.get(endpoint.name);
    if (l === undefined) return Promise.reject(new InprocConnectError(endpoint.name));
    const [ours, theirs] = InprocConnection.pair(`inproc:${endpoint.name}`);
    l.open++;
    theirs.onShut = () => l.open--;
    queueMicrotask(() => l.onConnection(theirs));
    return Promise.resolve(ours);
  },
};

/**
 * The ring {@link Transport}: connections over shared-memory rings (`ring-connection.ts`) to a relay
 * listening on a ring endpoint `{ kind: "ring", name }`, in this thread or in another worker thread.
 * Runtime-neutral (`SharedArrayBuffer`, `Atomics`, `MessageChannel` exist on Node and Deno alike);
 * starting the threads themselves is the platform's `THREADS` service (`threads.ts`).
 *
 * How a connection is made: the connecting side allocates both rings and a `MessageChannel` (the
 * connection's link), then hands them to the listener. When the listener is in this thread that is a
 * direct call. Otherwise the request travels over a route: a `MessagePort` to the thread that listens,
 * registered with {@link addRingRoute} on the connecting thread and served with {@link serveRingPort}
 * on the listening one (whoever starts the threads wires a `MessageChannel` between them). The
 * listener answers on the link port: accepted, or refused when nothing listens under that name.
 *
 * {@link withRing} puts ring endpoints next to a socket transport, so the relay server and client take
 * `{ kind: "ring", name }` through the platform's ordinary `TRANSPORT` unchanged.
 *
 * @example
 * ```ts
 * // relay thread
 * await transport.listen({ kind: "ring", name: "market" }, (conn) => relay.attach(conn, { requireToken: false }));
 * serveRingPort(portFromParent);
 * // service thread
 * addRingRoute("market", portFromParent);
 * const client = await RelayClient.connect({ endpoint: { kind: "ring", name: "market" }, ... });
 * ```
 * @module
 */

import { createRingBuffer, RING_DEFAULT_BYTES } from "./ring.ts";
import { RingConnection, type RingTuning } from "./ring-connection.ts";
import { ownThreadLife, type ThreadLife } from "./threads.ts";
import type { Connection, Endpoint, Listener, Transport } from "./types.ts";
import { listenNamed } from "./named-listener.ts";

/** A ring endpoint (the `ring` member of {@link Endpoint}). */
export type RingEndpoint = Extract<Endpoint, { kind: "ring" }>;

/** How long a connect over a route waits for the listener's answer. */
export const RING_CONNECT_TIMEOUT_MS = 10_000;

/** Thrown when a ring connect finds no listener, or the listening thread does not answer. */
export class RingConnectError extends Error {
  /** The ring name asked for. */
  readonly ringName: string;
  /** Same meaning as a socket's: `ECONNREFUSED` when nothing listens, `ETIMEDOUT` when no answer came. */
  readonly code: "ECONNREFUSED" | "ETIMEDOUT";

  /**
   * @param name the ring name
   * @param code refused or timed out
   * @param why the detail
   */
  constructor(name: string, code: "ECONNREFUSED" | "ETIMEDOUT", why: string) {
    super(`ring:${name}: ${why}`);
    this.name = "RingConnectError";
    this.ringName = name;
    this.code = code;
  }
}

/** Thrown when a second listener asks for a ring name already listened on in this thread. */
export class RingNameInUseError extends Error {
  /** @param name the ring name */
  constructor(name: string) {
    super(`ring:${name} already has a listener in this thread`);
    this.name = "RingNameInUseError";
  }
}

interface LocalListener {
  readonly tuning: RingTuning;
  readonly onConnection: (conn: Connection) => void;
}

/** A connect request as it travels over a route. */
interface ConnectRequest {
  readonly op: "ring-connect";
  readonly name: string;
  /** Ring the listener reads. */
  readonly toListener: SharedArrayBuffer;
  /** Ring the listener writes. */
  readonly toConnector: SharedArrayBuffer;
  readonly link: MessagePort;
  /** The connecting thread's liveness word. */
  readonly life: ThreadLife;
}

const listeners = new Map<string, LocalListener>();
const routes = new Map<string, MessagePort>();

function tuningOf(e: RingEndpoint): RingTuning {
  return { ...(e.spinMicros !== undefined ? { spinMicros: e.spinMicros } : {}), ...(e.maxReadBytes !== undefined ? { maxReadBytes: e.maxReadBytes } : {}) };
}

function accept(req: ConnectRequest, reply: MessagePort): void {
  const l = listeners.get(req.name);
  if (l === undefined) {
    reply.postMessage({ op: "ring-refused", why: `nothing listens on ring:${req.name} in the thread this route reaches` });
    reply.close();
    return;
  }
  const conn = new RingConnection(`ring:${req.name}`, req.toConnector, req.toListener, req.link, l.tuning, req.life);
  reply.postMessage({ op: "ring-accepted", life: ownThreadLife() });
  l.onConnection(conn);
}

/**
 * Serves connect requests arriving on `port` (from a thread that registered it with
 * {@link addRingRoute}) with this thread's ring listeners. Returns a function that stops serving.
 */
export function serveRingPort(port: MessagePort): () => void {
  port.onmessage = (e: MessageEvent) => {
    const req = e.data as ConnectRequest;
    if (req?.op === "ring-connect") accept(req, req.link);
  };
  return () => {
    port.onmessage = null;
    port.close();
  };
}

/** Routes connects to ring `name` over `port` (served by {@link serveRingPort} in the listening thread). */
export function addRingRoute(name: string, port: MessagePort): void {
  routes.set(name, port);
  // Node says when the other end of a port is gone (its thread ended): forget the route then, so a connect
  // is refused at once instead of waiting out the connect timeout. (Deno sends no such event; the timeout stands.)
  port.addEventListener("close", () => {
    if (routes.get(name) === port) routes.delete(name);
  }, { once: true });
}

/** Forgets the route to ring `name`. */
export function removeRingRoute(name: string): void {
  routes.delete(name);
}

async function connectRing(e: RingEndpoint): Promise<Connection> {
  const bytes = e.ringBytes ?? RING_DEFAULT_BYTES;
  const toListener = createRingBuffer(bytes);
  const toConnector = createRingBuffer(bytes);
  const { port1, port2 } = new MessageChannel();
  const local = listeners.get(e.name);
  if (local !== undefined) {
    const theirs = new RingConnection(`ring:${e.name}`, toConnector, toListener, port2, local.tuning);
    const ours = new RingConnection(`ring:${e.name}`, toListener, toConnector, port1, tuningOf(e));
    queueMicrotask(() => local.onConnection(theirs));
    return ours;
  }
  const route = routes.get(e.name);
  if (route === undefined) {
    port1.close();
    throw new RingConnectError(e.name, "ECONNREFUSED", "no ring listener by that name in this thread and no route to one (addRingRoute)");
  }
  let routeClosed: (() => void) | undefined;
  const answer = await new Promise<{ op: string; why?: string; life?: ThreadLife }>((resolve) => {
    const timer = setTimeout(() => resolve({ op: "ring-timeout" }), RING_CONNECT_TIMEOUT_MS);
    routeClosed = () => {
      clearTimeout(timer);
      resolve({ op: "ring-refused", why: "the thread the route reaches has ended" });
    };
    route.addEventListener("close", routeClosed, { once: true });
    port1.onmessage = (m: MessageEvent) => {
      clearTimeout(timer);
      resolve(m.data as { op: string; why?: string; life?: ThreadLife });
    };
    const req: ConnectRequest = { op: "ring-connect", name: e.name, toListener, toConnector, link: port2, life: ownThreadLife() };
    route.postMessage(req, [port2]);
  });
  route.removeEventListener("close", routeClosed!);
  if (answer.op === "ring-accepted") return new RingConnection(`ring:${e.name}`, toListener, toConnector, port1, tuningOf(e), answer.life);
  port1.close();
  if (answer.op === "ring-timeout") throw new RingConnectError(e.name, "ETIMEDOUT", `the listening thread did not answer within ${RING_CONNECT_TIMEOUT_MS} ms`);
  throw new RingConnectError(e.name, "ECONNREFUSED", answer.why ?? "refused");
}

/** Thrown when the ring transport is given a socket endpoint. */
export class NotARingEndpointError extends Error {
  /** @param kind the endpoint kind given */
  constructor(kind: string) {
    super(`the ring transport takes { kind: "ring" } endpoints, not ${kind}`);
    this.name = "NotARingEndpointError";
  }
}

/** The ring transport on its own (only `{ kind: "ring" }` endpoints). */
export const ringTransport: Transport = {
  name: "ring",
  listen(endpoint: Endpoint, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (endpoint.kind !== "ring") return Promise.reject(new NotARingEndpointError(endpoint.kind));
    return listenNamed(listeners, endpoint, { tuning: tuningOf(endpoint), onConnection } satisfies LocalListener, () => new RingNameInUseError(endpoint.name));
  },
  connect(endpoint: Endpoint): Promise<Connection> {
    if (endpoint.kind !== "ring") return Promise.reject(new NotARingEndpointError(endpoint.kind));
    return connectRing(endpoint);
  },
};

/** `base` (a socket transport) that also takes ring endpoints; keeps `base`'s name. */
export function withRing(base: Transport): Transport {
  return {
    name: base.name,
    listen: (e, on) => (e.kind === "ring" ? ringTransport.listen(e, on) : base.listen(e, on)),
    connect: (e) => (e.kind === "ring" ? ringTransport.connect(e) : base.connect(e)),
  };
}

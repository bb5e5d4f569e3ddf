/**
 * What the main thread and a service's worker thread say to each other over the worker's link port
 * (`THREADS.start(script, link)`), in the threads deployment. The worker speaks first (`hello`, once
 * its handler is in place: a message posted to a link still on its way into the thread can be lost),
 * the main thread answers with `init`; from then on the main thread pings, wires ring routes, asks
 * for a graceful stop, and the worker answers, reports its state and forwards its log lines.
 *
 * @module
 */

/** The identity a worker's service presents to the relays: the run key (relays) or its own token. */
export type ThreadIdentity =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "none" };

/** A ring route: connects to ring `name` go over `port` (served by the relay worker listening on it). */
export interface RouteGrant {
  readonly name: string;
  readonly port: MessagePort;
}

/** Main → worker, once, after `hello`: what to host. */
export interface InitMessage {
  readonly op: "init";
  /** Service name of the config. */
  readonly service: string;
  /** The resolved config file `ap start` wrote (as `ap service --resolved` reads it). */
  readonly configFile: string;
  /** This service's relay identity only (never the run key unless it is a relay). */
  readonly identity: ThreadIdentity;
  /** The API token: set for the API worker only, empty for every other. */
  readonly apiToken: string;
  /** Log level of the run. */
  readonly logLevel: string;
  /** Send log lines to the main thread (`log` messages) instead of writing them to stderr. */
  readonly forwardLogs: boolean;
  /** Routes to every relay worker but the worker's own. */
  readonly routes: readonly RouteGrant[];
}

/** Faults the main thread can inject into a worker (tests and drills: real code paths, no mocks). */
export const ThreadFault = {
  /** An uncaught error thrown from a timer: the worker ends with it. */
  Throw: "throw",
  /** The thread blocks for good (`Atomics.wait`, as in a deadlock): the worker stops answering pings. */
  Hang: "hang",
  /** The thread keeps allocating live memory while its service runs (a runaway cache): its heap limit ends it. */
  Leak: "leak",
} as const;
/** One fault. */
export type ThreadFault = (typeof ThreadFault)[keyof typeof ThreadFault];

/** Main → worker. */
export type MainMessage =
  | InitMessage
  | { readonly op: "ping"; readonly seq: number }
  | { readonly op: "route"; readonly route: RouteGrant }
  | { readonly op: "route-down"; readonly name: string }
  | { readonly op: "serve"; readonly port: MessagePort }
  | { readonly op: "stop" }
  | { readonly op: "fault"; readonly fault: ThreadFault };

/** Worker → main. */
export type WorkerMessage =
  | { readonly op: "hello" }
  | { readonly op: "pong"; readonly seq: number }
  | { readonly op: "running" }
  | { readonly op: "failed"; readonly error: string }
  | { readonly op: "stopped"; readonly ok: boolean; readonly error?: string }
  | { readonly op: "log"; readonly line: string };

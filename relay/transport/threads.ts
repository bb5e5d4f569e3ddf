/**
 * Worker threads, one implementation per runtime (`threads-node.ts` on `node:worker_threads`,
 * `threads-deno.ts` on the web `Worker`), reached with `platform().load(THREADS)`: what a ring
 * deployment needs to put a relay or a service in its own thread. The parent and the worker talk over
 * one `MessagePort` (the link), the same API on both runtimes; ring routes (`ring-transport.ts`) are
 * wired over ports sent along it.
 *
 * @example
 * ```ts
 * const threads = await platform().load(THREADS);
 * const { port1, port2 } = new MessageChannel();
 * const worker = threads.start(new URL("./relay-thread.ts", import.meta.url), port2);
 * // in relay-thread.ts (an entry: installs the platform first)
 * const link = await (await platform().load(THREADS)).parentLink();
 * ```
 * @module
 */

import { platformService, type PlatformService, type ProcessGrants } from "../../core/platform.ts";

/** How a worker thread ended. */
export interface ThreadExit {
  /** Exit code: 0 for a normal end, 1 for an uncaught error, as the runtime reports it otherwise. */
  readonly code: number;
  /** The uncaught error, when one ended it. */
  readonly error?: Error;
  /** Set when it ended because its heap reached {@link ThreadLimits.heapMb}. */
  readonly outOfMemory?: boolean;
}

/** A running worker thread. */
export interface WorkerThread {
  /** Resolves once when the thread ended (by itself, by an uncaught error or by {@link terminate}). */
  readonly exited: Promise<ThreadExit>;
  /** Stops the thread at once (no cleanup runs in it); resolves when it is gone. */
  terminate(): Promise<void>;
}

/** Limits of one worker thread. */
export interface ThreadLimits {
  /**
   * Most MiB its JavaScript heap (V8's old generation) may grow to; past it the thread ends with
   * {@link ThreadExit.outOfMemory} set and the rest of the process goes on. Enforced where
   * {@link Threads.limitsHeap} says so.
   */
  readonly heapMb?: number;
  /**
   * What the thread may touch (least privilege), where {@link Threads.grantsPerThread} says a thread can
   * have grants of its own; never more than the process has.
   */
  readonly grants?: ProcessGrants;
}

/** Starts and joins worker threads on one runtime. */
export interface Threads {
  /** `node` or `deno`. */
  readonly name: string;
  /**
   * Whether {@link ThreadLimits.heapMb} is enforced: on Node (a worker's `resourceLimits`); not on Deno,
   * whose web `Worker` has no per-thread heap limit (a thread exhausting the process's heap ends the
   * whole process there).
   */
  readonly limitsHeap: boolean;
  /**
   * Whether {@link ThreadLimits.grants} are applied to one thread: on Deno when this process runs with
   * the `worker-options` unstable feature (a worker's own `deno.permissions`; Deno ends the whole
   * process when a worker asks for them without it, so they are never passed then); never on Node,
   * whose permission model is per process. {@link start} ignores grants where this is false.
   */
  readonly grantsPerThread: boolean;
  /**
   * Starts the module `script` in a new thread. `link` is transferred to it and is what its
   * {@link parentLink} returns. An uncaught error in the thread ends that thread only.
   */
  start(script: URL, link: MessagePort, name?: string, limits?: ThreadLimits): WorkerThread;
  /** Inside a thread started by {@link start}: the link port. Rejects with {@link NotAWorkerThreadError} elsewhere. */
  parentLink(): Promise<MessagePort>;
}

/** Thrown by {@link Threads.parentLink} outside a worker thread started by {@link Threads.start}. */
export class NotAWorkerThreadError extends Error {
  /** @param runtime the runtime */
  constructor(runtime: string) {
    super(`parentLink() on ${runtime}: this code does not run in a worker thread started by Threads.start`);
    this.name = "NotAWorkerThreadError";
  }
}

/** The key of worker threads in the installed platform. */
export const THREADS: PlatformService<Threads> = platformService<Threads>("worker threads (relay/transport/threads.ts)");

/**
 * A thread's liveness word in shared memory: 0 while the thread runs, 1 once the thread that started
 * it saw it end. Ring connections watch their peer thread's word, so a worker killed mid-stream closes
 * its connections on the other side on every runtime (Deno's ports report no closing peer).
 */
export interface ThreadLife {
  /** Unique per thread, to share one watcher among many connections. */
  readonly id: string;
  /** The word (index 0). */
  readonly cell: Int32Array;
}

/** `Atomics.waitAsync`, typed (ES2024; see ring.ts). */
type WaitAsync = (a: Int32Array, index: number, value: number) =>
  | { readonly async: false; readonly value: string }
  | { readonly async: true; readonly value: Promise<string> };
const waitAsync: WaitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

let own: ThreadLife | undefined;
let lives = 0;

/** A fresh liveness word for a thread about to start. */
export function newThreadLife(): ThreadLife {
  return { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${lives++}`, cell: new Int32Array(new SharedArrayBuffer(4)) };
}

/** This thread's liveness word (the main thread's never turns). */
export function ownThreadLife(): ThreadLife {
  own ??= newThreadLife();
  return own;
}

/** Called by a {@link Threads} implementation inside a started thread: its word, as its parent holds it. */
export function adoptThreadLife(life: ThreadLife): void {
  own = life;
}

/** Called by the starting thread once a thread ended: turns its word and wakes its watchers. */
export function markThreadEnded(life: ThreadLife): void {
  Atomics.store(life.cell, 0, 1);
  Atomics.notify(life.cell, 0);
}

const watched = new Map<string, Set<() => void>>();

/** Calls `onEnded` once when the thread of `life` ends; returns the function that stops watching. */
export function watchThreadLife(life: ThreadLife, onEnded: () => void): () => void {
  let set = watched.get(life.id);
  if (set === undefined) {
    const s = new Set<() => void>();
    set = s;
    watched.set(life.id, s);
    const fire = (): void => {
      watched.delete(life.id);
      for (const f of s) f();
    };
    const check = (): void => {
      if (Atomics.load(life.cell, 0) !== 0) return fire();
      const w = waitAsync(life.cell, 0, 0);
      if (!w.async) return check();
      void w.value.then(check);
    };
    queueMicrotask(check);
  }
  set.add(onEnded);
  const s = set;
  return () => s.delete(onEnded);
}

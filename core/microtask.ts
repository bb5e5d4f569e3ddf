/**
 * Microtasks for per-message paths. Node's `queueMicrotask` wraps every callback in an `AsyncResource`
 * and a bound closure (a sampled heap profile of the inline pipeline put ~300 bytes a message there);
 * a callback on an already settled promise runs in the same queue, in the same order, and allocates
 * only the reaction. A throw from such a callback would become a rejected promise, so callers catch and
 * hand the error to {@link rethrowUncaught}, as a throwing `queueMicrotask` callback would surface it.
 *
 * @example
 * ```ts
 * declare function work(): void;
 * const run = (): void => {
 *   try {
 *     work();
 *   } catch (e) {
 *     rethrowUncaught(e);
 *   }
 * };
 * queueSettledMicrotask(run);
 * ```
 * @module
 */

const settled = Promise.resolve();

/** Queues `run` as a microtask without Node's per-call wrapping. `run` must not throw. */
export function queueSettledMicrotask(run: () => void): void {
  void settled.then(run);
}

/** Throws `e` as an uncaught exception from a fresh microtask. */
export function rethrowUncaught(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

/**
 * The listener side shared by the in-host transports (`ring-transport.ts`, `inproc.ts`): a name taken
 * in this thread's registry until the listener is closed.
 *
 * @module
 */

import type { Endpoint, Listener } from "./types.ts";

/**
 * Takes `endpoint.name` in `registry` for `entry`, or rejects with `inUse()` when the name is taken.
 * Closing the listener frees the name (only if `entry` still holds it).
 */
export function listenNamed<T>(registry: Map<string, T>, endpoint: Endpoint & { readonly name: string }, entry: T, inUse: () => Error): Promise<Listener> {
  if (registry.has(endpoint.name)) return Promise.reject(inUse());
  registry.set(endpoint.name, entry);
  return Promise.resolve({
    endpoint,
    close: () => {
      if (registry.get(endpoint.name) === entry) registry.delete(endpoint.name);
      return Promise.resolve();
    },
  });
}

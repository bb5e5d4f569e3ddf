/**
 * Emptying arrays that hot paths refill every message. `a.length = 0` makes V8 drop the array's backing
 * store, so the next `push` allocates a new one (per message, that is garbage and scavenges); popping
 * keeps the store.
 *
 * @example
 * ```ts
 * const batch: Uint8Array[] = [];
 * batch.push(new Uint8Array(4));
 * clearKeepingCapacity(batch); // batch.length === 0, its storage kept for the next push
 * ```
 * @module
 */

/** Empties `a` and keeps its backing store for the next pushes. */
export function clearKeepingCapacity(a: unknown[]): void {
  while (a.length > 0) a.pop();
}

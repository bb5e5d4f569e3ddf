/**
 * A first-in first-out queue whose `shift` costs the same however long the queue is. `Array.prototype.shift`
 * moves every remaining element once the array is large (V8 can only trim small arrays in place), so a
 * queue of tens of thousands of small chunks — a relay client re-send window of 4 MiB filled with one
 * message per batch — spent seconds a second moving them. Here the front advances by an index, and the
 * slots behind it are reclaimed in one move once they are half of the array.
 *
 * @example
 * ```ts
 * const q = new Fifo<Uint8Array>();
 * q.push(new Uint8Array(8));
 * q.push(new Uint8Array(4));
 * q.shift()?.length; // 8
 * q.length; // 1
 * ```
 * @module
 */

import { clearKeepingCapacity } from "./array-reuse.ts";

/** Slots freed at the front before they are reclaimed (and only once they are half of the array). */
const RECLAIM_AT = 1024;

/** A FIFO queue with constant-time {@link Fifo.shift}. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The front item, left in the queue; `undefined` when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Replaces the front item (a partly consumed chunk); does nothing when empty. */
  replaceFront(item: T): void {
    if (this.head < this.items.length) this.items[this.head] = item;
  }

  /** Removes and returns the front item; `undefined` when empty. */
  shift(): T | undefined {
    const items = this.items;
    if (this.head >= items.length) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      clearKeepingCapacity(items);
      this.head = 0;
    } else if (this.head >= RECLAIM_AT && this.head * 2 >= items.length) {
      items.copyWithin(0, this.head);
      items.length -= this.head;
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Calls `f` on each queued item, front first. */
  forEach(f: (item: T) => void): void {
    const items = this.items;
    for (let i = this.head; i < items.length; i++) f(items[i] as T);
  }

  /** Removes every item and returns them, front first. */
  takeAll(): T[] {
    const all = (this.head === 0 ? this.items : this.items.slice(this.head)) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}

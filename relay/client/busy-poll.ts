/**
 * Busy polling: keeps this process's event loop turning instead of sleeping in the kernel between
 * messages, for the lowest latency where a core can be spent on it (Aeron's "busy spin" idle strategy).
 *
 * A process asleep in `epoll_wait` needs the kernel — and on a virtual machine the hypervisor — to wake it
 * when a message arrives: on the machines we measured that costs 40–65 µs a hop, more than everything the
 * relay does with the message. While polling, every turn of the loop asks the kernel for ready sockets
 * without blocking (Node: an immediate keeps libuv's poll timeout at zero), so a message is picked up
 * within a turn. The price is a core per polling process, busy even when idle: use it on hosts with a core
 * to spare for each polling process, never on a small shared machine where the polling processes would
 * take the cores the others need.
 *
 * @example
 * ```ts
 * const poll = new BusyPoll();
 * poll.start();   // the event loop no longer sleeps
 * // … later
 * poll.stop();
 * ```
 * @module
 */

import { setImmediate, clearImmediate } from "node:timers";

/** Keeps the event loop polling while started. */
export class BusyPoll {
  private handle: ReturnType<typeof setImmediate> | undefined;
  private running = false;
  /** Turns of the loop made so far (diagnostics). */
  turns = 0;
  private readonly turn = (): void => {
    if (!this.running) return;
    this.turns++;
    this.handle = setImmediate(this.turn);
  };

  /** True while polling. */
  get active(): boolean {
    return this.running;
  }

  /** Starts polling (idempotent). While polling the process stays alive: stop it when closing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.handle = setImmediate(this.turn);
  }

  /** Stops polling: the event loop sleeps again when it has nothing to do. */
  stop(): void {
    this.running = false;
    if (this.handle !== undefined) clearImmediate(this.handle);
    this.handle = undefined;
  }
}

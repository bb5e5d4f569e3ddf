/**
 * The relay client's queue for consumers that read with `for await`: received messages wait here until
 * the iterator takes them. Bounded in bytes: past the limit it asks the client to pause reading the
 * socket (the relay then holds — and, for a subscriber that stays slow, drops with a Gap — instead of
 * this process growing), and resumes below half of it.
 *
 * @example
 * ```ts
 * const inbox = new ClientInbox(16 << 20, { pause: () => conn.pause(), resume: () => conn.resume() });
 * inbox.push(msg);
 * for await (const m of inbox.iterator()) use(m);
 * ```
 * @module
 */

/** How an inbox throttles the socket it is fed from. */
export interface InboxFlowControl {
  /** Stop reading the socket. */
  pause(): void;
  /** Read the socket again. */
  resume(): void;
}

/** Messages waiting for an async iterator. */
export class ClientInbox {
  private readonly limit: number;
  private readonly flow: InboxFlowControl;
  private queue: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private iterating = false;
  private ended = false;
  /** True while reading is paused because the inbox is over its limit. */
  paused = false;

  /** @param limitBytes bytes queued before reading pauses @param flow pauses and resumes the socket */
  constructor(limitBytes: number, flow: InboxFlowControl) {
    this.limit = limitBytes;
    this.flow = flow;
  }

  /** Queues one whole message (or hands it straight to a waiting iterator). */
  push(msg: Uint8Array): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: msg, done: false });
      return;
    }
    this.queue.push(msg);
    this.bytes += msg.length;
    if (!this.paused && this.bytes > this.limit) {
      this.paused = true;
      this.flow.pause();
    }
  }

  /** The queued messages as an async iterator (one per inbox); ends after {@link finish}. */
  iterator(): AsyncIterableIterator<Uint8Array> {
    if (this.iterating) throw new Error("subscribe(): this client already has an iterator");
    this.iterating = true;
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next(): Promise<IteratorResult<Uint8Array>> {
        if (self.head < self.queue.length) return Promise.resolve({ value: self.take(), done: false });
        if (self.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          self.waiter = resolve;
        });
      },
      return(): Promise<IteratorResult<Uint8Array>> {
        self.iterating = false;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** No more messages will come: a waiting iterator ends now, a reading one after the queue. */
  finish(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  private take(): Uint8Array {
    const m = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Uint8Array;
    this.bytes -= m.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.bytes < this.limit / 2) {
      this.paused = false;
      this.flow.resume();
    }
    return m;
  }
}

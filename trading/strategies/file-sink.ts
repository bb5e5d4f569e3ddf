/**
 * A {@link MessageSink} that appends messages to a file in 64 KiB batches (synchronous writes through
 * `node:fs`, the same on Node and Deno). The output is exactly the messages back to back — a recording
 * other tools can replay.
 *
 * @example
 * ```ts
 * const sink = FileSink.create("signals.bin");
 * strategy.connect(sink);
 * …
 * sink.close();
 * ```
 * @module
 */

import { closeSync, openSync, writeSync } from "node:fs";
import type { MessageSink } from "./contract.ts";

/** Batched file writer implementing {@link MessageSink}. */
export class FileSink implements MessageSink {
  private readonly fd: number;
  private buffer: Uint8Array;
  private length = 0;
  /** Messages written. */
  messages = 0;
  /** Bytes written. */
  bytes = 0;

  private constructor(fd: number, batchSize: number) {
    this.fd = fd;
    this.buffer = new Uint8Array(batchSize);
  }

  /** Creates (truncates) `path` for writing. Throws the system error when it cannot be opened. */
  static create(path: string, batchSize = 64 * 1024): FileSink {
    return new FileSink(openSync(path, "w"), batchSize);
  }

  /** Appends a copy of one message. */
  publish(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) {
      this.flush();
      if (bytes.length > this.buffer.length) this.buffer = new Uint8Array(bytes.length);
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    this.messages++;
    this.bytes += bytes.length;
  }

  /** Writes the batch to the file. */
  flush(): void {
    let off = 0;
    while (off < this.length) off += writeSync(this.fd, this.buffer, off, this.length - off);
    this.length = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

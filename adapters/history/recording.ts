/**
 * The output of `ap import`: a recording (PROTOCOL §5) — protocol messages back to back, the same bytes
 * `ap record` writes and `ap replay`/`ap decode` read. Messages are copied into a 1 MiB batch and
 * written with one system call per batch.
 *
 * @example
 * ```ts
 * const out = RecordingFile.create("rec.bin");
 * out.publish(messageBytes);
 * out.close();
 * ```
 * @module
 */

import fs from "node:fs";
import type { MessageSink } from "../common/sink.ts";
import { ImportError, ImportErrorKind } from "./errors.ts";

/** A recording file being written; a {@link MessageSink}. */
export class RecordingFile implements MessageSink {
  /** Path written. */
  readonly path: string;
  /** Messages written so far. */
  messages = 0;
  /** Bytes written so far (batched ones included). */
  bytes = 0;
  private readonly fd: number;
  private readonly buf: Uint8Array;
  private len = 0;

  private constructor(path: string, fd: number, batchBytes: number) {
    this.path = path;
    this.fd = fd;
    this.buf = new Uint8Array(batchBytes);
  }

  /** Creates (or truncates) `path`. Throws {@link ImportError} `OutputFailed`. */
  static create(path: string, batchBytes = 1 << 20): RecordingFile {
    try {
      return new RecordingFile(path, fs.openSync(path, "w"), batchBytes);
    } catch (e) {
      throw new ImportError(ImportErrorKind.OutputFailed, path, 0, `cannot create the recording: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Appends one message (copied: the caller may reuse its buffer). */
  publish(message: Uint8Array): void {
    if (this.len + message.length > this.buf.length) this.flush();
    if (message.length > this.buf.length) this.writeAll(message);
    else {
      this.buf.set(message, this.len);
      this.len += message.length;
    }
    this.messages++;
    this.bytes += message.length;
  }

  /** Writes the pending batch. */
  flush(): void {
    if (this.len === 0) return;
    this.writeAll(this.buf.subarray(0, this.len));
    this.len = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private writeAll(b: Uint8Array): void {
    try {
      let off = 0;
      while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    } catch (e) {
      throw new ImportError(ImportErrorKind.OutputFailed, this.path, 0, `cannot write the recording: ${(e as Error).message}`, { cause: e });
    }
  }
}

/**
 * Stream helpers shared by `ap` commands: read a FILE or `-` (stdin) as a stream of byte chunks, split
 * a byte stream into numbered text lines, and write to stdout in batches with back-pressure.
 *
 * Only `node:fs` and `node:process` are used, which behave the same on Node and Deno, so commands need
 * no per-runtime code. Nothing here reads a whole input into memory.
 *
 * @example
 * ```ts
 * const out = new StdoutWriter();
 * for await (const chunk of openInput(path)) {
 *   out.text(`${chunk.length}\n`);
 *   await out.drain();
 * }
 * await out.flush();
 * ```
 * @module
 */

import { createReadStream } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { CommandError } from "./command.ts";

/** Read size for files: 64 KiB chunks. */
export const READ_CHUNK_SIZE = 64 * 1024;

/** Exit code after the reader of stdout went away (EPIPE), as a shell reports death by SIGPIPE. */
export const EXIT_BROKEN_PIPE = 141;

/** True when `path` names stdin: absent or `-`. */
export function isStdin(path: string | undefined): boolean {
  return path === undefined || path === "-";
}

/** A display name for an input path in messages. */
export function inputName(path: string | undefined): string {
  return isStdin(path) ? "stdin" : path!;
}

/** A command line of the form `[FILE|-] [--flag…]`, parsed. */
export interface InputArgs<F extends string> {
  /** The input path; `undefined` when none was given (stdin). */
  readonly path: string | undefined;
  /** Which boolean flags were given. */
  readonly flags: Readonly<Record<F, boolean>>;
}

/**
 * Parses `[FILE|-]` plus the boolean `--flags` a command accepts. An unknown option or a second
 * positional argument is a usage error (exit 2) that names it.
 */
export function parseInputArgs<F extends string>(args: readonly string[], flagNames: readonly F[]): InputArgs<F> {
  const options: Record<string, { type: "boolean" }> = {};
  for (const f of flagNames) options[f] = { type: "boolean" };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e), 2);
  }
  if (parsed.positionals.length > 1) {
    throw new CommandError(`expected at most one input, got ${parsed.positionals.map((p) => JSON.stringify(p)).join(" ")}`, 2);
  }
  const flags = {} as Record<F, boolean>;
  for (const f of flagNames) flags[f] = parsed.values[f] === true;
  return { path: parsed.positionals[0], flags };
}

/** True when stdin is a terminal (nothing piped in). */
export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/**
 * The bytes of `path` (a file, or stdin for `-`/absent) as an async stream of chunks. A file that
 * cannot be opened or read becomes a {@link CommandError} (exit 1) naming it and the system's reason.
 */
export async function* openInput(path: string | undefined): AsyncGenerator<Uint8Array> {
  const stream = isStdin(path) ? process.stdin : createReadStream(path!, { highWaterMark: READ_CHUNK_SIZE });
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    }
  } catch (e) {
    throw new CommandError(`cannot read ${inputName(path)}: ${describeSystemError(e)}`, 1);
  }
}

function describeSystemError(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/** One text line of an input, numbered from 1, without its line terminator (`\n` or `\r\n`). */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/** Longest line {@link readLines} accepts, in bytes (16 MiB): far beyond the JSON of a 1 MiB message. */
export const MAX_LINE_LENGTH = 16 * 1024 * 1024;

/**
 * Splits a stream of UTF-8 chunks into numbered lines (every line counts, blank ones too). A final
 * line without a terminator is still delivered. Lines are split on the byte 0x0A (never part of a
 * multi-byte UTF-8 sequence) and each is decoded on its own, so invalid UTF-8 is reported with its
 * line number. A line longer than `maxLength` bytes is a {@link CommandError}, so a stream without
 * newlines cannot exhaust memory.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLength = MAX_LINE_LENGTH,
): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let held: Uint8Array[] = []; // bytes of the current, unfinished line
  let heldLength = 0;
  let line = 0;
  const decodeLine = (bytes: Uint8Array): NumberedLine => {
    line++;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new CommandError(`line ${line}: input is not valid UTF-8`, 1);
    }
    return { line, text: text.endsWith("\r") ? text.slice(0, -1) : text };
  };
  const takeHeld = (tail: Uint8Array): Uint8Array => {
    const bytes = held.length === 0 ? tail : concatBytes([...held, tail], heldLength + tail.length);
    held = [];
    heldLength = 0;
    return bytes;
  };
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl !== -1) {
      yield decodeLine(takeHeld(chunk.subarray(start, nl)));
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      held.push(chunk.subarray(start));
      heldLength += chunk.length - start;
      if (heldLength > maxLength) throw new CommandError(`line ${line + 1}: longer than ${maxLength} bytes`, 1);
    }
  }
  if (heldLength > 0) yield decodeLine(takeHeld(new Uint8Array(0)));
}

function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The part of stdout a writer needs; `process.stdout` on both runtimes. */
export interface WritableOut {
  write(data: Uint8Array | string): boolean;
  once(event: "drain" | "error", listener: (...args: unknown[]) => void): unknown;
  on(event: "error", listener: (e: unknown) => void): unknown;
  off(event: "drain" | "error", listener: (...args: unknown[]) => void): unknown;
  readonly isTTY?: boolean;
}

/** True when stdout is a terminal. */
export function stdoutIsTerminal(): boolean {
  return process.stdout.isTTY === true;
}

/**
 * Batches output to stdout: text and bytes are appended synchronously (so a framer callback can
 * write), and {@link drain} hands the batch to the stream once it reaches `batchSize`, waiting for
 * `drain` when the stream pushes back. A reader that goes away (EPIPE) sets {@link closed}; writes
 * are then dropped and the command should stop and exit {@link EXIT_BROKEN_PIPE}.
 */
export class StdoutWriter {
  private readonly out: WritableOut;
  private readonly batchSize: number;
  private textBatch = "";
  private bytes: Uint8Array;
  private bytesLen = 0;
  private failure: unknown;
  private brokenPipe = false;

  /** @param out the stream (default `process.stdout`) @param batchSize bytes per write (default 64 KiB) */
  constructor(out: WritableOut = process.stdout as unknown as WritableOut, batchSize = 64 * 1024) {
    this.out = out;
    this.batchSize = batchSize;
    this.bytes = new Uint8Array(batchSize);
    out.on("error", (e) => this.onError(e));
  }

  /** True once the reader of stdout has gone away. */
  get closed(): boolean {
    return this.brokenPipe;
  }

  private onError(e: unknown): void {
    if ((e as { code?: unknown }).code === "EPIPE") this.brokenPipe = true;
    else this.failure ??= e;
  }

  /** Appends text. */
  text(s: string): void {
    if (!this.brokenPipe) this.textBatch += s;
  }

  /** Appends a copy of `data` (the caller may reuse its buffer right away). */
  bytesOf(data: Uint8Array): void {
    if (this.brokenPipe) return;
    if (this.bytesLen + data.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.bytesLen + data.length));
      grown.set(this.bytes.subarray(0, this.bytesLen));
      this.bytes = grown;
    }
    this.bytes.set(data, this.bytesLen);
    this.bytesLen += data.length;
  }

  /** Bytes or characters waiting to be written. */
  get pending(): number {
    return this.textBatch.length + this.bytesLen;
  }

  /** Writes the batch if it has reached the batch size; resolves when the stream can take more. */
  async drain(): Promise<void> {
    if (this.pending >= this.batchSize) await this.flush();
  }

  /** Writes everything appended so far and waits until the stream accepts more. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.brokenPipe) {
      this.textBatch = "";
      this.bytesLen = 0;
      return;
    }
    if (this.textBatch.length > 0) {
      const s = this.textBatch;
      this.textBatch = "";
      await this.write(s);
    }
    if (this.bytesLen > 0) {
      // The stream may hold the array until it is written: hand over this one and start a new one.
      const chunk = this.bytes.subarray(0, this.bytesLen);
      this.bytes = new Uint8Array(this.batchSize);
      this.bytesLen = 0;
      await this.write(chunk);
    }
  }

  private async write(data: Uint8Array | string): Promise<void> {
    let ok: boolean;
    try {
      ok = this.out.write(data);
    } catch (e) {
      this.onError(e);
      this.throwIfFailed();
      return;
    }
    if (ok || this.brokenPipe) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off("drain", done);
        this.out.off("error", done);
        resolve();
      };
      this.out.once("drain", done);
      this.out.once("error", done);
    });
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw new CommandError(`cannot write to stdout: ${describeSystemError(this.failure)}`, 1);
    }
  }
}

/** Writes `text` to stderr (diagnostics; never batched). */
export function writeStderr(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * Reads a text file line by line with 1-based line numbers, in chunks (never the whole file at once),
 * so a multi-gigabyte CSV streams in constant memory. `\r\n` endings are accepted; the final line may
 * lack its newline. Invalid UTF-8 and unreadable files are {@link ImportError}s naming file and line.
 *
 * @example
 * ```ts
 * for await (const { line, text } of readFileLines("trades.csv")) console.log(line, text);
 * ```
 * @module
 */

import { createReadStream } from "node:fs";
import { ImportError, ImportErrorKind } from "./errors.ts";

/** One line of a file, without its terminator. */
export interface FileLine {
  /** 1-based line number. */
  readonly line: number;
  /** The line's text. */
  readonly text: string;
}

/** Chunk size of the reads (1 MiB). */
export const READ_CHUNK = 1 << 20;

/** Longest line accepted (16 Mi characters), so a file without newlines cannot exhaust memory. */
export const MAX_LINE = 16 << 20;

/**
 * Splits a stream of byte chunks into numbered lines, one array per chunk (a hot loop then pays one
 * async step per chunk, not per line). `name` is used in errors.
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, name: string,
): AsyncGenerator<FileLine[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  let line = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new ImportError(ImportErrorKind.Unreadable, name, line + 1, "not valid UTF-8 text");
    }
    rest = rest.length === 0 ? text : rest + text;
    const batch: FileLine[] = [];
    let from = 0;
    let nl = rest.indexOf("\n");
    while (nl >= 0) {
      line++;
      const end = nl > from && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      batch.push({ line, text: rest.slice(from, end) });
      from = nl + 1;
      nl = rest.indexOf("\n", from);
    }
    rest = from === 0 ? rest : rest.slice(from);
    if (rest.length > MAX_LINE) throw new ImportError(ImportErrorKind.Unreadable, name, line + 1, `line longer than ${MAX_LINE} characters`);
    if (batch.length > 0) yield batch;
  }
  if (rest.length > 0) {
    line++;
    yield [{ line, text: rest.endsWith("\r") ? rest.slice(0, -1) : rest }];
  }
}

/** Splits a stream of byte chunks into numbered lines. `name` is used in errors. */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, name: string,
): AsyncGenerator<FileLine> {
  for await (const batch of splitLineBatches(chunks, name)) yield* batch;
}

/** Reads `path` as arrays of numbered lines (one per read chunk); an unreadable file is an {@link ImportError}. */
export async function* readFileLineBatches(path: string): AsyncGenerator<FileLine[]> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  try {
    yield* splitLineBatches(stream as AsyncIterable<Uint8Array>, path);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(ImportErrorKind.Unreadable, path, 0, `cannot read: ${(e as Error).message}`, { cause: e });
  } finally {
    stream.destroy();
  }
}

/** Reads `path` as numbered lines; an unreadable file is an {@link ImportError}. */
export async function* readFileLines(path: string): AsyncGenerator<FileLine> {
  for await (const batch of readFileLineBatches(path)) yield* batch;
}

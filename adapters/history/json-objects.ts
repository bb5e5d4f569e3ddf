/**
 * Streams the top-level JSON objects of a file — JSON Lines (one object a line) or a JSON array of
 * objects, pretty-printed or not — as their exact text with the line each starts on, without loading
 * the file: a small scanner tracks strings, escapes and brace depth across chunks. Anything between
 * objects other than whitespace, `,`, `[` and `]` is reported as junk with its line.
 *
 * @example
 * ```ts
 * for await (const item of readJsonObjects("matches.json")) item.kind === "object" && handle(item.text, item.line);
 * ```
 * @module
 */

import { createReadStream } from "node:fs";
import { ImportError, ImportErrorKind } from "./errors.ts";
import { READ_CHUNK } from "./lines.ts";

/** One item of the stream: an object's text, or junk between objects. */
export type JsonItem =
  | { readonly kind: "object"; readonly text: string; readonly line: number }
  | { readonly kind: "junk"; readonly text: string; readonly line: number };

/** Splits text chunks into top-level objects (`name` for errors). */
export async function* splitJsonObjects(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, name: string): AsyncGenerator<JsonItem> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let obj: string[] = [];
  let objLine = 0;
  let junk = "";
  let junkLine = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new ImportError(ImportErrorKind.Unreadable, name, line, "not valid UTF-8 text");
    }
    let start = depth > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (depth > 0) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
        } else if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          depth--;
          if (depth === 0) {
            obj.push(text.slice(start, i + 1));
            yield { kind: "object", text: obj.join(""), line: objLine };
            obj = [];
            start = -1;
          }
        }
        if (c === 10) line++;
        continue;
      }
      if (c === 123) {
        if (junk.length > 0) {
          yield { kind: "junk", text: junk, line: junkLine };
          junk = "";
        }
        depth = 1;
        start = i;
        objLine = line;
        continue;
      }
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13 && c !== 44 && c !== 91 && c !== 93) {
        if (junk.length === 0) junkLine = line;
        if (junk.length < 80) junk += text[i];
      }
    }
    if (depth > 0 && start >= 0) obj.push(text.slice(start));
  }
  if (junk.length > 0) yield { kind: "junk", text: junk, line: junkLine };
  if (depth > 0) yield { kind: "junk", text: obj.join("").slice(0, 80), line: objLine };
}

/** Reads `path`'s top-level JSON objects. */
export async function* readJsonObjects(path: string): AsyncGenerator<JsonItem> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  try {
    yield* splitJsonObjects(stream as AsyncIterable<Uint8Array>, path);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(ImportErrorKind.Unreadable, path, 0, `cannot read: ${(e as Error).message}`, { cause: e });
  } finally {
    stream.destroy();
  }
}

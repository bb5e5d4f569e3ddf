/**
 * Test helpers for the history importers: a sink that keeps every message, reading a recording back
 * message by message, and a canonical form of decimal text so a CSV value ("9682", "0.0130") and the
 * rendering of the decoded fixed-point value ("9682", "0.013") compare as text.
 *
 * @module
 */

import { decodeMessage, HEADER_SIZE, type Message } from "../../../protocol/mod.ts";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `shared/data` beside the repository (`../shared/data`, as tests/adapters/real-data.ts looks) or beside
 * one of its ancestors (a git worktree under /work/wt/NAME sees /work/shared/data). These tests fail —
 * never skip — when it cannot be found.
 */
export const DATA: string = (() => {
  let dir = fileURLToPath(new URL("../../../", import.meta.url));
  for (;;) {
    const parent = dirname(dir);
    if (existsSync(join(parent, "shared/data/tardis"))) return join(parent, "shared/data");
    if (parent === dir) throw new Error("../shared/data is missing: the history import tests read the real data there");
    dir = parent;
  }
})();

/** Collects copies of published messages, counting them as a recording does. */
export class BytesSink {
  readonly list: Uint8Array[] = [];
  get messages(): number {
    return this.list.length;
  }
  publish(bytes: Uint8Array): void {
    this.list.push(bytes.slice());
  }
}

/** Every message of a recording (messages back to back), decoded with full validation. */
export function readRecording(bytes: Uint8Array): Message[] {
  const out: Message[] = [];
  let off = 0;
  while (off < bytes.length) {
    const m = decodeMessage(bytes, off);
    out.push(m);
    off += HEADER_SIZE + m.header.payloadSize;
  }
  return out;
}

/** Canonical decimal text: no leading zeros before the point, no trailing fractional zeros. */
export function canon(text: string): string {
  let [i = "", f = ""] = text.split(".");
  i = i.replace(/^0+(?=\d)/, "");
  f = f.replace(/0+$/, "");
  return f.length > 0 ? `${i}.${f}` : i;
}

/** The byte concatenation of messages. */
export function joined(list: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(list.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of list) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Index of the first message that differs between two lists (or where one ends), -1 when identical. */
export function firstDifference(a: readonly Uint8Array[], b: readonly Uint8Array[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return i;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return i;
  }
  return a.length === b.length ? -1 : n;
}

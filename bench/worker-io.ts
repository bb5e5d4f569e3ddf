/**
 * The worker side of {@link ./worker-process.ts}: a benchmark worker prints its results as one JSON
 * object per stdout line and takes commands (`stop`, `report`, …) one per stdin line.
 *
 * @example
 * ```ts
 * emit({ ready: true });
 * onStdinLine((line) => { if (line === "stop") emitAndExit({ count }); });
 * ```
 * @module
 */

import process from "node:process";
import readline from "node:readline";

/** Prints `obj` as one JSON line. */
export function emit(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

/** Prints the last line and exits once it is out (a pipe write is asynchronous; exiting early cuts it). */
export function emitAndExit(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + "\n", () => process.exit(0));
}

/** Calls `handler` with each stdin line, trimmed. */
export function onStdinLine(handler: (line: string) => void): void {
  readline.createInterface({ input: process.stdin }).on("line", (l) => handler(l.trim()));
}

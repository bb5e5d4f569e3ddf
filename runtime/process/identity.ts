/**
 * Is a recorded process still the one we recorded? A pid alone can be reused, so a record carries the
 * process's start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot — unchanged by `exec`),
 * and a liveness check compares it: the same pid with another start time is a different process. Where
 * `/proc` is missing (not Linux) the check falls back to `kill(pid, 0)` alone.
 *
 * Plain `node:fs` and `node:process`, so it behaves the same on Node and Deno.
 *
 * @example
 * ```ts
 * const me = { pid: process.pid, startTime: processStartTime(process.pid) };
 * isSameProcess(me); // true
 * ```
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

/** A process as recorded in a lock or children file. */
export interface ProcessRecord {
  readonly pid: number;
  /** Start time from `/proc/<pid>/stat`, or `null` where unknown. */
  readonly startTime: number | null;
}

/** Fields 3… of `/proc/<pid>/stat` (state first), or `null` when unreadable. */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'.
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** Start time of `pid` (clock ticks since boot), or `null` when it is gone or `/proc` is unavailable. */
export function processStartTime(pid: number): number | null {
  const start = Number(statFields(pid)?.[19]);
  return Number.isFinite(start) ? start : null;
}

/**
 * Whether `pid` has ended but not been reaped yet (a zombie: state `Z` or `X`). An orphan's exit is
 * reaped by init, which in a container may take a second or more; it runs no code meanwhile.
 */
export function isZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === "Z" || state === "X";
}

/** The command line of `pid` as arguments, or `null` when unreadable. */
export function processArgs(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

/** Whether a process with this pid runs and may be signalled by us (`kill(pid, 0)`, and not a zombie). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    // ESRCH: gone. EPERM: it exists but belongs to another user — not a process this user started.
    return false;
  }
}

/** Whether `record` still names the same living process (pid exists and, where known, the start time matches). */
export function isSameProcess(record: ProcessRecord): boolean {
  if (!pidExists(record.pid)) return false;
  if (record.startTime === null) return true;
  const now = processStartTime(record.pid);
  return now === null ? true : now === record.startTime;
}

/** A record of this process. */
export function selfRecord(): ProcessRecord {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

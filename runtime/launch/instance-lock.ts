/**
 * One system per runtime directory: `ap start` takes this lock before it writes anything there, and a
 * second start on the same directory is refused at once, naming the running supervisor's pid, the
 * directory, its API address and how to stop it.
 *
 * Design. Node has no `flock`, and an advisory lock must behave the same on Node and Deno (a Node start
 * must block a Deno start), so the lock is built from operations both runtimes have and the kernel makes
 * atomic:
 * - Lock files are numbered generations, `supervisor.<n>.lock`, each holding `{pid, startTime}` of its
 *   owner. A file is created complete (written to a temp file, then `link`ed to its name — `link` fails
 *   with EEXIST when the name is taken, so creation is atomic and a reader never sees a half-written file).
 * - The lock belongs to the highest generation. Its owner is alive when its pid exists with the same
 *   start time (`/proc/<pid>/stat`, so a reused pid does not count) — then the start is refused.
 * - A dead owner's lock is never deleted or replaced in place (that is where a takeover races: two starts
 *   both see it dead, one deletes the other's fresh lock). The new owner creates generation n+1 instead;
 *   of two racing starts only one creates it, and the loser sees a live n+1. After creating, an owner
 *   checks no higher generation appeared (a slow start reusing a low, already removed number backs off),
 *   then removes the older files.
 * - Before taking over, the children recorded by the dead supervisor ({@link liveRecordedChildren}) are
 *   checked: while one is alive the directory is still in use, and the start is refused naming them.
 * Alternatives weighed: a listening socket as the liveness lock (connect ⇒ live) has no atomic takeover
 * of its stale file; Linux abstract sockets vanish with their owner but Node and Deno encode the address
 * differently (padded vs exact length), so a Node and a Deno start would not see each other;
 * `Deno.FsFile.lock` has no Node counterpart without a native addon; `proper-lockfile` decides staleness
 * by mtime, so a start after a `kill -9` would wait out the stale period.
 *
 * @module
 */

import fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { isSameProcess, selfRecord, type ProcessRecord } from "../process/identity.ts";
import { liveRecordedChildren } from "./child-pids.ts";
import { removeOwnFile, UnsafeFileError, writePrivateFile } from "./safe-dir.ts";

/** The directory is in use by a running system. */
export class InstanceLockedError extends Error {
  /** Pid of the running supervisor. */
  readonly pid: number;
  /** @param dir runtime directory @param pid supervisor pid @param apiUrl its API, if known */
  constructor(dir: string, pid: number, apiUrl: string | undefined) {
    super(
      `${dir} is in use by a running AlphaPulse system (supervisor pid ${pid}` +
        `${apiUrl ? `, API ${apiUrl}` : ""}); use that one, or stop it with \`kill ${pid}\` first`,
    );
    this.name = "InstanceLockedError";
    this.pid = pid;
  }
}

/** The supervisor of the directory is dead but some of its services still run. */
export class OrphansAliveError extends Error {
  /** The orphans. */
  readonly orphans: readonly { name: string; pid: number }[];
  /** @param dir runtime directory @param orphans live children of the dead supervisor */
  constructor(dir: string, orphans: readonly { name: string; pid: number }[]) {
    const list = orphans.map((o) => `${o.name} (pid ${o.pid})`).join(", ");
    super(
      `${dir} is still in use by services of a supervisor that died: ${list}; ` +
        `they stop by themselves within seconds, or stop them with \`kill ${orphans.map((o) => o.pid).join(" ")}\``,
    );
    this.name = "OrphansAliveError";
    this.orphans = orphans;
  }
}

/** A held lock. */
export interface InstanceLock {
  /** The lock file. */
  readonly file: string;
  /** Removes the lock file (only ours). */
  release(): void;
}

const LOCK_NAME = /^supervisor\.(\d{1,15})\.lock$/;

function lockFile(dir: string, gen: number): string {
  return join(dir, `supervisor.${gen}.lock`);
}

function generations(dir: string): number[] {
  return fs.readdirSync(dir).map((n) => LOCK_NAME.exec(n)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

function readHolder(file: string): ProcessRecord | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return undefined; // removed meanwhile
  }
  if (!st.isFile()) throw new UnsafeFileError(file, "is not a regular file; remove it if no AlphaPulse system runs in this directory");
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: unknown; startTime?: unknown };
    if (typeof r.pid === "number") return { pid: r.pid, startTime: typeof r.startTime === "number" ? r.startTime : null };
  } catch {
    // fall through
  }
  throw new UnsafeFileError(file, "is not a lock file this program wrote; remove it if no AlphaPulse system runs in this directory");
}

function apiUrlOf(dir: string): string | undefined {
  try {
    const url = (JSON.parse(fs.readFileSync(join(dir, "api.json"), "utf8")) as { url?: unknown }).url;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of runtime directory `dir` (which must exist and be private). Throws
 * {@link InstanceLockedError} when a live supervisor holds it, {@link OrphansAliveError} when its holder
 * died but recorded services live on, {@link UnsafeFileError} for a lock file it cannot read.
 */
export function acquireInstanceLock(dir: string): InstanceLock {
  const me = selfRecord();
  const content = JSON.stringify({ pid: me.pid, startTime: me.startTime, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 20; attempt++) {
    const gens = generations(dir);
    const top = gens.at(-1);
    if (top !== undefined) {
      const holder = readHolder(lockFile(dir, top));
      if (holder === undefined) continue;
      if (isSameProcess(holder)) throw new InstanceLockedError(dir, holder.pid, apiUrlOf(dir));
    }
    const orphans = liveRecordedChildren(dir);
    if (orphans.length > 0) throw new OrphansAliveError(dir, orphans);
    const gen = (top ?? 0) + 1;
    const file = lockFile(dir, gen);
    const tmp = join(dir, `supervisor.lock.${me.pid}.tmp`);
    writePrivateFile(tmp, content);
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as { code?: string }).code === "EEXIST") continue;
      throw new UnsafeFileError(file, `cannot create the lock file (${(e as { code?: string }).code ?? (e as Error).message})`);
    } finally {
      removeOwnFile(tmp);
    }
    if (generations(dir).some((g) => g > gen)) {
      removeOwnFile(file);
      continue;
    }
    for (const old of gens) removeOwnFile(lockFile(dir, old));
    return {
      file,
      release() {
        try {
          if (readHolder(file)?.pid === process.pid) removeOwnFile(file);
        } catch {
          // not ours any more: leave it
        }
      },
    };
  }
  throw new UnsafeFileError(join(dir, "supervisor.*.lock"), "could not take the lock: other starts kept competing for it; try again");
}

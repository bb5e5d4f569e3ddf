/**
 * The supervisor's record of its live children (`supervisor.children.json` in the runtime directory):
 * name, pid and start time of each service process, rewritten (temp file + rename, 0600, never through a
 * link) whenever one starts or exits. A later `ap start` reads it before taking over the lock of a dead
 * supervisor: a child still alive — same pid, same start time, and a command line running `service` —
 * means the directory is still in use by orphans, and the start is refused naming them.
 *
 * @module
 */

import fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { isSameProcess, processArgs, processStartTime, type ProcessRecord } from "../process/identity.ts";
import { removeOwnFile, writePrivateFile } from "./safe-dir.ts";

/** File name of the children record in the runtime directory. */
export const CHILDREN_FILE = "supervisor.children.json";

/** One recorded child. */
export interface ChildRecord extends ProcessRecord {
  readonly name: string;
}

/** Keeps the children file of this supervisor up to date. */
export class ChildPidFile {
  /** The file. */
  readonly file: string;
  private readonly children = new Map<number, ChildRecord>();

  /** @param dir runtime directory */
  constructor(dir: string) {
    this.file = join(dir, CHILDREN_FILE);
  }

  /** Records a started child. */
  started(name: string, pid: number): void {
    if (pid <= 0) return;
    this.children.set(pid, { name, pid, startTime: processStartTime(pid) });
    this.write();
  }

  /** Forgets an exited child. */
  exited(pid: number): void {
    if (this.children.delete(pid)) this.write();
  }

  /** Removes the file (clean shutdown). */
  remove(): void {
    removeOwnFile(this.file);
  }

  private write(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writePrivateFile(tmp, JSON.stringify({ supervisorPid: process.pid, children: [...this.children.values()] }));
    fs.renameSync(tmp, this.file);
  }
}

/**
 * Children recorded in `dir` that are still alive and still ours (pid, start time, a `service` command
 * line where `/proc` can tell). An unreadable or absent file means none.
 */
export function liveRecordedChildren(dir: string): ChildRecord[] {
  let records: ChildRecord[];
  try {
    const st = fs.lstatSync(join(dir, CHILDREN_FILE));
    if (!st.isFile()) return [];
    const parsed = JSON.parse(fs.readFileSync(join(dir, CHILDREN_FILE), "utf8")) as { children?: unknown };
    records = Array.isArray(parsed.children) ? (parsed.children as ChildRecord[]) : [];
  } catch {
    return [];
  }
  return records.filter((c) => {
    if (typeof c?.pid !== "number" || !isSameProcess({ pid: c.pid, startTime: typeof c.startTime === "number" ? c.startTime : null })) return false;
    const args = processArgs(c.pid);
    return args === null || args.includes("service");
  });
}

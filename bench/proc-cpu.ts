/**
 * CPU time used so far by another process (Linux `/proc/<pid>/stat`): how the relay benchmark measures
 * the servers it starts (our relay, nats-server) without their cooperation.
 *
 * @example
 * ```ts
 * const before = processCpuMicros(child.pid!);
 * // … the workload …
 * const used = processCpuMicros(child.pid!)! - before!;
 * ```
 * @module
 */

import fs from "node:fs";

/** Clock ticks per second of `/proc` times (USER_HZ: 100 on every Linux architecture we run on). */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU time of process `pid` in microseconds (10 ms resolution), or `undefined` where
 * `/proc` cannot tell (not Linux, process gone).
 */
export function processCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1e6) / TICKS_PER_SECOND;
}

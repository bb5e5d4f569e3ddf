/**
 * CPU placement of processes: pins a running process (every thread of it) to a set of cores, where the
 * OS allows it. JavaScript cannot call `sched_setaffinity` itself, so on Linux this runs `taskset -a -p -c
 * LIST PID` (util-linux); elsewhere, or without `taskset`, it reports that placement is unsupported and
 * changes nothing. `node:child_process.execFile` behaves the same on Node and Deno, so there is one
 * implementation.
 *
 * A {@link Placement} names cores per role (`relay`, `strategy`, `publisher`, `consumer`, … and `*` for the
 * rest), written `relay=0;strategy=1;*=0-1` (cpu lists as `taskset -c` takes them).
 *
 * Measured on the 2-core VM this project runs on (docs/PERFORMANCE.md, "Where process-mode latency goes"):
 * it is OFF by default.
 *
 * @example
 * ```ts
 * const placement = parsePlacement("relay=0;*=1");
 * const r = await pinProcess(child.pid, placement, "relay"); // { pinned: true, cpus: "0" }
 * ```
 * @module
 */

import { execFile } from "node:child_process";
import fs from "node:fs";
import process from "node:process";

/** Cores per role; `*` applies to roles not named. */
export type Placement = Readonly<Record<string, string>>;

/** What {@link pinProcess} did. */
export type PinResult =
  | { readonly pinned: true; readonly cpus: string }
  | { readonly pinned: false; readonly reason: string };

/** A placement spec that cannot be read (what, where, why). */
export class PlacementError extends Error {
  /** The text given. */
  readonly spec: string;
  /** @param spec the text given @param why what is wrong with it */
  constructor(spec: string, why: string) {
    super(`CPU placement ${JSON.stringify(spec)}: ${why}`);
    this.spec = spec;
    this.name = "PlacementError";
  }
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** Reads `role=cpus;role=cpus` (cpus as `taskset -c` takes them: `0`, `0-1`, `0,2`). */
export function parsePlacement(spec: string): Placement {
  const out: Record<string, string> = {};
  for (const part of spec.split(";").map((s) => s.trim()).filter((s) => s !== "")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new PlacementError(spec, `"${part}" is not role=cpus`);
    const role = part.slice(0, eq).trim();
    const cpus = part.slice(eq + 1).trim();
    if (!CPU_LIST.test(cpus)) throw new PlacementError(spec, `"${cpus}" is not a CPU list such as 0, 0-1 or 0,2`);
    out[role] = cpus;
  }
  if (Object.keys(out).length === 0) throw new PlacementError(spec, "names no role");
  return out;
}

/** The cores `role` gets under `placement`, or undefined (leave it where the OS puts it). */
export function cpusFor(placement: Placement, role: string): string | undefined {
  return placement[role] ?? placement["*"];
}

/** True where {@link pinProcess} can work: Linux with a `taskset` on the usual paths. */
export function placementSupported(): boolean {
  return process.platform === "linux" && ["/usr/bin/taskset", "/bin/taskset"].some((p) => fs.existsSync(p));
}

/** The cores `pid` may run on (Linux, `/proc/PID/status` Cpus_allowed_list), or undefined where unknown. */
export function allowedCpus(pid: number): string | undefined {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Pins process `pid` and all its threads to the cores `placement` gives `role`. Never throws: a role
 * without cores, a platform without `taskset`, or a `taskset` failure is reported in the result.
 */
export function pinProcess(pid: number, placement: Placement, role: string): Promise<PinResult> {
  const cpus = cpusFor(placement, role);
  if (cpus === undefined) return Promise.resolve({ pinned: false, reason: `no cores named for role ${role}` });
  if (!placementSupported()) return Promise.resolve({ pinned: false, reason: `CPU placement needs Linux with taskset (platform ${process.platform})` });
  return new Promise((resolve) => {
    execFile("taskset", ["-a", "-p", "-c", cpus, String(pid)], (err, _stdout, stderr) => {
      if (err) resolve({ pinned: false, reason: `taskset -a -p -c ${cpus} ${pid} failed: ${String(stderr).trim() || err.message}` });
      else resolve({ pinned: true, cpus });
    });
  });
}

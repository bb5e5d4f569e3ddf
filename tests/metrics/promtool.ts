/**
 * Runs `promtool` (Debian package `prometheus`; `.ci/run` installs it) for the metrics tests, or says why a
 * test skips when it is missing.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";

/** Why promtool tests skip (undefined when promtool runs). */
export const promtoolMissing: string | undefined = (() => {
  const r = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  return r.error !== undefined || r.status !== 0
    ? "promtool not found: install the Debian package `prometheus` (apt-get install -y prometheus) to run the promtool checks"
    : undefined;
})();

/** What promtool said. */
export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Runs `promtool <args>` with `stdin` (if given), up to 60 s. */
export function promtool(args: readonly string[], stdin?: string, cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(stdin ?? "");
  });
}

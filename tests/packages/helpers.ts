/**
 * Helpers of the package tests: running a command as a child process with a deadline, the project root,
 * the Deno binary, temp directories.
 */
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The project root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** What a finished child process left. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` in `cwd` (killed after `timeoutMs`) and resolves with its exit code and output. */
export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Throws with the command's output unless it exited 0. */
export function ok(what: string, r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`);
  return r;
}

export { denoBinary } from "../setup/deno-binary.ts";

/** `node` of PATH: plain Node, whichever runtime runs the test (what a user of the packages runs). */
export const NODE = "node";

/**
 * {@link ProcessSpawner} on Node: `node:child_process.spawn`.
 *
 * @module
 */

import { spawn as nodeSpawn } from "node:child_process";
import process from "node:process";
import type { ChildProcessHandle, ProcessExit, ProcessSpawner, SpawnOptions } from "./types.ts";

/** Spawns with `node:child_process`. */
export const nodeSpawner: ProcessSpawner = {
  spawn(options: SpawnOptions): ChildProcessHandle {
    const child = nodeSpawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.stdinPipe ? "pipe" : "ignore", options.onStdout ? "pipe" : "inherit", options.onStderr ? "pipe" : "inherit"],
    });
    if (options.onStdout) child.stdout?.setEncoding("utf8").on("data", options.onStdout);
    if (options.onStderr) child.stderr?.setEncoding("utf8").on("data", options.onStderr);
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once("error", () => resolve({ code: 127, signal: null }));
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    let done = false;
    void exited.then(() => (done = true));
    return {
      pid: child.pid ?? -1,
      exited,
      kill(signal = "SIGTERM") {
        if (!done) child.kill(signal);
      },
    };
  },
};

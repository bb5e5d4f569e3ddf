/**
 * Children follow their supervisor. The supervisor starts each service with a stdin pipe it never
 * writes or closes, and with {@link SUPERVISOR_PID_ENV} set to its pid. When the supervisor dies — even
 * by `kill -9` — the kernel closes its end of the pipe, and the child's stdin reads end-of-file at once.
 * As a second signal the child polls its parent pid every {@link PARENT_POLL_MS}: a parent other than
 * the supervisor (re-parented to init or a subreaper) means the same. Either calls `onGone` once; the
 * service then stops through its normal graceful stop.
 *
 * Both signals work the same on Node and Deno (`node:process` stdin and `ppid`), and through both
 * spawners of `runtime/process`. A process started by hand (no {@link SUPERVISOR_PID_ENV}) is not watched.
 *
 * @module
 */

import process from "node:process";

/** Environment variable carrying the supervisor's pid to its children. */
export const SUPERVISOR_PID_ENV = "ALPHAPULSE_SUPERVISOR_PID";

/** Period of the parent-pid check. */
export const PARENT_POLL_MS = 250;

/** Environment a supervisor gives its children so they follow it. */
export function supervisedChildEnv(): Record<string, string> {
  return { [SUPERVISOR_PID_ENV]: String(process.pid) };
}

/** A running watch. */
export interface ParentWatch {
  /** Stops watching (the stdin pipe is released). */
  stop(): void;
}

/**
 * Watches for the supervisor's death when `env` names one; calls `onGone(reason)` once.
 * Returns `undefined` when this process is not supervised.
 */
export function watchSupervisor(env: Readonly<Record<string, string | undefined>>, onGone: (reason: string) => void): ParentWatch | undefined {
  const supervisor = Number(env[SUPERVISOR_PID_ENV]);
  if (!Number.isInteger(supervisor) || supervisor <= 0) return undefined;
  let done = false;
  const fire = (reason: string) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    onGone(reason);
  };
  const timer = setInterval(() => {
    if (process.ppid !== supervisor) fire(`supervisor pid ${supervisor} is gone (parent is now pid ${process.ppid})`);
  }, PARENT_POLL_MS);
  const stdin = process.stdin;
  const onEnd = () => fire(`supervisor pid ${supervisor} is gone (its pipe closed)`);
  stdin.on("data", () => {});
  stdin.once("end", onEnd);
  stdin.once("error", onEnd);
  if (process.ppid !== supervisor) fire(`supervisor pid ${supervisor} is gone (parent is pid ${process.ppid})`);
  return {
    stop() {
      done = true;
      clearInterval(timer);
      stdin.off("end", onEnd);
      stdin.off("error", onEnd);
      stdin.pause();
    },
  };
}

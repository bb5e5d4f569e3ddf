/**
 * One interface for starting and stopping OS processes, with one implementation per runtime
 * (`node:child_process` on Node, `Deno.Command` on Deno), chosen once by the entry point (`app/platform/`) and reached with `platform().load(PROCESS_SPAWNER)`.
 *
 * @module
 */

import { platformService, type PlatformService } from "../../core/platform.ts";

/** How a child process ended. */
export interface ProcessExit {
  /** Exit code, or `null` when ended by a signal. */
  code: number | null;
  /** Signal name (`"SIGKILL"`), or `null` when it exited by itself. */
  signal: string | null;
}

/** What to start. */
export interface SpawnOptions {
  /** Executable path or name. */
  command: string;
  /** Arguments. */
  args: readonly string[];
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables (merged over the parent's). */
  env?: Readonly<Record<string, string>>;
  /**
   * Give the child a stdin pipe this process holds open and never writes: it reads end-of-file when this
   * process dies, however it dies (see `parent-watch.ts`). Default: stdin is `/dev/null`.
   */
  stdinPipe?: boolean;
  /** Called with each chunk the child writes to stdout (UTF-8 text). Omitted: inherited. */
  onStdout?: (text: string) => void;
  /** Called with each chunk the child writes to stderr (UTF-8 text). Omitted: inherited. */
  onStderr?: (text: string) => void;
}

/** A started child process. */
export interface ChildProcessHandle {
  /** OS process id. */
  readonly pid: number;
  /** Resolves once when the process has ended. */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal (default SIGTERM); no-op when already ended. */
  kill(signal?: "SIGTERM" | "SIGKILL" | "SIGINT"): void;
}

/** Starts child processes. */
export interface ProcessSpawner {
  /** Starts a process; rejects when the executable cannot be started. */
  spawn(options: SpawnOptions): ChildProcessHandle;
}

/** The key of the process spawner in the installed platform: `await platform().load(PROCESS_SPAWNER)`. */
export const PROCESS_SPAWNER: PlatformService<ProcessSpawner> = platformService<ProcessSpawner>("process spawner (runtime/process/)");

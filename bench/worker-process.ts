/**
 * A benchmark worker: a child process of this runtime running one script of `bench/` with a role, that
 * talks in JSON lines — one object per stdout line out, one command per stdin line in. The multi-process
 * benchmarks (`ap bench relay`, `ap bench e2e`, `ap bench stress`) drive their workers through this.
 *
 * @example
 * ```ts
 * const relay = startWorker(new URL("./relay-worker.ts", import.meta.url), ["relay", socket]);
 * await waitForKey(relay, "subscribers");
 * relay.send("stop");
 * killWorker(relay);
 * ```
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import process from "node:process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** One JSON line a worker printed. */
export type WorkerLine = Record<string, unknown>;

/** A running worker. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** What the worker wrote to stderr so far (for error reports). */
  readonly stderr: string[];
  /** The next line (queued or to come); rejects when the worker exits first or after `timeoutMs` (default 30 s). */
  next(timeoutMs?: number): Promise<WorkerLine>;
  /** Forgets lines received and not yet read. */
  skipQueued(): void;
  /** Writes one command line to the worker's stdin (nothing once the worker has exited). */
  send(line: string): void;
}

/** How a worker process is started. */
export interface WorkerStartOptions {
  /** Expose `gc()` in the worker (for measuring live memory after a full collection). */
  exposeGc?: boolean;
}

/**
 * Starts `script` (a URL or path of a `bench/` file) with `args` in a new process of this runtime: Deno
 * runs it with `run -A`, Node with the tsx loader.
 */
export function startWorker(script: URL | string, args: readonly string[], options: WorkerStartOptions = {}): WorkerProcess {
  const file = typeof script === "string" ? script : fileURLToPath(script);
  const gc = options.exposeGc === true;
  const argv = IS_DENO
    ? ["run", "-A", ...(gc ? ["--v8-flags=--expose-gc"] : []), file, ...args]
    : [...(gc ? ["--expose-gc"] : []), "--import", "tsx", file, ...args];
  const child = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "pipe"] });
  const lines: WorkerLine[] = [];
  const waiters: ((v: WorkerLine) => void)[] = [];
  const stderr: string[] = [];
  const name = `${file.split("/").pop()} ${args[0] ?? ""}`.trim();
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    let v: WorkerLine;
    try {
      v = JSON.parse(line) as WorkerLine;
    } catch {
      return;
    }
    const w = waiters.shift();
    if (w) w(v);
    else lines.push(v);
  });
  child.stderr!.on("data", (d: Uint8Array) => stderr.push(new TextDecoder().decode(d)));
  child.stdin!.on("error", () => {}); // a worker that already exited
  const exited = new Promise<never>((_, reject) =>
    child.on("exit", (code) => reject(new Error(`worker ${name} exited (${code}) ${stderr.join("").slice(-2000)}`))));
  exited.catch(() => {});
  return {
    child,
    stderr,
    next: (timeoutMs = 30_000) => {
      const v = lines.shift();
      if (v) return Promise.resolve(v);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const p = Promise.race([
        new Promise<WorkerLine>((r) => waiters.push(r)),
        exited,
        new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`worker ${name} did not answer in time`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      p.catch(() => {}); // a worker that exits after its last line is not an error for a finished wait
      return p;
    },
    skipQueued: () => void (lines.length = 0),
    send: (line) => {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.write(line + "\n");
    },
  };
}

/** Waits (at most `timeoutMs` in all, default 20 s) for the first line `pred` accepts; earlier lines are skipped. */
export async function waitForLine(w: WorkerProcess, pred: (v: WorkerLine) => boolean, timeoutMs = 20_000): Promise<WorkerLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("benchmark worker did not answer in time");
    const v = await w.next(left);
    if (pred(v)) return v;
  }
}

/** Waits for the first line that has `key`. */
export function waitForKey(w: WorkerProcess, key: string, timeoutMs = 30_000): Promise<WorkerLine> {
  return waitForLine(w, (v) => key in v, timeoutMs);
}

/** SIGKILLs a worker that is still running. */
export function killWorker(w: WorkerProcess | undefined): void {
  if (w && w.child.exitCode === null) w.child.kill("SIGKILL");
}

/**
 * The machine's floor for one hop: a raw 8-byte ping-pong between two worker processes over a Unix
 * socket through the relay's transport, no protocol work (roles `pong`/`ping` of `e2e-worker.ts`),
 * back to back, or with `paced` one round trip per timer tick as the paced latency runs send (the
 * processes then sleep between messages and pay the wake-up each time), and with `busyPoll` both processes
 * polling instead of sleeping (relay/busy-poll.ts: the floor with a core per process). Round-trip
 * percentiles in ns; one hop ≈ the round trip's p50 ÷ 2.
 */
export async function measureFloor(socketPath: string, count = 20_000, paced = false, busyPoll = false): Promise<{ rttP50Ns: number; rttP99Ns: number }> {
  const script = new URL("./e2e-worker.ts", import.meta.url);
  const busy = busyPoll ? ["busy"] : [];
  const pong = startWorker(script, ["pong", socketPath, ...busy]);
  let ping: WorkerProcess | undefined;
  try {
    await waitForKey(pong, "ready");
    ping = startWorker(script, ["ping", socketPath, String(count), paced ? "paced" : "back-to-back", ...busy]);
    const r = await waitForKey(ping, "rttP50Ns", 60_000);
    pong.send("stop");
    return { rttP50Ns: Number(r.rttP50Ns), rttP99Ns: Number(r.rttP99Ns) };
  } finally {
    killWorker(ping);
    killWorker(pong);
  }
}

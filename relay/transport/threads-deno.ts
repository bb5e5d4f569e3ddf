/**
 * {@link Threads} on Deno's web `Worker` (module workers run TypeScript as they are). The link port
 * goes to the worker in its first message. An uncaught error in a worker is stopped at the `error`
 * event (`preventDefault`), so it ends that worker and never the parent. Deno reports no exit of a
 * worker that simply returns: `exited` resolves on an uncaught error or on {@link WorkerThread.terminate}.
 * Grants become the worker's own `deno.permissions` — an unstable option, on when this process runs with
 * `--unstable-worker-options` or under a `deno.json` with `"unstable": ["worker-options"]` (this
 * project's has it); a heap limit cannot be set for one worker.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import type { ProcessGrants } from "../../core/platform.ts";
import {
  adoptThreadLife, markThreadEnded, newThreadLife, NotAWorkerThreadError, type ThreadExit, type ThreadLife, type ThreadLimits, type Threads, type WorkerThread,
} from "./threads.ts";

/** The first message a started thread receives. */
interface LinkMessage {
  readonly op: "ap-thread-link";
  readonly link: MessagePort;
  readonly life: ThreadLife;
}

/** The worker-side global (`self` in a Deno worker). */
interface WorkerGlobal {
  addEventListener(type: "message", on: (e: MessageEvent) => void): void;
  removeEventListener(type: "message", on: (e: MessageEvent) => void): void;
}

let linked: Promise<MessagePort> | undefined;

/** Deno's permission options of a worker (`Deno.PermissionOptionsObject`) for `g`: nothing beyond it, never run, ffi or remote imports. */
function permissionsOf(g: ProcessGrants): Record<string, boolean | string[]> {
  const list = (xs: readonly string[]): boolean | string[] => (xs.length === 0 ? false : [...xs]);
  return { read: list(g.read), write: list(g.write), net: g.net === "any" ? true : list(g.net), env: g.env, sys: g.sys, run: false, ffi: false, import: false };
}

/**
 * Whether this process runs with Deno's `worker-options` unstable feature: its command line has the flag,
 * or the config file Deno found at start (`--config`, else the first `deno.json(c)` from the working
 * directory up; none with `--no-config`) lists it. Deno offers no API to ask, and ends the process when a
 * worker asks for permissions without it, so anything uncertain (no `/proc`, an unreadable config) is no.
 */
export function denoWorkerOptionsEnabled(cmdline: readonly string[], cwd: string, read: (path: string) => string | undefined): boolean {
  if (cmdline.includes("--unstable-worker-options")) return true;
  if (cmdline.includes("--no-config")) return false;
  const at = cmdline.findIndex((a) => a === "--config" || a === "-c" || a.startsWith("--config="));
  const explicit = at < 0 ? undefined : cmdline[at]!.startsWith("--config=") ? cmdline[at]!.slice("--config=".length) : cmdline[at + 1];
  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit.startsWith("/") ? explicit : join(cwd, explicit));
  else for (let d = cwd; ; d = dirname(d)) {
    candidates.push(join(d, "deno.json"), join(d, "deno.jsonc"));
    if (dirname(d) === d) break;
  }
  for (const file of candidates) {
    const text = read(file);
    if (text === undefined) continue;
    return /"unstable"\s*:\s*\[[^\]]*"worker-options"/.test(text);
  }
  return false;
}

let workerOptions: boolean | undefined;

function workerOptionsEnabled(): boolean {
  workerOptions ??= (() => {
    try {
      const cmdline = readFileSync("/proc/self/cmdline", "utf8").split("\0");
      return denoWorkerOptionsEnabled(cmdline, process.cwd(), (p) => (existsSync(p) ? readFileSync(p, "utf8") : undefined));
    } catch {
      return false;
    }
  })();
  return workerOptions;
}

function newWorker(script: URL, name: string | undefined, grants: ProcessGrants | undefined): Worker {
  const permissions = grants && workerOptionsEnabled() ? { deno: { permissions: permissionsOf(grants) } } : {};
  return new Worker(script, { type: "module", ...(name ? { name } : {}), ...permissions } as WorkerOptions);
}

/** The Deno implementation of {@link Threads}. */
export const denoThreads: Threads = {
  name: "deno",
  limitsHeap: false,
  get grantsPerThread(): boolean {
    return workerOptionsEnabled();
  },
  start(script: URL, link: MessagePort, name?: string, limits?: ThreadLimits): WorkerThread {
    const w = newWorker(script, name, limits?.grants);
    const life = newThreadLife();
    let done: (exit: ThreadExit) => void = () => {};
    const exited = new Promise<ThreadExit>((resolve) => {
      done = (exit) => {
        markThreadEnded(life);
        resolve(exit);
      };
    });
    w.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      const error = e.error instanceof Error ? e.error : new Error(e.message);
      w.terminate();
      done({ code: 1, error });
    });
    const msg: LinkMessage = { op: "ap-thread-link", link, life };
    w.postMessage(msg, [link]);
    return {
      exited,
      terminate() {
        w.terminate();
        done({ code: 1 });
        return exited.then(() => {});
      },
    };
  },
  parentLink(): Promise<MessagePort> {
    const self = globalThis as unknown as WorkerGlobal & { WorkerGlobalScope?: unknown };
    if (typeof self.WorkerGlobalScope === "undefined") return Promise.reject(new NotAWorkerThreadError("deno"));
    linked ??= new Promise<MessagePort>((resolve) => {
      const on = (e: MessageEvent) => {
        const m = e.data as LinkMessage | undefined;
        if (m?.op !== "ap-thread-link") return;
        self.removeEventListener("message", on);
        adoptThreadLife(m.life);
        resolve(m.link);
      };
      self.addEventListener("message", on);
    });
    return linked;
  },
};

/**
 * {@link Threads} on `node:worker_threads`. A TypeScript module is started through a two-line
 * bootstrap that registers `tsx` in the new thread first (Node 20 runs no TypeScript itself, and a
 * worker does not inherit the parent's `--import tsx`).
 *
 * @module
 */

import { isMainThread, Worker, workerData } from "node:worker_threads";
import {
  adoptThreadLife, markThreadEnded, newThreadLife, NotAWorkerThreadError, type ThreadExit, type ThreadLife, type ThreadLimits, type Threads, type WorkerThread,
} from "./threads.ts";

const BOOT = `const d = require("node:worker_threads").workerData;
import(d.tsx).then((m) => { m.register(); return import(d.script); });`;

function tsxApi(): string {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    return "tsx/esm/api";
  }
}

/** The Node implementation of {@link Threads}. */
export const nodeThreads: Threads = {
  name: "node",
  limitsHeap: true,
  grantsPerThread: false,
  start(script: URL, link: MessagePort, name?: string, limits?: ThreadLimits): WorkerThread {
    const ts = script.pathname.endsWith(".ts");
    const life = newThreadLife();
    const data = { link, life, script: script.href, tsx: ts ? tsxApi() : undefined, apThread: true };
    const options = {
      workerData: data, transferList: [link as never], ...(name ? { name } : {}),
      ...(limits?.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: limits.heapMb } } : {}),
    };
    const w = ts ? new Worker(BOOT, { eval: true, ...options }) : new Worker(script, options);
    let error: Error | undefined;
    w.on("error", (e: Error) => {
      error = e;
    });
    const exited = new Promise<ThreadExit>((resolve) => {
      w.once("exit", (code: number) => {
        markThreadEnded(life);
        const outOfMemory = (error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
        resolve(error ? { code, error, ...(outOfMemory ? { outOfMemory } : {}) } : { code });
      });
    });
    return {
      exited,
      async terminate() {
        await w.terminate();
        await exited;
      },
    };
  },
  parentLink(): Promise<MessagePort> {
    const d = workerData as { link?: MessagePort; life?: ThreadLife; apThread?: boolean } | undefined;
    if (isMainThread || !d?.apThread || d.link === undefined) return Promise.reject(new NotAWorkerThreadError("node"));
    if (d.life) adoptThreadLife(d.life);
    return Promise.resolve(d.link);
  },
};

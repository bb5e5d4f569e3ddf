/**
 * {@link Threads} on Deno's web `Worker` (module workers run TypeScript as they are). The link port
 * goes to the worker in its first message. An uncaught error in a worker is stopped at the `error`
 * event (`preventDefault`), so it ends that worker and never the parent. Deno reports no exit of a
 * worker that simply returns: `exited` resolves on an uncaught error or on {@link WorkerThread.terminate}.
 *
 * @module
 */

import { adoptThreadLife, markThreadEnded, newThreadLife, NotAWorkerThreadError, type ThreadExit, type ThreadLife, type Threads, type WorkerThread } from "./threads.ts";

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

/** The Deno implementation of {@link Threads}. */
export const denoThreads: Threads = {
  name: "deno",
  limitsHeap: false,
  start(script: URL, link: MessagePort, name?: string): WorkerThread {
    const w = new Worker(script, { type: "module", ...(name ? { name } : {}) });
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

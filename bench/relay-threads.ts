/**
 * The threads deployment of the relay benchmark: publisher, relay and subscriber(s) each in their own
 * worker thread of this process (`bench/relay-thread.ts`), connected by the ring transport
 * (relay/transport/ring-transport.ts), the relay and client code unchanged. This thread only wires the
 * rings' routes (a `MessageChannel` per client thread, one end to the relay thread) and collects results.
 *
 * @module
 */

import process from "node:process";
import { platform } from "../core/platform.ts";
import { THREADS, type WorkerThread } from "../relay/transport/threads.ts";
import type { ThreadRole } from "./relay-thread.ts";

const SCRIPT = new URL("./relay-thread.ts", import.meta.url);

/** Settings of one threads run. */
export interface ThreadsRun {
  /** Subscriber threads. */
  readonly subscribers: number;
  /** `count`: as fast as possible; `latency`: `rate` msgs/s. */
  readonly mode: "count" | "latency";
  readonly seconds: number;
  readonly rate: number;
  /** Readers' spin before parking, µs. */
  readonly spinMicros: number;
  /** Bytes per ring (power of two). */
  readonly ringBytes: number;
}

/** What one threads run measured. */
export interface ThreadsResult {
  /** Delivered msgs/s per subscriber (count over first-to-last message time). */
  readonly perSubscriber: number[];
  readonly published: number;
  readonly delivered: number[];
  readonly lost: number;
  /** One-hop latencies of a latency run, ns, sorted. */
  readonly latenciesNs: number[];
  /** CPU µs of the whole process (all threads) per delivered message. */
  readonly cpuMicrosPerDelivered: number;
}

/** A benchmark worker thread and its link. */
export interface Thread {
  readonly port: MessagePort;
  readonly worker: WorkerThread;
  next<T>(pred: (v: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
}

/** Starts `script` (default `relay-thread.ts`) as a worker thread named `name`, with a link to it. */
export async function startThread(name: string, script: URL = SCRIPT): Promise<Thread> {
  const threads = await platform().load(THREADS);
  const { port1, port2 } = new MessageChannel();
  const worker = threads.start(script, port2, name);
  const seen: Record<string, unknown>[] = [];
  let waiter: (() => void) | undefined;
  port1.onmessage = (e: MessageEvent) => {
    seen.push(e.data as Record<string, unknown>);
    waiter?.();
  };
  void worker.exited.then((x) => {
    if (x.error) process.stderr.write(`bench thread ${name} failed: ${x.error.stack ?? x.error.message}\n`);
  });
  return {
    port: port1,
    worker,
    next<T>(pred: (v: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bench thread ${name}: no expected message within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          const i = seen.findIndex(pred);
          if (i < 0) return;
          const [v] = seen.splice(i, 1);
          clearTimeout(timer);
          waiter = undefined;
          resolve(v as T);
        };
        waiter = check;
        check();
      });
    },
  };
}

function route(relay: Thread): MessagePort {
  const { port1, port2 } = new MessageChannel();
  relay.port.postMessage({ op: "serve", port: port1 }, [port1]);
  return port2;
}

/** Runs publisher → relay → subscribers in threads over rings once. */
export async function measureThreads(run: ThreadsRun): Promise<ThreadsResult> {
  const all: Thread[] = [];
  try {
    const relay = await startThread("relay");
    all.push(relay);
    const base = { mode: run.mode, seconds: run.seconds, rate: run.rate, spinMicros: run.spinMicros, ringBytes: run.ringBytes };
    relay.port.postMessage({ role: "relay", spinMicros: run.spinMicros } satisfies ThreadRole);
    await relay.next((v) => v.subscribers === 0);
    const subs: Thread[] = [];
    for (let i = 0; i < run.subscribers; i++) {
      const s = await startThread(`sub${i}`);
      all.push(s);
      subs.push(s);
      const port = route(relay);
      s.port.postMessage({ role: "sub", port, ...base } satisfies ThreadRole, [port]);
      await s.next((v) => v.ready === true);
    }
    await relay.next((v) => v.subscribers === run.subscribers);
    const pub = await startThread("pub");
    all.push(pub);
    const cpu0 = process.cpuUsage();
    const port = route(relay);
    pub.port.postMessage({ role: "pub", port, ...base } satisfies ThreadRole, [port]);
    const p = await pub.next<{ sent: number; seconds: number }>((v) => typeof v.sent === "number", (run.seconds + 30) * 1000);
    await new Promise((r) => setTimeout(r, 500 + Math.min(3000, run.seconds * 300)));
    const cpu = process.cpuUsage(cpu0);
    const results: { count: number; seconds: number; latenciesNs?: number[]; lost: number }[] = [];
    for (const s of subs) {
      s.port.postMessage({ op: "stop" });
      results.push(await s.next((v) => typeof v.count === "number"));
    }
    const delivered = results.reduce((a, r) => a + r.count, 0);
    return {
      perSubscriber: results.map((r) => Math.round(r.count / Math.max(1e-9, r.seconds))),
      published: p.sent,
      delivered: results.map((r) => r.count),
      lost: results.reduce((a, r) => a + r.lost, 0),
      latenciesNs: results.flatMap((r) => r.latenciesNs ?? []).sort((a, b) => a - b),
      cpuMicrosPerDelivered: Math.round(((cpu.user + cpu.system) / Math.max(1, delivered)) * 1000) / 1000,
    };
  } finally {
    for (const t of all.reverse()) {
      t.port.close();
      await t.worker.terminate();
    }
  }
}

/**
 * The threads deployment's {@link ProcessSpawner}: each "process" the {@link Supervisor} starts is a
 * worker thread hosting one service (the worker entry is the composition root's `app/service-thread.ts`,
 * driven by `service-thread.ts` here), so the supervisor's backoff and crash-loop rules apply unchanged.
 *
 * What a handle does: `kill("SIGTERM" | "SIGINT")` asks the worker to stop its service gracefully (it
 * answers `stopped`, then the thread is ended); `kill("SIGKILL")` ends the thread at once. Its `pid` is
 * this process's (threads have none of their own). `exited` gives `{ code: 0 }` after a graceful stop,
 * `{ code: 1 }` after an uncaught error or a failed start, `{ signal: "SIGKILL" }` when ended at once —
 * including by the hang watch: every worker is pinged each `pingIntervalMs`, and one whose service runs
 * but that is silent for `hungAfterMs` is ended (and so restarted by the supervisor); before its service
 * runs a worker has max(60 s, 6 × `hungAfterMs`).
 *
 * Limits: a service's heap limit (`heapLimitMbOf`) becomes its worker's own where the runtime has one
 * (Node); its least-privilege grants (`grantsOf`) become the worker's own permissions where the runtime can
 * give one thread its own (Deno with worker options). Where either cannot be enforced it is logged once.
 *
 * Ring wiring: for every pair (worker W, relay worker R ≠ W) this thread makes one `MessageChannel`,
 * gives R one end to serve (`serveRingPort`) and W the other as its route to R's ring name
 * (`addRingRoute`). A pair is wired when the later of the two says hello; when a relay worker ends,
 * every other worker drops its route to it (so reconnects fail fast until the new one is wired).
 *
 * @example
 * ```ts
 * const spawner = new ThreadSpawner({ threads, script, configFile, describe, identityOf, ... });
 * const sup = new Supervisor(spawner, policy);
 * sup.add({ name: "relay-signal", kind: "relay", command: THREAD_COMMAND, args: ["relay-signal"] });
 * ```
 * @module
 */

import { rmSync } from "node:fs";
import process from "node:process";
import type { Logger } from "../../core/log.ts";
import type { ProcessGrants } from "../../core/platform.ts";
import type { ThreadLimits, Threads, WorkerThread } from "../../relay/transport/threads.ts";
import type { ChildProcessHandle, ProcessExit, ProcessSpawner, SpawnOptions } from "../process/types.ts";
import type { MainMessage, RouteGrant, ThreadFault, ThreadIdentity, WorkerMessage } from "./link-messages.ts";

/** The `command` of a {@link ServiceSpec} run by a {@link ThreadSpawner} (its first argument names the service). */
export const THREAD_COMMAND = "thread";

/** What a {@link ThreadSpawner} needs. */
export interface ThreadSpawnerOptions {
  /** The platform's worker threads. */
  readonly threads: Threads;
  /** The worker entry (installs the platform, then runs `runServiceThread`). */
  readonly script: URL;
  /** The resolved config file each worker reads. */
  readonly configFile: string;
  /** The ring name a service listens on when it is a relay, else undefined. */
  ringOf(service: string): string | undefined;
  /** The relay identity of a service (its own token; the run key for relays). */
  identityOf(service: string): ThreadIdentity;
  /** The API token for `service` (non-empty for the API only). */
  apiTokenOf(service: string): string;
  /** Log level of the run. */
  readonly logLevel: string;
  /** Ping interval. */
  readonly pingIntervalMs: number;
  /** A worker silent for this long is hung. */
  readonly hungAfterMs: number;
  /** The spawner's own log (hangs, uncaught errors, failed starts). */
  readonly log: Logger;
  /**
   * The Unix sockets `service` listens on (its control socket; a relay's socket), removed when its
   * worker is ended at once: a thread cannot close another thread's listeners, and one that does not
   * stop (Deno does not interrupt a worker spinning in a loop) would otherwise keep answering there
   * and refuse its replacement.
   */
  socketsOf(service: string): readonly string[];
  /**
   * The heap limit of `service`'s worker in MiB (`supervisor.heapLimitMb`, a service's own `heapLimitMb`),
   * or undefined for the runtime's default. A worker past it ends alone and is restarted like a crash;
   * where the runtime cannot limit one thread (Deno) this is logged once and not enforced.
   */
  heapLimitMbOf?(service: string): number | undefined;
  /**
   * What `service`'s worker may touch (`supervisor.permissions: least`), or undefined for everything the
   * process may. Applied where a thread can have grants of its own (Deno with worker options); elsewhere
   * logged once as not enforced.
   */
  grantsOf?(service: string): ProcessGrants | undefined;
}

/** One live worker. */
interface Live {
  readonly service: string;
  readonly ring: string | undefined;
  readonly link: MessagePort;
  readonly thread: WorkerThread;
  linked: boolean;
  /** Its service started (the worker said `running`): from then on the hang limit is `hungAfterMs`. */
  running: boolean;
  lastPong: number;
  /** How it is being ended (set before `terminate`), so `exited` says so. */
  planned: ProcessExit | undefined;
  stopAsked: boolean;
  onLog: ((line: string) => void) | undefined;
}

/** Thrown by {@link ThreadSpawner.spawn} for a spec it cannot run. */
export class ThreadSpawnError extends Error {
  /** @param why the reason */
  constructor(why: string) {
    super(`threads deployment: ${why}`);
    this.name = "ThreadSpawnError";
  }
}

/** Starts services as worker threads; see the module doc. */
export class ThreadSpawner implements ProcessSpawner {
  private readonly o: ThreadSpawnerOptions;
  private readonly live = new Set<Live>();
  private readonly pinger: ReturnType<typeof setInterval>;
  private seq = 0;
  private unenforcedHeapLimitLogged = false;
  private grantsUnenforcedLogged = false;

  /** @param options what to start and how */
  constructor(options: ThreadSpawnerOptions) {
    this.o = options;
    this.pinger = setInterval(() => this.pingAll(), options.pingIntervalMs);
  }

  /** Starts the worker of the service named by `options.args[0]` (`options.command` must be {@link THREAD_COMMAND}). */
  spawn(options: SpawnOptions): ChildProcessHandle {
    const service = options.args[0];
    if (options.command !== THREAD_COMMAND || service === undefined) throw new ThreadSpawnError(`cannot run ${JSON.stringify(options.command)} ${options.args.join(" ")} in a thread`);
    const { port1: link, port2 } = new MessageChannel();
    const heapMb = this.o.heapLimitMbOf?.(service);
    const thread = this.startThread(service, port2, heapMb);
    const w: Live = {
      service, ring: this.o.ringOf(service), link, thread, linked: false, running: false, lastPong: Date.now(), planned: undefined, stopAsked: false,
      onLog: options.onStdout,
    };
    this.live.add(w);
    link.onmessage = (e: MessageEvent) => this.onMessage(w, e.data as WorkerMessage);
    const exited = thread.exited.then((t): ProcessExit => {
      this.gone(w);
      if (w.planned) return w.planned;
      if (t.outOfMemory) this.o.log.error("service thread reached its heap limit: ended", { child: service, heapLimitMb: heapMb ?? null, error: t.error?.message ?? "unknown" });
      else this.o.log.error("service thread ended by an uncaught error", { child: service, code: t.code, error: t.error?.message ?? "unknown" });
      return { code: t.code === 0 ? 1 : t.code, signal: null };
    });
    return {
      pid: process.pid,
      exited,
      kill: (signal = "SIGTERM") => {
        if (!this.live.has(w)) return;
        if (signal === "SIGKILL" || !w.linked) this.end(w, signal === "SIGKILL" ? { code: null, signal: "SIGKILL" } : { code: null, signal });
        else if (!w.stopAsked) {
          w.stopAsked = true;
          this.post(w, { op: "stop" });
        }
      },
    };
  }

  /** Starts `service`'s worker with its heap limit and grants where the runtime applies them; logs once what it cannot. */
  private startThread(service: string, link: MessagePort, heapMb: number | undefined): WorkerThread {
    const threads = this.o.threads;
    if (heapMb !== undefined && !threads.limitsHeap && !this.unenforcedHeapLimitLogged) {
      this.unenforcedHeapLimitLogged = true;
      this.o.log.warn("heap limits are not enforced for worker threads on this runtime (deno has no per-thread heap limit): a thread that exhausts the heap ends the whole process; use the processes deployment to enforce them", { runtime: threads.name });
    }
    const grants = this.o.grantsOf?.(service);
    if (grants !== undefined && !threads.grantsPerThread && !this.grantsUnenforcedLogged) {
      this.grantsUnenforcedLogged = true;
      this.o.log.warn("least-privilege permissions are not enforced per service in the threads deployment: every worker has the process's permissions; use the processes deployment to enforce them", {
        runtime: threads.name,
        why: threads.name === "deno" ? "deno runs without the worker-options unstable feature (--unstable-worker-options)" : `${threads.name} applies permissions per process, not per thread`,
      });
    }
    const limits: ThreadLimits = { ...(heapMb !== undefined ? { heapMb } : {}), ...(grants !== undefined && threads.grantsPerThread ? { grants } : {}) };
    return threads.start(this.o.script, link, `ap:${service}`, limits);
  }

  /** Injects `fault` into the live worker of `service`; false when it has none. */
  fault(service: string, fault: ThreadFault): boolean {
    for (const w of this.live) {
      if (w.service === service && w.linked) {
        this.post(w, { op: "fault", fault });
        return true;
      }
    }
    return false;
  }

  /** Stops pinging (the workers themselves are stopped through the supervisor). */
  close(): void {
    clearInterval(this.pinger);
  }

  private post(w: Live, m: MainMessage, transfer: Transferable[] = []): void {
    w.link.postMessage(m, transfer);
  }

  private onMessage(w: Live, m: WorkerMessage): void {
    w.lastPong = Date.now();
    switch (m.op) {
      case "hello":
        this.init(w);
        break;
      case "log":
        if (w.onLog) w.onLog(m.line);
        else process.stderr.write(m.line);
        break;
      case "running":
        w.running = true;
        break;
      case "failed":
        this.o.log.error("service failed to start in its thread", { child: w.service, error: m.error });
        this.end(w, { code: 1, signal: null });
        break;
      case "stopped":
        if (!m.ok) this.o.log.error("service stop failed in its thread", { child: w.service, error: m.error });
        this.end(w, { code: m.ok ? 0 : 1, signal: null });
        break;
      default:
        break;
    }
  }

  /** Answers a worker's hello: its routes to every linked relay, then routes from every linked worker to it when it is a relay. */
  private init(w: Live): void {
    if (w.linked) return;
    w.linked = true;
    const routes: RouteGrant[] = [];
    for (const r of this.live) {
      if (r === w || !r.linked || r.ring === undefined) continue;
      routes.push({ name: r.ring, port: this.servedBy(r) });
    }
    this.post(w, {
      op: "init", service: w.service, configFile: this.o.configFile, identity: this.o.identityOf(w.service), apiToken: this.o.apiTokenOf(w.service),
      logLevel: this.o.logLevel, forwardLogs: w.onLog !== undefined, routes,
    }, routes.map((r) => r.port));
    if (w.ring === undefined) return;
    for (const x of this.live) {
      if (x === w || !x.linked) continue;
      const port = this.servedBy(w);
      this.post(x, { op: "route", route: { name: w.ring, port } }, [port]);
    }
  }

  /** A new channel whose one end relay worker `r` serves; returns the other end. */
  private servedBy(r: Live): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.post(r, { op: "serve", port: port1 }, [port1]);
    return port2;
  }

  private pingAll(): void {
    const now = Date.now();
    for (const w of this.live) {
      if (w.planned) continue;
      // Until its service runs a worker loads modules and starts (a replay's first synchronous parse, slow
      // on a loaded machine): a longer allowance.
      const limit = w.running ? this.o.hungAfterMs : Math.max(60_000, this.o.hungAfterMs * 6);
      const silentMs = now - w.lastPong;
      if (silentMs > limit) {
        this.o.log.error("service thread hung: ending it", { child: w.service, silentMs, limitMs: limit });
        this.end(w, { code: null, signal: "SIGKILL" });
        continue;
      }
      if (w.linked) this.post(w, { op: "ping", seq: ++this.seq });
    }
  }

  private end(w: Live, exit: ProcessExit): void {
    if (w.planned) return;
    w.planned = exit;
    void w.thread.terminate();
    if (exit.signal !== "SIGKILL") return;
    for (const path of this.o.socketsOf(w.service)) {
      try {
        rmSync(path, { force: true });
      } catch (e) {
        this.o.log.warn("socket of an ended thread not removed", { child: w.service, path, error: String(e) });
      }
    }
  }

  private gone(w: Live): void {
    if (!this.live.delete(w)) return;
    w.link.onmessage = null;
    w.link.close();
    if (w.ring === undefined) return;
    for (const x of this.live) if (x.linked) this.post(x, { op: "route-down", name: w.ring });
  }
}

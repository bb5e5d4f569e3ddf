/**
 * Supervisor: runs each service as its own OS process, restarts a crashed one with exponential backoff
 * and jitter, gives up on a crash loop, and shuts everything down gracefully (SIGTERM, then SIGKILL after
 * the deadline). One crash never touches the other services.
 *
 * @example
 * ```ts
 * const sup = new Supervisor(await platform().load(PROCESS_SPAWNER));
 * sup.add({ name: "relay-market-data", kind: "relay", command, args });
 * sup.startAll();
 * // …
 * await sup.shutdown(5_000);
 * ```
 * @module
 */

import type { ChildProcessHandle, ProcessExit, ProcessSpawner, SpawnOptions } from "./process/types.ts";

/** What to run for one service. */
export interface ServiceSpec {
  /** Unique name (`relay-market-data`, `adapter-coinbase`, …). */
  name: string;
  /** Kind, for grouping (`relay`, `adapter`, `strategy`, `execution`, `api`). */
  kind: string;
  /** Executable. */
  command: string;
  /** Arguments. */
  args: readonly string[];
  /** Extra environment. */
  env?: Readonly<Record<string, string>>;
  /** Working directory. */
  cwd?: string;
  /** Give the child a stdin pipe held open by the supervisor (the child sees EOF when the supervisor dies). */
  stdinPipe?: boolean;
  /** Receives the child's stdout/stderr text; omitted: inherited. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

/** Restart behaviour. */
export interface RestartPolicy {
  /** First delay after a crash. */
  initialBackoffMs: number;
  /** Largest delay. */
  maxBackoffMs: number;
  /** Crashes within {@link crashLoopWindowMs} after which the service is marked `failed` and left down. */
  crashLoopLimit: number;
  /** Window for counting crashes. */
  crashLoopWindowMs: number;
}

/** Defaults: 250 ms doubling to 30 s, at most 5 crashes a minute. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  crashLoopLimit: 5,
  crashLoopWindowMs: 60_000,
};

/** Lifecycle state of a service. */
export const ServiceRunState = {
  Starting: "starting",
  Running: "running",
  Backoff: "backoff",
  Stopping: "stopping",
  Stopped: "stopped",
  Failed: "failed",
} as const;
/** One lifecycle state. */
export type ServiceRunState = (typeof ServiceRunState)[keyof typeof ServiceRunState];

/** A service as `/services` shows it. */
export interface ServiceStatus {
  name: string;
  kind: string;
  pid: number | null;
  state: ServiceRunState;
  restarts: number;
  uptimeSeconds: number;
  lastExit: ProcessExit | null;
}

/** Something the supervisor did, for logs. */
export interface SupervisorEvent {
  service: string;
  event: "started" | "exited" | "restart-scheduled" | "crash-loop" | "stopped";
  pid?: number;
  exit?: ProcessExit;
  delayMs?: number;
}

interface Entry {
  spec: ServiceSpec;
  child: ChildProcessHandle | undefined;
  state: ServiceRunState;
  restarts: number;
  startedAt: number;
  crashes: number[];
  consecutive: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  lastExit: ProcessExit | null;
  wanted: boolean;
}

/** Supervises a set of services. */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private readonly spawner: ProcessSpawner;
  private readonly policy: RestartPolicy;
  private readonly onEvent: (e: SupervisorEvent) => void;
  private shuttingDown = false;

  /**
   * @param spawner the runtime's process spawner
   * @param policy restart behaviour
   * @param onEvent receives lifecycle events (for logging)
   */
  constructor(spawner: ProcessSpawner, policy: RestartPolicy = DEFAULT_RESTART_POLICY, onEvent: (e: SupervisorEvent) => void = () => {}) {
    this.spawner = spawner;
    this.policy = policy;
    this.onEvent = onEvent;
  }

  /** Registers a service (not started). Throws when the name is taken. */
  add(spec: ServiceSpec): void {
    if (this.entries.has(spec.name)) throw new Error(`supervisor: service ${spec.name} is already registered`);
    this.entries.set(spec.name, {
      spec, child: undefined, state: ServiceRunState.Stopped, restarts: 0, startedAt: 0, crashes: [],
      consecutive: 0, timer: undefined, lastExit: null, wanted: false,
    });
  }

  /** Names of the registered services, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Starts every registered service. */
  startAll(): void {
    for (const name of this.entries.keys()) this.start(name);
  }

  /** Starts a stopped or failed service; no-op when it is running. Throws for an unknown name. */
  start(name: string): void {
    const e = this.entry(name);
    e.wanted = true;
    if (e.child || e.state === ServiceRunState.Backoff) return;
    e.crashes = [];
    e.consecutive = 0;
    this.launch(e);
  }

  /** Stops a service (SIGTERM, SIGKILL after `graceMs`); it stays down until started. */
  async stop(name: string, graceMs = 5_000): Promise<void> {
    const e = this.entry(name);
    e.wanted = false;
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    await this.terminate(e, graceMs);
    e.state = ServiceRunState.Stopped;
    this.onEvent({ service: name, event: "stopped" });
  }

  /** Stops then starts a service. */
  async restart(name: string, graceMs = 5_000): Promise<void> {
    await this.stop(name, graceMs);
    const e = this.entry(name);
    e.restarts++;
    this.start(name);
  }

  /** Status of every service. */
  list(): ServiceStatus[] {
    const now = Date.now();
    return [...this.entries.values()].map((e) => ({
      name: e.spec.name,
      kind: e.spec.kind,
      pid: e.child?.pid ?? null,
      state: e.state,
      restarts: e.restarts,
      uptimeSeconds: e.child && e.state === ServiceRunState.Running ? Math.floor((now - e.startedAt) / 1000) : 0,
      lastExit: e.lastExit,
    }));
  }

  /** Status of one service, or `undefined`. */
  status(name: string): ServiceStatus | undefined {
    return this.list().find((s) => s.name === name);
  }

  /** Stops every service within `deadlineMs` (SIGTERM, then SIGKILL for stragglers). */
  async shutdown(deadlineMs = 5_000): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.entries.keys()].map((n) => this.stop(n, deadlineMs)));
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`supervisor: no service named ${JSON.stringify(name)}`);
    return e;
  }

  private launch(e: Entry): void {
    e.timer = undefined;
    e.state = ServiceRunState.Starting;
    const { spec } = e;
    const options: SpawnOptions = { command: spec.command, args: spec.args };
    if (spec.env) options.env = spec.env;
    if (spec.cwd) options.cwd = spec.cwd;
    if (spec.stdinPipe) options.stdinPipe = true;
    if (spec.onOutput) {
      const out = spec.onOutput;
      options.onStdout = (t) => out("stdout", t);
      options.onStderr = (t) => out("stderr", t);
    }
    const child = this.spawner.spawn(options);
    e.child = child;
    e.startedAt = Date.now();
    e.state = ServiceRunState.Running;
    this.onEvent({ service: spec.name, event: "started", pid: child.pid });
    void child.exited.then((exit) => this.onExit(e, child, exit));
  }

  private onExit(e: Entry, child: ChildProcessHandle, exit: ProcessExit): void {
    if (e.child !== child) return;
    e.child = undefined;
    e.lastExit = exit;
    this.onEvent({ service: e.spec.name, event: "exited", pid: child.pid, exit });
    if (!e.wanted || this.shuttingDown) {
      e.state = ServiceRunState.Stopped;
      return;
    }
    const now = Date.now();
    const ranMs = now - e.startedAt;
    e.crashes = e.crashes.filter((t) => now - t < this.policy.crashLoopWindowMs);
    e.crashes.push(now);
    e.consecutive = ranMs > this.policy.crashLoopWindowMs ? 1 : e.consecutive + 1;
    if (e.crashes.length > this.policy.crashLoopLimit) {
      e.state = ServiceRunState.Failed;
      e.wanted = false;
      this.onEvent({ service: e.spec.name, event: "crash-loop" });
      return;
    }
    const base = Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** (e.consecutive - 1));
    const delayMs = Math.round(base / 2 + Math.random() * (base / 2));
    e.state = ServiceRunState.Backoff;
    this.onEvent({ service: e.spec.name, event: "restart-scheduled", delayMs });
    e.timer = setTimeout(() => {
      if (!e.wanted || this.shuttingDown) return;
      e.restarts++;
      this.launch(e);
    }, delayMs);
  }

  private async terminate(e: Entry, graceMs: number): Promise<void> {
    const child = e.child;
    if (!child) return;
    e.state = ServiceRunState.Stopping;
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, graceMs);
    });
    await Promise.race([child.exited, killed]);
    await child.exited;
    clearTimeout(timer);
  }
}

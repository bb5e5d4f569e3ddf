/**
 * The live adapter task: bootstrap REST, connect, subscribe, watch every channel for silence,
 * reconnect with exponential back-off and jitter (capped at 60 s), resubscribe, and run the venue's REST
 * requests (snapshots) with rate-limit back-off — while the venue adapter only parses.
 *
 * Failure handling, in one place:
 * - an open but silent feed is a failure: when a watched channel has had no data for its
 *   `staleAfterMs`, the connection is abandoned and reopened (`staleTimeouts`, `reconnects`);
 * - a connection that does not open within `connectTimeoutMs` is abandoned the same way;
 * - after any loss the adapter's `onClose` drops its books, and the resubscription on the next
 *   connection brings fresh snapshots;
 * - the back-off grows per failed attempt and resets once a connection stayed up `healthyAfterMs`;
 * - an exception escaping the adapter is counted as a parse error, never a crash.
 *
 * Events of an abandoned connection are ignored (a generation number per connection), so a late frame
 * from a socket being torn down can never reach a fresh book.
 *
 * @example
 * ```ts
 * const task = new AdapterTask(new CoinbaseAdapter({ sink, products: ["BTC-USD"] }));
 * task.start();
 * // …
 * await task.stop();
 * ```
 * @module
 */

import { Backoff, sleep, type BackoffOptions } from "./backoff.ts";
import type { AdapterIo, VenueAdapter } from "./adapter.ts";
import type { CaptureWriter } from "./capture.ts";
import { HttpClient } from "./http.ts";
import type { AdapterMetrics } from "./metrics.ts";
import { webSocketConnector, type WebSocketConnection, type WebSocketConnector } from "./ws.ts";

/** Settings of an {@link AdapterTask}. */
export interface AdapterTaskOptions {
  /** WebSocket connector (default: the runtime's, see ws.ts). */
  connector?: WebSocketConnector;
  /** HTTP client for REST (default: a new {@link HttpClient}). */
  http?: HttpClient;
  /** Records the session (PROTOCOL §8). */
  capture?: CaptureWriter;
  /** Reconnect back-off (default base 500 ms, cap 60 s). */
  backoff?: BackoffOptions;
  /** A connection that stayed up this long resets the back-off (default 30 000 ms). */
  healthyAfterMs?: number;
  /** Abandon a connect that has not opened after this long (default 15 000 ms). */
  connectTimeoutMs?: number;
  /** Log sink (default: none). */
  log?: (line: string) => void;
}

/** Where the task is in its life. */
export type TaskState = "idle" | "bootstrapping" | "connecting" | "open" | "waiting" | "stopped";

const now = (): number => performance.timeOrigin + performance.now();

/** Runs one venue adapter against the live venue. */
export class AdapterTask {
  /** The venue adapter driven. */
  readonly adapter: VenueAdapter;
  /** The adapter's metrics. */
  readonly metrics: AdapterMetrics;
  private readonly options: AdapterTaskOptions;
  private readonly http: HttpClient;
  private readonly backoff: Backoff;
  private readonly restBackoff: Backoff;
  private readonly io: LiveIo;
  private connector: WebSocketConnector | undefined;
  private conn: WebSocketConnection | undefined;
  private generation = 0;
  private openedAt = 0;
  private lastSeen: Float64Array;
  private staleTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();
  private readonly restQueue: string[] = [];
  private readonly restPending = new Set<string>();
  private restPumping = false;
  private stateValue: TaskState = "idle";
  private resolveDone!: () => void;
  /** Resolves when the task has stopped. */
  readonly done: Promise<void>;

  /** @param adapter the venue's parsing code @param options transport, back-off, capture */
  constructor(adapter: VenueAdapter, options: AdapterTaskOptions = {}) {
    this.adapter = adapter;
    this.metrics = adapter.metrics;
    this.options = options;
    this.connector = options.connector;
    this.http = options.http ?? new HttpClient({ onWait: () => this.metrics.rateLimitWaits++ });
    this.backoff = new Backoff({ baseMs: 500, ...options.backoff });
    this.restBackoff = new Backoff({ baseMs: 500, ...options.backoff });
    this.lastSeen = new Float64Array(adapter.channels.length);
    this.io = new LiveIo(this);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  private get stopped(): boolean {
    return this.stateValue === "stopped";
  }

  /** Current state. */
  get state(): TaskState {
    return this.stateValue;
  }

  /** Starts the task (bootstrap, then connect); returns at once. */
  start(): void {
    if (this.stateValue !== "idle") return;
    void this.run();
  }

  /** Stops: closes the connection, cancels requests and timers. Resolves when stopped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const wasOpen = this.stateValue === "open";
    this.stateValue = "stopped";
    this.generation++;
    this.abort.abort();
    this.clearTimers();
    const c = this.conn;
    this.conn = undefined;
    c?.close(1000, "stopping");
    this.safe(() => this.adapter.flush?.(this.io), "flush");
    if (wasOpen) this.safe(() => this.adapter.onClose(this.io), "onClose");
    this.resolveDone();
  }

  private log(line: string): void {
    this.options.log?.(`${this.adapter.name}: ${line}`);
  }

  private clearTimers(): void {
    if (this.staleTimer !== undefined) clearInterval(this.staleTimer);
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.staleTimer = this.connectTimer = this.retryTimer = undefined;
  }

  private safe(fn: () => void, where: string): void {
    try {
      fn();
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`unhandled in ${where}: ${(e as Error).message}`);
      this.log(`error in ${where}: ${(e as Error).message}`);
    }
  }

  private async run(): Promise<void> {
    this.stateValue = "bootstrapping";
    this.connector ??= await webSocketConnector();
    for (const url of this.adapter.bootstrapUrls()) {
      for (;;) {
        if (this.stopped) return;
        try {
          this.metrics.restRequests++;
          const body = await this.http.get(url, { signal: this.abort.signal });
          if (this.stopped) return;
          this.io.nowMs = now();
          this.options.capture?.rest(url, body);
          this.safe(() => this.adapter.onRest(url, body, this.io), "onRest");
          break;
        } catch (e) {
          if (this.stopped) return;
          this.metrics.restErrors++;
          this.metrics.noteError((e as Error).message);
          const wait = this.backoff.next();
          this.log(`bootstrap ${url} failed (${(e as Error).message}); retrying in ${wait} ms`);
          await sleep(wait, this.abort.signal);
        }
      }
    }
    this.backoff.reset();
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.stateValue = "connecting";
    const url = this.adapter.url();
    this.connectTimer = setTimeout(() => {
      if (gen === this.generation && this.stateValue === "connecting") this.abandon(`no connection within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
    this.conn = this.connector!(url, {
      onOpen: () => {
        if (gen === this.generation) this.opened(url);
      },
      onText: (text) => {
        if (gen === this.generation) this.frame(url, text);
      },
      onClose: (code, reason) => {
        if (gen === this.generation) this.lost(`closed by peer (${code}${reason ? ` ${reason}` : ""})`);
      },
      onError: (message) => {
        if (gen === this.generation) this.metrics.noteError(message);
      },
    });
  }

  private get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? 15_000;
  }

  private opened(url: string): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.stateValue = "open";
    const t = now();
    this.openedAt = t;
    this.lastSeen.fill(t);
    this.io.nowMs = t;
    this.metrics.connects++;
    this.options.capture?.connect(url);
    this.log(`connected to ${url}`);
    this.safe(() => this.adapter.onOpen(this.io), "onOpen");
    this.startStaleWatch();
  }

  private startStaleWatch(): void {
    const watched = this.adapter.channels.filter((c) => c.staleAfterMs > 0);
    if (watched.length === 0) return;
    const shortest = Math.min(...watched.map((c) => c.staleAfterMs));
    const every = Math.max(5, Math.min(1000, Math.floor(shortest / 4)));
    this.staleTimer = setInterval(() => this.checkStale(), every);
  }

  private checkStale(): void {
    if (this.stateValue !== "open") return;
    const t = now();
    const channels = this.adapter.channels;
    for (let i = 0; i < channels.length; i++) {
      const limit = channels[i]!.staleAfterMs;
      if (limit <= 0) continue;
      const silent = t - Math.max(this.lastSeen[i]!, this.openedAt);
      if (silent > limit) {
        this.metrics.staleTimeouts++;
        this.abandon(`stale: no ${channels[i]!.name} data for ${Math.round(silent)} ms (limit ${limit} ms)`);
        return;
      }
    }
  }

  private frame(url: string, text: string): void {
    this.io.nowMs = now();
    this.metrics.frames++;
    this.options.capture?.recv(url, text);
    this.safe(() => this.adapter.onFrame(text, this.io), "onFrame");
  }

  /** Drops the current connection (its late events are ignored) and schedules a reconnect. */
  abandon(reason: string): void {
    if (this.stopped || this.stateValue === "waiting") return;
    this.generation++;
    const c = this.conn;
    c?.close(4000, reason.slice(0, 120));
    this.lost(reason);
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    const wasOpen = this.stateValue === "open";
    this.conn = undefined;
    this.clearTimers();
    this.generation++;
    if (wasOpen) this.safe(() => this.adapter.onClose(this.io), "onClose");
    if (wasOpen && now() - this.openedAt >= (this.options.healthyAfterMs ?? 30_000)) this.backoff.reset();
    const wait = this.backoff.next();
    this.metrics.reconnects++;
    this.metrics.noteError(reason);
    this.stateValue = "waiting";
    this.log(`connection lost: ${reason}; reconnecting in ${wait} ms`);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  /** Sends on the current connection; false when none is open. */
  send(text: string): boolean {
    const c = this.conn;
    if (c === undefined || this.stateValue !== "open") return false;
    if (!c.send(text)) return false;
    this.options.capture?.sent(c.url, text);
    return true;
  }

  /** Notes data on a channel. */
  touch(index: number): void {
    if (index >= 0 && index < this.lastSeen.length) this.lastSeen[index] = this.io.nowMs;
  }

  /** Queues a REST GET (merged with an identical pending one). */
  requestRest(url: string): void {
    if (this.stopped || this.restPending.has(url)) return;
    this.restPending.add(url);
    this.restQueue.push(url);
    if (!this.restPumping) void this.pumpRest();
  }

  private async pumpRest(): Promise<void> {
    this.restPumping = true;
    try {
      while (this.restQueue.length > 0 && !this.stopped) {
        const url = this.restQueue.shift()!;
        this.metrics.restRequests++;
        try {
          const body = await this.http.get(url, { signal: this.abort.signal });
          this.restPending.delete(url);
          if (this.stopped) return;
          this.restBackoff.reset();
          this.io.nowMs = now();
          this.options.capture?.rest(url, body);
          this.safe(() => this.adapter.onRest(url, body, this.io), "onRest");
        } catch (e) {
          this.restPending.delete(url);
          if (this.stopped) return;
          this.metrics.restErrors++;
          this.metrics.noteError((e as Error).message);
          this.log(`REST ${url} failed: ${(e as Error).message}`);
          this.io.nowMs = now();
          this.safe(() => this.adapter.onRestError(url, e as Error, this.io), "onRestError");
          await sleep(this.restBackoff.next(), this.abort.signal);
        }
      }
    } finally {
      this.restPumping = false;
    }
  }

  /** Log line from the adapter. */
  adapterLog(message: string): void {
    this.log(message);
  }
}

class LiveIo implements AdapterIo {
  nowMs = 0;
  readonly replaying = false;
  private readonly task: AdapterTask;

  constructor(task: AdapterTask) {
    this.task = task;
  }

  send(text: string): void {
    this.task.send(text);
  }

  requestRest(url: string): void {
    this.task.requestRest(url);
  }

  touch(index: number): void {
    this.task.touch(index);
  }

  reconnect(reason: string): void {
    this.task.abandon(reason);
  }

  log(message: string): void {
    this.task.adapterLog(message);
  }
}

/**
 * The `/stream` fan-out: one upstream relay subscription per domain (every type), shared by all the
 * WebSocket clients of that domain. Each message is encoded to JSON once and sent to every client whose
 * TLV type filter it matches. Each client has a bounded queue (the bytes its socket has not written
 * yet): past it, that client's messages are dropped and counted — one slow client never grows the API's
 * memory or holds the others back. The number of clients is capped; the upstream of a domain is closed
 * when its last client leaves, unless the domain is held ({@link StreamHub.hold}: kept open with no
 * client, reopened until it opens, for the taps that record history). An upstream that cannot be opened
 * fails only the requests waiting for it.
 *
 * @example
 * ```ts
 * const hub = new StreamHub(control, { maxClients: 256, clientQueueBytes: 1 << 20 });
 * const lease = await hub.open("signal", []); // StreamUnavailableError when the relay is down
 * lease.attach(socket);                        // on WebSocket open
 * lease.release();                             // on close
 * ```
 * @module
 */

import type { Logger } from "../core/log.ts";
import type { ControlPlane, StreamStop } from "./control-plane.ts";

/** Largest WebSocket frame header a server writes (2 bytes + 8 for a 64-bit length; no mask). */
const WS_FRAME_HEADER_MAX = 10;

/** The upstream of a domain could not be opened (relay down, timeout): the request gets a 502. */
export class StreamUnavailableError extends Error {
  /** Relay domain asked for. */
  readonly domain: string;
  /** @param domain relay domain @param cause why the upstream failed */
  constructor(domain: string, cause: unknown) {
    super(`stream of domain "${domain}" unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StreamUnavailableError";
    this.domain = domain;
  }
}

/** The client cap is reached: the request gets a 503. */
export class StreamClientsFullError extends Error {
  /** @param max the cap */
  constructor(max: number) {
    super(`too many /stream clients (at most ${max}); try again later`);
    this.name = "StreamClientsFullError";
  }
}

/** What the hub needs of one WebSocket. */
export interface StreamSocket {
  /** Sends one text frame. */
  send(text: string): void;
  /** Bytes handed to the socket and not yet written out. */
  bufferedAmount(): number;
  /** Closes the socket with a WebSocket close code and reason. */
  close(code: number, reason: string): void;
}

/** Options of {@link StreamHub}. */
export interface StreamHubOptions {
  /** Most clients at once (opened plus being opened). */
  maxClients: number;
  /** Unwritten bytes of one client past which its messages are dropped. */
  clientQueueBytes: number;
  /** How long an upstream may take to open. Default 5 s. */
  openTimeoutMs?: number;
  /** How long a lease may wait for its WebSocket to open before it is given back. Default 10 s. */
  attachTimeoutMs?: number;
  /** How long to wait before opening a held domain's upstream again after a failure. Default 2 s. */
  holdRetryMs?: number;
  /** Logger for upstream failures. */
  log?: Logger;
}

/** Sees every message of every open upstream, clients or not (e.g. the recent history). */
export type StreamTap = (domain: string, json: unknown) => void;

/** Totals of the hub, for `/metrics` and the service's status. */
export interface StreamHubCounters {
  /** Messages received from upstreams. */
  received: number;
  /** Messages encoded to JSON (at most one per message received). */
  encoded: number;
  /** Frames sent to clients. */
  sent: number;
  /** Frames dropped for clients over their queue bound. */
  dropped: number;
  /** Requests refused because the cap was reached. */
  refused: number;
  /** Upstreams that could not be opened. */
  upstreamFailures: number;
  /** Sends that threw (socket already gone). */
  sendErrors: number;
  /** Taps that threw. */
  tapErrors: number;
}

/** One client as `/stream/clients` lists it. */
export interface StreamClientInfo {
  id: number;
  domain: string;
  types: number[];
  sent: number;
  dropped: number;
  droppedBytes: number;
  queuedBytes: number;
  connectedSeconds: number;
}

/** A reserved place for one client; attach its socket when it opens, release it when it closes. */
export interface StreamLease {
  /** Starts delivering to `socket`. */
  attach(socket: StreamSocket): void;
  /** Stops delivering and frees the place (idempotent). */
  release(): void;
}

interface Client {
  readonly id: number;
  readonly types: readonly number[];
  readonly filter: Uint8Array | undefined;
  readonly since: number;
  socket: StreamSocket | undefined;
  sent: number;
  dropped: number;
  droppedBytes: number;
}

interface Upstream {
  readonly domain: string;
  readonly clients: Set<Client>;
  /** Leases taken and not released (attached or not). */
  leases: number;
  ready: Promise<void>;
  stop: StreamStop | undefined;
  closed: boolean;
}

/** TLV types of a message in PROTOCOL §7 JSON form. */
function tlvTypes(json: unknown): number[] {
  const tlvs = (json as { tlvs?: unknown } | null)?.tlvs;
  if (!Array.isArray(tlvs)) return [];
  const out: number[] = [];
  for (const t of tlvs) {
    const type = (t as { type?: unknown } | null)?.type;
    if (typeof type === "number") out.push(type);
  }
  return out;
}

function wants(client: Client, types: readonly number[]): boolean {
  if (client.filter === undefined) return true;
  for (const t of types) if (client.filter[t] === 1) return true;
  return false;
}

/** Shared per-domain upstreams fanned out to WebSocket clients. */
export class StreamHub {
  /** Live totals. */
  readonly counters: StreamHubCounters = { received: 0, encoded: 0, sent: 0, dropped: 0, refused: 0, upstreamFailures: 0, sendErrors: 0, tapErrors: 0 };
  private readonly control: ControlPlane;
  private readonly options: Required<Omit<StreamHubOptions, "log">> & { log?: Logger };
  private readonly upstreams = new Map<string, Upstream>();
  private readonly taps: StreamTap[] = [];
  private readonly held = new Map<string, ReturnType<typeof setTimeout> | undefined>();
  private leases = 0;
  private nextId = 1;

  /** @param control where upstreams come from @param options caps and bounds */
  constructor(control: ControlPlane, options: StreamHubOptions) {
    this.control = control;
    this.options = { openTimeoutMs: 5_000, attachTimeoutMs: 10_000, holdRetryMs: 2_000, ...options };
  }

  /** Adds a tap that sees every message of every upstream (a throwing tap is logged, never fatal). */
  tap(tap: StreamTap): void {
    this.taps.push(tap);
  }

  /**
   * Keeps `domain`'s upstream open with no client until {@link close}; a failed open is retried every
   * `holdRetryMs` (the relay may start after the API). Idempotent.
   */
  hold(domain: string): void {
    if (this.held.has(domain)) return;
    this.held.set(domain, undefined);
    this.openHeld(domain);
  }

  /** Domains held open. */
  get heldDomains(): string[] {
    return [...this.held.keys()];
  }

  /** Clients attached or being attached. */
  get clientCount(): number {
    return this.leases;
  }

  /** Domains with an open (or opening) upstream. */
  get upstreamCount(): number {
    return this.upstreams.size;
  }

  /** The client cap. */
  get maxClients(): number {
    return this.options.maxClients;
  }

  /**
   * Reserves a client place on `domain`'s upstream (opening it if needed). Throws
   * {@link StreamClientsFullError} at the cap and {@link StreamUnavailableError} if the upstream fails.
   */
  async open(domain: string, types: readonly number[]): Promise<StreamLease> {
    if (this.leases >= this.options.maxClients) {
      this.counters.refused++;
      throw new StreamClientsFullError(this.options.maxClients);
    }
    const up = this.upstreams.get(domain) ?? this.openUpstream(domain);
    this.leases++;
    up.leases++;
    let released = false;
    const release = (client?: Client) => {
      if (released) return;
      released = true;
      this.leases--;
      up.leases--;
      if (client) up.clients.delete(client);
      if (up.leases === 0) this.closeUpstream(up);
    };
    try {
      await up.ready;
    } catch (e) {
      release();
      throw e;
    }
    // A held upstream outlives its relay's restarts: a new client is refused while the relay is away.
    if (up.stop?.connected?.() === false) {
      release();
      this.counters.upstreamFailures++;
      throw new StreamUnavailableError(domain, new Error("relay not connected (reconnecting)"));
    }
    const filter = types.length > 0 ? new Uint8Array(256) : undefined;
    for (const t of types) filter![t] = 1;
    const client: Client = { id: this.nextId++, types: [...types], filter, since: Date.now(), socket: undefined, sent: 0, dropped: 0, droppedBytes: 0 };
    const expiry = setTimeout(() => release(), this.options.attachTimeoutMs);
    return {
      attach: (socket) => {
        clearTimeout(expiry);
        if (released) {
          socket.close(1013, "stream place expired; reconnect");
          return;
        }
        client.socket = socket;
        up.clients.add(client);
      },
      release: () => {
        clearTimeout(expiry);
        release(client);
      },
    };
  }

  /** Counts a request refused before {@link open} (e.g. by a check at the door). */
  countRefused(): void {
    this.counters.refused++;
  }

  /** Every attached client with its figures. */
  clients(): StreamClientInfo[] {
    const now = Date.now();
    const out: StreamClientInfo[] = [];
    for (const up of this.upstreams.values()) {
      for (const c of up.clients) {
        out.push({
          id: c.id, domain: up.domain, types: [...c.types], sent: c.sent, dropped: c.dropped, droppedBytes: c.droppedBytes,
          queuedBytes: c.socket?.bufferedAmount() ?? 0, connectedSeconds: Math.round((now - c.since) / 1000),
        });
      }
    }
    return out;
  }

  /** Closes every client (1001 going away) and upstream, and lets go of held domains. */
  close(): void {
    for (const timer of this.held.values()) clearTimeout(timer);
    this.held.clear();
    for (const up of [...this.upstreams.values()]) {
      for (const c of up.clients) {
        try {
          c.socket?.close(1001, "API stopping");
        } catch {
          // already closed
        }
      }
      up.clients.clear();
      this.closeUpstream(up);
    }
  }

  private openHeld(domain: string): void {
    if (!this.held.has(domain)) return;
    this.held.set(domain, undefined);
    const up = this.upstreams.get(domain) ?? this.openUpstream(domain);
    up.leases++;
    up.ready.catch(() => {
      up.leases--;
      if (this.held.has(domain)) this.held.set(domain, setTimeout(() => this.openHeld(domain), this.options.holdRetryMs));
    });
  }

  private openUpstream(domain: string): Upstream {
    const up: Upstream = { domain, clients: new Set(), leases: 0, ready: Promise.resolve(), stop: undefined, closed: false };
    this.upstreams.set(domain, up);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.openTimeoutMs} ms`)), this.options.openTimeoutMs);
    });
    const opening = this.control.stream(domain, [], (json) => this.fanOut(up, json));
    // A late success after a timeout or after every client left still has to be stopped.
    opening.then((stop) => {
      if (up.closed) stop();
      else up.stop = stop;
    }, () => {});
    up.ready = Promise.race([opening, timeout]).then(
      () => clearTimeout(timer),
      (e) => {
        clearTimeout(timer);
        this.counters.upstreamFailures++;
        this.options.log?.warn("stream upstream unavailable", { domain, error: e instanceof Error ? e.message : String(e) });
        up.closed = true;
        if (this.upstreams.get(domain) === up) this.upstreams.delete(domain);
        throw new StreamUnavailableError(domain, e);
      },
    );
    return up;
  }

  private closeUpstream(up: Upstream): void {
    if (this.upstreams.get(up.domain) === up) this.upstreams.delete(up.domain);
    if (up.closed) return;
    up.closed = true;
    up.stop?.();
  }

  private fanOut(up: Upstream, json: unknown): void {
    this.counters.received++;
    for (const tap of this.taps) {
      try {
        tap(up.domain, json);
      } catch (e) {
        this.counters.tapErrors++;
        this.options.log?.error("stream tap failed", { domain: up.domain, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (up.clients.size === 0) return;
    const types = tlvTypes(json);
    const bound = this.options.clientQueueBytes;
    let text: string | undefined;
    for (const c of up.clients) {
      if (!wants(c, types)) continue;
      if (text === undefined) {
        text = JSON.stringify(json);
        this.counters.encoded++;
      }
      const socket = c.socket!;
      // A socket's buffered bytes include each frame's header (2–10 bytes): counted so the bound holds.
      if (socket.bufferedAmount() + text.length + WS_FRAME_HEADER_MAX > bound) {
        c.dropped++;
        c.droppedBytes += text.length;
        this.counters.dropped++;
        continue;
      }
      try {
        socket.send(text);
        c.sent++;
        this.counters.sent++;
      } catch {
        this.counters.sendErrors++;
      }
    }
  }
}

/**
 * The NATS side of a {@link NatsBridge}'s connection: connects (one attempt per turn, with backoff and
 * jitter, so closing is never stuck behind a server that does not come), keeps the domain's JetStream
 * stream in place on every (re)connect, publishes outgoing batches with a reply subject for JetStream's
 * PubAck and hands each ack to the {@link OutboundQueue}, and keeps the up/down figures. What arrives on
 * the domain's subjects, the loss and the return of the connection go to a {@link NatsLinkHandler}
 * (the bridge's remote intake, bridge/remote-intake.ts).
 *
 * @module
 */

import { connect, createInbox, headers as natsHeaders, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { RelayDomain } from "../protocol/mod.ts";
import type { Logger } from "../core/log.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import { natsClientOptions, type NatsConnectOptions } from "./connect.ts";
import { ensureStream, type StreamRetention } from "./jetstream.ts";
import { AckResult, type OutboundBatch, type OutboundQueue } from "./outbound.ts";
import { domainSubjects, sourceSubject } from "./subjects.ts";

/** What a {@link NatsLink} tells its owner: messages on the domain's subjects, and the connection's loss and return. */
export interface NatsLinkHandler {
  /** A NATS message on one of the domain's subjects. */
  onNatsMessage(m: Msg): void;
  /** The connection was lost (called before the link marks itself down). */
  onNatsDown(): void;
  /** Connected, the stream check done (`jsm` is undefined when JetStream could not be reached); outgoing sending resumed. */
  onNatsUp(nc: NatsConnection, jsm: JetStreamManager | undefined): Promise<void>;
}

/** Settings of a {@link NatsLink}. */
export interface NatsLinkOptions {
  /** The relay domain bridged. */
  domain: RelayDomain;
  /** First subject token. */
  prefix: string;
  /** NATS servers, credentials, TLS. */
  nats: NatsConnectOptions;
  /** Retention of the domain's JetStream stream. */
  retention: StreamRetention;
  /** The bridge's logger. */
  log: Logger;
  /** The bridge's outgoing queue: told of the connection's state and of every ack. */
  outbound: OutboundQueue;
  /** Told of incoming messages and of the connection's loss and return. */
  handler: NatsLinkHandler;
}

/** See the module documentation. */
export class NatsLink {
  /** Connection losses. */
  outages = 0;
  /** Reconnects reported by the NATS client. */
  reconnects = 0;
  private nc: NatsConnection | undefined;
  private inbox = "";
  private natsUp = false;
  private jsReady = false;
  private shut = false;
  private downMs = 0;
  private downSince = performance.now();
  private readonly subjects: (string | undefined)[] = new Array(65536);
  private connecting: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | undefined;
  private readonly opts: NatsLinkOptions;
  private readonly domain: RelayDomain;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly outbound: OutboundQueue;
  private readonly handler: NatsLinkHandler;

  /** Takes the settings; {@link start} connects. */
  constructor(options: NatsLinkOptions) {
    this.opts = options;
    this.domain = options.domain;
    this.prefix = options.prefix;
    this.log = options.log;
    this.outbound = options.outbound;
    this.handler = options.handler;
  }

  /** Starts connecting in the background (until {@link markClosed}). */
  start(): void {
    this.connecting = this.connectLoop();
  }

  /** True while connected to NATS. */
  get connected(): boolean {
    return this.natsUp;
  }

  /** True once the domain's stream is known to be in place on the current connection. */
  get jetStreamReady(): boolean {
    return this.jsReady;
  }

  /** True once the bridge is closing. */
  get closed(): boolean {
    return this.shut;
  }

  /** The current connection, if any. */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** Seconds disconnected in all (the current outage included), at `now` (`performance.now()`). */
  downSeconds(now: number): number {
    return (this.downMs + (this.natsUp ? 0 : now - this.downSince)) / 1000;
  }

  /** Hands a batch to NATS; false when not connected (the batch stays queued). The {@link OutboundQueue}'s sender. */
  send(b: OutboundBatch): boolean {
    const nc = this.nc;
    if (!this.natsUp || nc === undefined) return false;
    const h = natsHeaders();
    h.set("Nats-Msg-Id", b.msgId);
    try {
      nc.publish(this.subjectOf(b.source), b.bytes, { reply: `${this.inbox}.${b.id}`, headers: h });
    } catch (e) {
      if (e instanceof Error && /max_payload/.test(e.message)) {
        this.log.error("batch larger than the NATS server accepts: dropped", { source: b.source, bytes: b.bytes.length, messages: b.count });
        this.outbound.reject(b);
        return true;
      }
      return false;
    }
    return true;
  }

  /** Stops connecting: no further attempt, a pending retry wait ends now. */
  markClosed(): void {
    this.shut = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
  }

  /** Closes the current connection (after {@link markClosed}). */
  async closeConnection(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.natsUp = false;
    if (nc !== undefined) await nc.close().catch(() => {});
  }

  /** Waits (up to 500 ms) for a connection attempt in progress: it closes what it gets by itself. */
  async settle(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.connecting?.catch(() => {}), new Promise((r) => (timer = setTimeout(r, 500)))]);
    clearTimeout(timer);
  }

  private subjectOf(source: number): string {
    return (this.subjects[source] ??= sourceSubject(this.domain, source, this.prefix));
  }

  private onAck(m: Msg): void {
    const id = Number(m.subject.slice(this.inbox.length + 1));
    if (!Number.isInteger(id)) return;
    const h = m.headers;
    if (h !== undefined && h.code === 503) {
      this.outbound.ack(id, AckResult.Refused);
      return;
    }
    let ack: { error?: { description?: string }; duplicate?: boolean };
    try {
      ack = m.json();
    } catch {
      this.outbound.ack(id, AckResult.Refused);
      return;
    }
    if (ack.error !== undefined) {
      this.log.warn("JetStream refused a batch", { error: ack.error.description });
      this.outbound.ack(id, AckResult.Refused);
      return;
    }
    this.outbound.ack(id, ack.duplicate === true ? AckResult.Duplicate : AckResult.Stored);
  }

  private async connectLoop(): Promise<void> {
    const { options, backoff } = natsClientOptions({ name: `alphapulse-bridge-${domainName(this.domain)}`, ...this.opts.nats });
    while (!this.shut) {
      try {
        // One attempt per loop turn, so close() is never stuck behind a server that does not come.
        const nc = await connect({ ...options, waitOnFirstConnect: false });
        if (this.shut) {
          await nc.close();
          return;
        }
        backoff.reset();
        this.adopt(nc, backoff);
        return;
      } catch (e) {
        const delay = options.reconnectDelayHandler!();
        this.log.warn("NATS unreachable, retrying", { servers: options.servers, delayMs: delay, error: e instanceof Error ? e.message : String(e) });
        await new Promise<void>((r) => {
          this.wakeRetry = r;
          this.retryTimer = setTimeout(r, delay);
        });
      }
    }
  }

  private adopt(nc: NatsConnection, backoff: { reset(): void }): void {
    this.nc = nc;
    this.inbox = createInbox();
    nc.subscribe(`${this.inbox}.*`, { callback: (_err, m) => this.onAck(m) });
    nc.subscribe(domainSubjects(this.domain, this.prefix), { callback: (_err, m) => this.handler.onNatsMessage(m) });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") this.onDisconnected();
        else if (s.type === "reconnect") {
          backoff.reset();
          this.reconnects++;
          void this.onConnected(nc);
        } else if (s.type === "error" || s.type === "slowConsumer") this.log.warn("NATS client reports a problem", { type: s.type });
      }
    })().catch(() => {});
    void nc.closed().then((err) => {
      if (this.shut || this.nc !== nc) return;
      // The client gave up (e.g. an authorization error): start over with a new connection.
      this.log.error("NATS client closed its connection; connecting anew", { error: err instanceof Error ? err.message : undefined });
      this.onDisconnected();
      this.nc = undefined;
      this.connecting = this.connectLoop();
    });
    void this.onConnected(nc);
  }

  private onDisconnected(): void {
    if (!this.natsUp) return;
    this.handler.onNatsDown();
    this.natsUp = false;
    this.jsReady = false;
    this.outages++;
    this.downSince = performance.now();
    this.outbound.setConnected(false);
    this.log.warn("NATS connection lost; buffering outgoing messages", { bufferedBytes: this.outbound.bufferedBytes });
  }

  private async onConnected(nc: NatsConnection): Promise<void> {
    if (this.shut || nc !== this.nc) return;
    if (!this.natsUp) this.downMs += performance.now() - this.downSince;
    this.natsUp = true;
    let jsm: JetStreamManager | undefined;
    try {
      jsm = await jetstreamManager(nc);
      await ensureStream(jsm, this.domain, this.opts.retention, this.log, this.prefix);
      this.jsReady = true;
    } catch (e) {
      this.jsReady = false;
      this.log.error("JetStream stream unavailable: bridging live only, nothing retained", { error: e instanceof Error ? e.message : String(e) });
    }
    if (this.shut || !this.natsUp) return;
    this.log.info("NATS connected", { server: nc.getServer(), jetStream: this.jsReady, bufferedBytes: this.outbound.bufferedBytes });
    this.outbound.setConnected(true);
    await this.handler.onNatsUp(nc, jsm);
  }
}

/**
 * The NATS bridge of one relay domain: local messages out to NATS (and JetStream), remote messages in
 * to the local relay's fan-out.
 *
 * ```
 *  local relay ──(Unix socket, role Both)── RelayLink ──▶ OutboundQueue ──▶ NATS  alphapulse.<domain>.<source>
 *       ▲                                                                     │      (JetStream stream keeps it)
 *       └──────────────── inject ◀── InboundSequencer ◀── subscription ◀──────┘
 * ```
 *
 * - Out: every local message (not control, not Gap notices) is batched per source and published on
 *   `alphapulse.<domain>.<source>` as the exact wire bytes, with a reply subject so JetStream's PubAck
 *   comes back; unacknowledged batches stay in a bounded buffer and are sent again after a reconnect.
 *   A Gap notice from the relay about a source published there becomes an origin Gap notice on that
 *   source's subject (bridge/origin-gaps.ts): those messages will never reach NATS.
 * - Retransmissions: {@link NatsBridge.serveRetransmits} lets the local relay answer RetransmitRequests
 *   beyond its ring from JetStream (bridge/retransmit.ts).
 * - In: one subscription on `alphapulse.<domain>.*` (no echo of this connection's own publishes);
 *   {@link InboundSequencer} injects each source once and in order, holding back behind a gap while the
 *   range is read from JetStream. After a reconnect the bridge first catches up: it reads what the stream
 *   stored since shortly before the outage began (sources it never saw included) and only then takes
 *   live messages again; then it compares each remote source's newest stored sequence with what it
 *   injected (nothing lost at the switch back to live). An origin Gap notice received in order moves
 *   the source past the lost range and is passed to the local relay's subscribers as a Gap notice.
 * - Loops cannot form: the relay does not send the bridge its own injections, NATS does not echo the
 *   bridge's publishes, and per-source sequences drop anything seen before (several relays may bridge
 *   one domain through one NATS).
 * - NATS down: local traffic is untouched (the bridge is just another relay client); outgoing batches
 *   wait in the buffer (oldest dropped past `bufferBytes`, counted); the client reconnects with backoff
 *   and jitter; {@link NatsBridge.healthy} is false and `alphapulse_nats_connected` is 0 meanwhile.
 *
 * @example
 * ```ts
 * const bridge = await NatsBridge.start({
 *   domain: RelayDomain.MarketData, relay: { kind: "unix", path: sock },
 *   nats: { url: "nats://10.0.0.5:4222" }, retention: { maxAgeSeconds: 3600 },
 * });
 * // … bridge.metricsText(), bridge.healthy …
 * await bridge.close();
 * ```
 * @module
 */

import { createInbox, headers as natsHeaders, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { HeaderOffset, nowNanos, type RelayDomain, TlvType, viewsOf } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { encodeGap, firstTlvType, isControlType, readGap, Role } from "../relay/wire/control.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import type { Relay } from "../relay/server/relay.ts";
import { RetransmitFallback, type RetransmitFallbackOptions } from "../relay/server/retransmit-source.ts";
import type { Endpoint, Transport } from "../relay/transport/types.ts";
import { natsClientOptions, type NatsConnectOptions } from "./connect.ts";
import { InboundSequencer } from "./inbound.ts";
import { ensureStream, newestStoredSequence, readStream, recoverFromJetStream, type StreamRetention } from "./jetstream.ts";
import { Exposition } from "../core/metrics/mod.ts";
import { natsExposition, type NatsBridgeSnapshot } from "./metrics.ts";
import { encodeOriginGap, readOriginGap } from "./origin-gaps.ts";
import { AckResult, type OutboundBatch, OutboundQueue } from "./outbound.ts";
import { splitPayload } from "./payload.ts";
import { JetStreamRetransmitSource } from "./retransmit.ts";
import { DEFAULT_SUBJECT_PREFIX, domainSubjects, sourceOfSubject, sourceSubject } from "./subjects.ts";

/** Settings of a {@link NatsBridge}. */
export interface NatsBridgeOptions {
  /** The relay domain bridged. */
  domain: RelayDomain;
  /** The local relay (normally its Unix socket). */
  relay: Endpoint;
  /** Hello token, when `relay` is a TCP listener. */
  relayToken?: string;
  /** Service id of the bridge's relay connection (default 84 + domain − 1: the relay range 80–89). */
  serviceId?: number;
  /** NATS servers, credentials, TLS. */
  nats: NatsConnectOptions;
  /** Retention of the domain's JetStream stream. */
  retention?: StreamRetention;
  /** Bytes per NATS message batch (default 64 KiB; ≤ 1 sends every message alone). */
  batchBytes?: number;
  /** Bytes of outgoing messages kept while NATS is down or unacknowledged (default 64 MiB). */
  bufferBytes?: number;
  /** Bytes in flight to JetStream before sending pauses (default 8 MiB). */
  maxInflightBytes?: number;
  /** Milliseconds without a JetStream ack before batches are sent again (default 5000). */
  ackTimeoutMs?: number;
  /** Bytes of received messages held back per source behind a gap (default 8 MiB). */
  holdBytes?: number;
  /** Milliseconds a gap recovery may take (default 10000). */
  recoveryTimeoutMs?: number;
  /** Milliseconds before an outage's start where the catch-up read after a reconnect begins (default 5000). */
  catchUpMarginMs?: number;
  /** First subject token (default `alphapulse`). */
  subjectPrefix?: string;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
  /** Relay transport (default: this runtime's). */
  transport?: Transport;
}

/** See the module documentation. */
export class NatsBridge {
  /** The bridged domain. */
  readonly domain: RelayDomain;
  private readonly opts: NatsBridgeOptions;
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly outbound: OutboundQueue;
  private readonly inbound: InboundSequencer;
  private relay!: RelayClient;
  private skippedControl = 0;
  private nc: NatsConnection | undefined;
  private inbox = "";
  private natsUp = false;
  private jsReady = false;
  private closed = false;
  private flushQueued = false;
  private outages = 0;
  private reconnects = 0;
  private downMs = 0;
  private downSince = performance.now();
  private invalid = 0;
  private readonly subjects: (string | undefined)[] = new Array(65536);
  private readonly timer: ReturnType<typeof setInterval>;
  private connecting: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | undefined;
  private currentSource = -1;
  private currentFromStore = false;
  /** Set from a connection loss until the catch-up read after the reconnect has finished. */
  private catchingUp = false;
  private catchUpSince = 0;
  private catchUps = 0;
  private catchUpSkipped = 0;
  private serviceId = 0;
  /** Sequence of the Gap notices this bridge injects into its relay (its own source id). */
  private noticeSequence = 0n;
  private readonly gapStats = { forwarded: 0, received: 0, injected: 0 };
  private served: { relay: Relay; fallback: RetransmitFallback; store: JetStreamRetransmitSource } | undefined;
  private readonly onRemoteMessage = (bytes: Uint8Array, offset: number, length: number): void => {
    const base = bytes.byteOffset + offset;
    const { u8, dv } = viewsOf(bytes);
    if (u8[base + HeaderOffset.relayDomain] !== this.domain || dv.getUint16(base + HeaderOffset.source, true) !== this.currentSource) {
      this.invalid++;
      return;
    }
    // Sequence 0 is never a source's message: an origin Gap notice (bridge/origin-gaps.ts), or junk.
    if (dv.getUint32(base + HeaderOffset.sequence, true) === 0 && dv.getUint32(base + HeaderOffset.sequence + 4, true) === 0) {
      this.onOriginGap(bytes, offset);
      return;
    }
    this.inbound.receive(bytes, offset, length, this.currentFromStore);
  };
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    this.outbound.flush();
  };

  private constructor(options: NatsBridgeOptions) {
    this.opts = options;
    this.domain = options.domain;
    this.prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    this.log = options.logger ?? createLogger(`nats-bridge.${domainName(options.domain)}`);
    this.outbound = new OutboundQueue({ send: (b) => this.send(b) }, {
      ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
      ...(options.bufferBytes !== undefined ? { bufferBytes: options.bufferBytes } : {}),
      ...(options.maxInflightBytes !== undefined ? { maxInflightBytes: options.maxInflightBytes } : {}),
      ...(options.ackTimeoutMs !== undefined ? { ackTimeoutMs: options.ackTimeoutMs } : {}),
    });
    this.inbound = new InboundSequencer({
      inject: (bytes, offset, length) => this.relay.publishFrom(bytes, offset, length),
      recover: (source, from, to, since) => this.recover(source, from, to, since),
      log: this.log,
      ...(options.holdBytes !== undefined ? { holdBytes: options.holdBytes } : {}),
      ...(options.recoveryTimeoutMs !== undefined ? { recoveryTimeoutMs: options.recoveryTimeoutMs } : {}),
    });
    this.timer = setInterval(() => this.outbound.checkTimeouts(), 250);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Connects to the local relay (waiting for it) and starts connecting to NATS in the background: the
   * bridge runs, buffering, while NATS is unreachable.
   */
  static async start(options: NatsBridgeOptions): Promise<NatsBridge> {
    natsClientOptions(options.nats); // fail now on unreadable credentials or TLS files
    const b = new NatsBridge(options);
    b.serviceId = options.serviceId ?? 84 + options.domain - 1;
    // Role Both: the relay forwards every local message to the bridge and never hands the bridge's own
    // injections back to it. The client drops duplicates per source and asks its relay for gaps.
    b.relay = await RelayClient.connect({
      endpoint: options.relay, domain: options.domain, serviceId: b.serviceId, role: Role.Both,
      waitForRelay: true, logger: b.log, outBufferBytes: 16 * 1024 * 1024,
      ...(options.relayToken !== undefined ? { token: options.relayToken } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
    });
    b.relay.onMessage((bytes, offset, length) => b.onLocal(bytes, offset, length));
    b.connecting = b.connectLoop();
    return b;
  }

  /** True while connected to NATS. */
  get natsConnected(): boolean {
    return this.natsUp;
  }

  /** True when connected to NATS with the domain's stream in place: the bridge does all it should. */
  get healthy(): boolean {
    return this.natsUp && this.jsReady;
  }

  /** Resolves once connected to NATS with the stream in place (for tests and tools). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!this.healthy) {
      if (this.closed) throw new Error("bridge closed");
      if (performance.now() > end) throw new Error(`NATS bridge not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Lets `relay` (the one this bridge is attached to, in this process) answer RetransmitRequests beyond
   * its ring from the domain's JetStream stream: a consumer that asks for an evicted range gets the
   * messages, in order, and a Gap only for what JetStream does not hold either. Undone by {@link close}.
   * Options: lookup concurrency, queue and timeout ({@link RetransmitFallbackOptions}), and `maxBytes`
   * per answer from JetStream (default 4 MiB; the rest of a larger range is answered with Gap).
   *
   * @example
   * ```ts
   * const server = await startRelayServer({ domain, socketPath });
   * const bridge = await NatsBridge.start({ domain, relay: { kind: "unix", path: server.socketPath }, nats });
   * bridge.serveRetransmits(server.relay);
   * ```
   */
  serveRetransmits(relay: Relay, options: RetransmitFallbackOptions & { maxBytes?: number } = {}): void {
    if (relay.domain !== this.domain) throw new Error(`serveRetransmits: relay of domain ${relay.domain}, bridge of ${this.domain}`);
    this.stopServing();
    const store = new JetStreamRetransmitSource(() => (this.healthy ? this.nc : undefined), this.domain, this.prefix, options.maxBytes);
    const fallback = new RetransmitFallback(store, { logger: this.log, ...options });
    relay.retransmitFallback = fallback;
    this.served = { relay, fallback, store };
  }

  private stopServing(): void {
    const s = this.served;
    if (s === undefined) return;
    this.served = undefined;
    if (s.relay.retransmitFallback === s.fallback) s.relay.retransmitFallback = undefined;
    s.fallback.close();
  }

  /** Every figure of the bridge. */
  snapshot(): NatsBridgeSnapshot {
    const now = performance.now();
    return {
      domain: domainName(this.domain),
      connected: this.natsUp,
      jetStreamReady: this.jsReady,
      outages: this.outages,
      reconnects: this.reconnects,
      downSeconds: (this.downMs + (this.natsUp ? 0 : now - this.downSince)) / 1000,
      bufferedBytes: this.outbound.bufferedBytes,
      bufferedBatches: this.outbound.bufferedBatches,
      heldBytes: this.inbound.heldBytes,
      invalid: this.invalid,
      catchUps: this.catchUps,
      catchUpSkipped: this.catchUpSkipped,
      out: { ...this.outbound.stats },
      in: { ...this.inbound.stats },
      originGaps: { ...this.gapStats },
      retransmit: this.served === undefined
        ? undefined
        : { ...this.served.fallback.stats, pending: this.served.fallback.pending, probes: this.served.store.stats.probes },
      local: {
        received: this.relay.stats.delivered, skippedControl: this.skippedControl, injectDropped: this.relay.stats.droppedOutgoing,
        relayReconnects: this.relay.stats.reconnects,
      },
    };
  }

  /** Adds the families of {@link snapshot} (`alphapulse_nats_*`, labelled with the domain) to `e`: the bridge's collector. */
  addMetrics(e: Exposition): void {
    const s = this.snapshot();
    natsExposition(s, undefined, e.withLabels({ domain: s.domain }));
  }

  /** Prometheus text of {@link snapshot} (`alphapulse_nats_*`), for a bridge outside a service's registry. */
  metricsText(): string {
    const e = new Exposition();
    this.addMetrics(e);
    return e.render();
  }

  /** Waits (up to `timeoutMs`) for buffered messages to be acknowledged, then disconnects from both sides. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.closed) return;
    this.outbound.flush();
    const end = performance.now() + timeoutMs;
    while (this.natsUp && this.outbound.bufferedBatches > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    this.stopServing();
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.inbound.close();
    const nc = this.nc;
    this.nc = undefined;
    this.natsUp = false;
    if (nc !== undefined) await nc.close().catch(() => {});
    await this.relay.close();
    // A connection attempt in progress closes what it gets by itself; do not wait out its timeout.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.connecting?.catch(() => {}), new Promise((r) => (timer = setTimeout(r, 500)))]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ local side

  private onLocal(bytes: Uint8Array, offset: number, length: number): void {
    const t = firstTlvType(bytes, offset);
    if (t === TlvType.Gap || isControlType(t)) {
      // Control messages and the relay's Gap notices are not bridged as such; a Gap about a source
      // published here means those messages will never reach NATS: that crosses as an origin notice.
      this.skippedControl++;
      if (t === TlvType.Gap) this.forwardOriginGap(bytes, offset);
      return;
    }
    this.inbound.markLocal(bytes, offset);
    this.outbound.add(bytes, offset, length);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** The local relay will not deliver a range of a source: stores an origin Gap notice on its subject. */
  private forwardOriginGap(bytes: Uint8Array, offset: number): void {
    const gap = readGap(bytes, offset);
    if (gap === undefined || this.inbound.isRemote(gap.source)) return;
    // What this bridge already published of the source is not lost.
    const next = this.inbound.expected(gap.source);
    const from = gap.from > next ? gap.from : next;
    if (from > gap.to) return;
    this.gapStats.forwarded++;
    this.log.warn("origin loss: forwarding a Gap notice over NATS", { source: gap.source, from, to: gap.to, reason: gap.reason });
    const notice = encodeOriginGap(this.domain, gap.source, gap.reason, from, gap.to);
    this.outbound.add(notice, 0, notice.length);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** An origin Gap notice received on a source's subject: skip the range and tell the local subscribers. */
  private onOriginGap(bytes: Uint8Array, offset: number): void {
    const gap = readOriginGap(bytes, offset);
    if (gap === undefined) {
      this.invalid++;
      return;
    }
    this.gapStats.received++;
    if (!this.inbound.originGap(gap.source, gap.from, gap.to)) return;
    this.gapStats.injected++;
    const notice = encodeGap(this.domain, this.serviceId, ++this.noticeSequence, nowNanos(), gap.source, gap.reason, gap.from, gap.to);
    this.relay.publishFrom(notice, 0, notice.length);
  }

  // ------------------------------------------------------------------ NATS side

  private subjectOf(source: number): string {
    return (this.subjects[source] ??= sourceSubject(this.domain, source, this.prefix));
  }

  private send(b: OutboundBatch): boolean {
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

  private onNatsMessage(m: Msg): void {
    if (this.catchingUp) {
      // JetStream has it too: the catch-up read delivers it in order.
      this.catchUpSkipped++;
      return;
    }
    const source = sourceOfSubject(m.subject);
    if (source < 0) {
      this.invalid++;
      return;
    }
    this.currentSource = source;
    const counts = splitPayload(m.data, this.onRemoteMessage);
    this.invalid += counts.invalid;
  }

  private async connectLoop(): Promise<void> {
    const { options, backoff } = natsClientOptions({ name: `alphapulse-bridge-${domainName(this.domain)}`, ...this.opts.nats });
    while (!this.closed) {
      try {
        // One attempt per loop turn, so close() is never stuck behind a server that does not come.
        const nc = await connect({ ...options, waitOnFirstConnect: false });
        if (this.closed) {
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
    nc.subscribe(domainSubjects(this.domain, this.prefix), { callback: (_err, m) => this.onNatsMessage(m) });
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
      if (this.closed || this.nc !== nc) return;
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
    if (!this.catchingUp) {
      this.catchingUp = true;
      this.catchUpSince = Date.now() - (this.opts.catchUpMarginMs ?? 5000);
    }
    this.natsUp = false;
    this.jsReady = false;
    this.outages++;
    this.downSince = performance.now();
    this.outbound.setConnected(false);
    this.log.warn("NATS connection lost; buffering outgoing messages", { bufferedBytes: this.outbound.bufferedBytes });
  }

  private async onConnected(nc: NatsConnection): Promise<void> {
    if (this.closed || nc !== this.nc) return;
    if (!this.natsUp) this.downMs += performance.now() - this.downSince;
    this.natsUp = true;
    let jsm;
    try {
      jsm = await jetstreamManager(nc);
      await ensureStream(jsm, this.domain, this.opts.retention ?? {}, this.log, this.prefix);
      this.jsReady = true;
    } catch (e) {
      this.jsReady = false;
      this.log.error("JetStream stream unavailable: bridging live only, nothing retained", { error: e instanceof Error ? e.message : String(e) });
    }
    if (this.closed || !this.natsUp) return;
    this.log.info("NATS connected", { server: nc.getServer(), jetStream: this.jsReady, bufferedBytes: this.outbound.bufferedBytes });
    this.outbound.setConnected(true);
    if (this.catchingUp) {
      if (this.jsReady && !(await this.catchUp(nc))) return; // lost the connection again: the next one resumes
      this.catchingUp = false;
    }
    if (jsm === undefined || !this.jsReady) return;
    for (const source of this.inbound.remoteSources()) {
      try {
        const newest = await newestStoredSequence(jsm, this.domain, source, this.prefix);
        if (newest !== undefined) this.inbound.checkTail(source, newest);
      } catch (e) {
        this.log.warn("could not read a source's newest stored sequence", { source, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /**
   * After a reconnect: reads what the stream stored since shortly before the outage began, in stream
   * order, and passes it through the sequencer (sources never seen before included). Live messages are
   * skipped meanwhile. Returns false when the connection was lost during the read.
   */
  private async catchUp(nc: NatsConnection): Promise<boolean> {
    this.catchUps++;
    const since = new Date(this.catchUpSince);
    let payloads = 0;
    this.log.info("catching up from JetStream", { since: since.toISOString() });
    try {
      for await (const p of readStream(nc, { domain: this.domain, start: { time: since }, prefix: this.prefix, batch: 512 })) {
        if (this.closed || !this.natsUp) return false;
        const source = sourceOfSubject(p.subject);
        if (source < 0 || this.inbound.isLocal(source)) continue;
        payloads++;
        this.currentSource = source;
        this.currentFromStore = true;
        this.invalid += splitPayload(p.data, this.onRemoteMessage).invalid;
        this.currentFromStore = false;
        if (this.relay.queuedBytes > 4 * 1024 * 1024) await this.relay.flush();
      }
    } catch (e) {
      this.currentFromStore = false;
      if (this.closed || !this.natsUp) return false;
      this.log.error("catch-up read from JetStream failed: continuing live", { error: e instanceof Error ? e.message : String(e) });
    }
    this.log.info("caught up", { storedMessages: payloads });
    return true;
  }

  private async recover(source: number, from: bigint, to: bigint, sinceNanos: bigint | undefined): Promise<Uint8Array[]> {
    // Messages may arrive on a fresh connection before its stream check is done: wait for it (the
    // sequencer bounds the whole recovery with its timeout).
    while (!this.jsReady) {
      if (this.closed) throw new Error("bridge closed");
      await new Promise((r) => setTimeout(r, 10));
    }
    const nc = this.nc;
    if (nc === undefined) throw new Error("NATS not connected");
    return recoverFromJetStream(nc, {
      domain: this.domain, source, from, to, prefix: this.prefix, ...(sinceNanos !== undefined ? { sinceNanos } : {}),
    });
  }
}

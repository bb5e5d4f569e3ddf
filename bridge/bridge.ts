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
 * This file holds the bridge itself and its local side; the NATS connection (connect, stream check,
 * publish and acks) is bridge/nats-link.ts, the incoming side (live, catch-up, recovery, origin Gap
 * notices) bridge/remote-intake.ts.
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

import { TlvType, type RelayDomain } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { firstTlvType, isControlType, readGap, Role } from "../relay/wire/control.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import type { Relay } from "../relay/server/relay.ts";
import { RetransmitFallback, type RetransmitFallbackOptions } from "../relay/server/retransmit-source.ts";
import type { Endpoint, Transport } from "../relay/transport/types.ts";
import { natsClientOptions, type NatsConnectOptions } from "./connect.ts";
import { InboundSequencer } from "./inbound.ts";
import type { StreamRetention } from "./jetstream.ts";
import { Exposition } from "../core/metrics/mod.ts";
import { natsExposition, type NatsBridgeSnapshot } from "./metrics.ts";
import { NatsLink } from "./nats-link.ts";
import { encodeOriginGap } from "./origin-gaps.ts";
import { OutboundQueue } from "./outbound.ts";
import { RemoteIntake } from "./remote-intake.ts";
import { JetStreamRetransmitSource } from "./retransmit.ts";
import { DEFAULT_SUBJECT_PREFIX } from "./subjects.ts";

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
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly outbound: OutboundQueue;
  private readonly inbound: InboundSequencer;
  private readonly intake: RemoteIntake;
  private readonly link: NatsLink;
  private relay!: RelayClient;
  private skippedControl = 0;
  private flushQueued = false;
  private readonly timer: ReturnType<typeof setInterval>;
  /** Origin Gap notices forwarded over NATS (losses of local sources). */
  private forwardedGaps = 0;
  private served: { relay: Relay; fallback: RetransmitFallback; store: JetStreamRetransmitSource } | undefined;
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    this.outbound.flush();
  };

  private constructor(options: NatsBridgeOptions) {
    this.domain = options.domain;
    this.prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    this.log = options.logger ?? createLogger(`nats-bridge.${domainName(options.domain)}`);
    this.outbound = new OutboundQueue({ send: (b) => this.link.send(b) }, {
      ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
      ...(options.bufferBytes !== undefined ? { bufferBytes: options.bufferBytes } : {}),
      ...(options.maxInflightBytes !== undefined ? { maxInflightBytes: options.maxInflightBytes } : {}),
      ...(options.ackTimeoutMs !== undefined ? { ackTimeoutMs: options.ackTimeoutMs } : {}),
    });
    this.inbound = new InboundSequencer({
      inject: (bytes, offset, length) => this.relay.publishFrom(bytes, offset, length),
      recover: (source, from, to, since) => this.intake.recover(source, from, to, since),
      log: this.log,
      ...(options.holdBytes !== undefined ? { holdBytes: options.holdBytes } : {}),
      ...(options.recoveryTimeoutMs !== undefined ? { recoveryTimeoutMs: options.recoveryTimeoutMs } : {}),
    });
    this.intake = new RemoteIntake({
      domain: this.domain, prefix: this.prefix, log: this.log, inbound: this.inbound, catchUpMarginMs: options.catchUpMarginMs ?? 5000,
    });
    this.link = new NatsLink({
      domain: this.domain, prefix: this.prefix, nats: options.nats, retention: options.retention ?? {}, log: this.log,
      outbound: this.outbound, handler: this.intake,
    });
    this.intake.attachLink(this.link);
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
    const serviceId = options.serviceId ?? 84 + options.domain - 1;
    // Role Both: the relay forwards every local message to the bridge and never hands the bridge's own
    // injections back to it. The client drops duplicates per source and asks its relay for gaps.
    b.relay = await RelayClient.connect({
      endpoint: options.relay, domain: options.domain, serviceId, role: Role.Both,
      waitForRelay: true, logger: b.log, outBufferBytes: 16 * 1024 * 1024,
      ...(options.relayToken !== undefined ? { token: options.relayToken } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
    });
    b.intake.attachRelay(b.relay, serviceId);
    b.relay.onMessage((bytes, offset, length) => b.onLocal(bytes, offset, length));
    b.link.start();
    return b;
  }

  /** True while connected to NATS. */
  get natsConnected(): boolean {
    return this.link.connected;
  }

  /** True when connected to NATS with the domain's stream in place: the bridge does all it should. */
  get healthy(): boolean {
    return this.link.connected && this.link.jetStreamReady;
  }

  /** Resolves once connected to NATS with the stream in place (for tests and tools). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!this.healthy) {
      if (this.link.closed) throw new Error("bridge closed");
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
    const store = new JetStreamRetransmitSource(() => (this.healthy ? this.link.connection : undefined), this.domain, this.prefix, options.maxBytes);
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
    const link = this.link;
    const intake = this.intake;
    return {
      domain: domainName(this.domain),
      connected: link.connected,
      jetStreamReady: link.jetStreamReady,
      outages: link.outages,
      reconnects: link.reconnects,
      downSeconds: link.downSeconds(now),
      bufferedBytes: this.outbound.bufferedBytes,
      bufferedBatches: this.outbound.bufferedBatches,
      heldBytes: this.inbound.heldBytes,
      invalid: intake.invalid,
      catchUps: intake.catchUps,
      catchUpSkipped: intake.catchUpSkipped,
      out: { ...this.outbound.stats },
      in: { ...this.inbound.stats },
      originGaps: { forwarded: this.forwardedGaps, received: intake.originGaps.received, injected: intake.originGaps.injected },
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
    if (this.link.closed) return;
    this.outbound.flush();
    const end = performance.now() + timeoutMs;
    while (this.link.connected && this.outbound.bufferedBatches > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    this.link.markClosed();
    this.stopServing();
    clearInterval(this.timer);
    this.inbound.close();
    await this.link.closeConnection();
    await this.relay.close();
    // A connection attempt in progress closes what it gets by itself; do not wait out its timeout.
    await this.link.settle();
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
    this.forwardedGaps++;
    this.log.warn("origin loss: forwarding a Gap notice over NATS", { source: gap.source, from, to: gap.to, reason: gap.reason });
    const notice = encodeOriginGap(this.domain, gap.source, gap.reason, from, gap.to);
    this.outbound.add(notice, 0, notice.length);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
  }
}

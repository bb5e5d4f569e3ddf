/**
 * The incoming side of a {@link NatsBridge}: what arrives from NATS for the bridged domain. Live messages
 * are split back into relay messages and passed to the {@link InboundSequencer} (which injects each source
 * once and in order); an origin Gap notice (sequence 0, bridge/origin-gaps.ts) moves its source past the
 * lost range and is injected into the local relay as a Gap notice. After a reconnect the intake first
 * catches up: it reads what the stream stored since shortly before the outage began (live messages are
 * skipped meanwhile, JetStream has them too), then compares each remote source's newest stored sequence
 * with what was injected. Ranges the sequencer finds missing are read back from JetStream ({@link recover}).
 *
 * @module
 */

import type { Msg, NatsConnection } from "@nats-io/transport-node";
import type { JetStreamManager } from "@nats-io/jetstream";
import { HeaderOffset, nowNanos, type RelayDomain, viewsOf } from "../protocol/mod.ts";
import type { RelayClient } from "../relay/client/client.ts";
import { encodeGap } from "../relay/wire/control.ts";
import type { Logger } from "../core/log.ts";
import type { InboundSequencer } from "./inbound.ts";
import { newestStoredSequence, readStream, recoverFromJetStream } from "./jetstream.ts";
import type { NatsLink, NatsLinkHandler } from "./nats-link.ts";
import { readOriginGap } from "./origin-gaps.ts";
import { splitPayload } from "./payload.ts";
import { sourceOfSubject } from "./subjects.ts";

/** Settings of a {@link RemoteIntake}. */
export interface RemoteIntakeOptions {
  /** The relay domain bridged. */
  domain: RelayDomain;
  /** First subject token. */
  prefix: string;
  /** The bridge's logger. */
  log: Logger;
  /** Orders and injects the received messages. */
  inbound: InboundSequencer;
  /** Milliseconds before an outage's start where the catch-up read after a reconnect begins. */
  catchUpMarginMs: number;
}

/** See the module documentation. */
export class RemoteIntake implements NatsLinkHandler {
  /** Received messages that were not the domain's or the subject's source, and unreadable origin Gap notices. */
  invalid = 0;
  /** Catch-up reads started. */
  catchUps = 0;
  /** Live NATS messages skipped during a catch-up read (JetStream delivers them in order). */
  catchUpSkipped = 0;
  /** Origin Gap notices received, and those injected into the local relay. */
  readonly originGaps = { received: 0, injected: 0 };
  private readonly domain: RelayDomain;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly inbound: InboundSequencer;
  private readonly catchUpMarginMs: number;
  private link!: NatsLink;
  private relay!: RelayClient;
  private serviceId = 0;
  private currentSource = -1;
  private currentFromStore = false;
  /** Set from a connection loss until the catch-up read after the reconnect has finished. */
  private catchingUp = false;
  private catchUpSince = 0;
  /** Sequence of the Gap notices this bridge injects into its relay (its own source id). */
  private noticeSequence = 0n;
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

  /** Takes the settings; {@link attachLink} and {@link attachRelay} complete it. */
  constructor(options: RemoteIntakeOptions) {
    this.domain = options.domain;
    this.prefix = options.prefix;
    this.log = options.log;
    this.inbound = options.inbound;
    this.catchUpMarginMs = options.catchUpMarginMs;
  }

  /** The NATS link whose connection the intake reads from. */
  attachLink(link: NatsLink): void {
    this.link = link;
  }

  /** The local relay connection origin Gap notices are injected into, and the bridge's service id on it. */
  attachRelay(relay: RelayClient, serviceId: number): void {
    this.relay = relay;
    this.serviceId = serviceId;
  }

  /** A live NATS message on a source's subject: its messages go to the sequencer (unless catching up). */
  onNatsMessage(m: Msg): void {
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

  /** The connection was lost: the next connection starts with a catch-up read from shortly before now. */
  onNatsDown(): void {
    if (!this.catchingUp) {
      this.catchingUp = true;
      this.catchUpSince = Date.now() - this.catchUpMarginMs;
    }
  }

  /** Connected: catches up when an outage preceded, then checks each remote source's newest stored sequence. */
  async onNatsUp(nc: NatsConnection, jsm: JetStreamManager | undefined): Promise<void> {
    if (this.catchingUp) {
      if (this.link.jetStreamReady && !(await this.catchUp(nc))) return; // lost the connection again: the next one resumes
      this.catchingUp = false;
    }
    if (jsm === undefined || !this.link.jetStreamReady) return;
    for (const source of this.inbound.remoteSources()) {
      try {
        const newest = await newestStoredSequence(jsm, this.domain, source, this.prefix);
        if (newest !== undefined) this.inbound.checkTail(source, newest);
      } catch (e) {
        this.log.warn("could not read a source's newest stored sequence", { source, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** Reads a missed range of a source back from JetStream: the sequencer's recovery function. */
  async recover(source: number, from: bigint, to: bigint, sinceNanos: bigint | undefined): Promise<Uint8Array[]> {
    // Messages may arrive on a fresh connection before its stream check is done: wait for it (the
    // sequencer bounds the whole recovery with its timeout).
    while (!this.link.jetStreamReady) {
      if (this.link.closed) throw new Error("bridge closed");
      await new Promise((r) => setTimeout(r, 10));
    }
    const nc = this.link.connection;
    if (nc === undefined) throw new Error("NATS not connected");
    return recoverFromJetStream(nc, {
      domain: this.domain, source, from, to, prefix: this.prefix, ...(sinceNanos !== undefined ? { sinceNanos } : {}),
    });
  }

  /** An origin Gap notice received on a source's subject: skip the range and tell the local subscribers. */
  private onOriginGap(bytes: Uint8Array, offset: number): void {
    const gap = readOriginGap(bytes, offset);
    if (gap === undefined) {
      this.invalid++;
      return;
    }
    this.originGaps.received++;
    if (!this.inbound.originGap(gap.source, gap.from, gap.to)) return;
    this.originGaps.injected++;
    const notice = encodeGap(this.domain, this.serviceId, ++this.noticeSequence, nowNanos(), gap.source, gap.reason, gap.from, gap.to);
    this.relay.publishFrom(notice, 0, notice.length);
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
        if (this.link.closed || !this.link.connected) return false;
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
      if (this.link.closed || !this.link.connected) return false;
      this.log.error("catch-up read from JetStream failed: continuing live", { error: e instanceof Error ? e.message : String(e) });
    }
    this.log.info("caught up", { storedMessages: payloads });
    return true;
  }
}

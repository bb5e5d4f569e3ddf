/**
 * The bridge's connection to its local relay: a {@link RelayClient} with Hello role Both, so the relay
 * forwards every local message to the bridge but never hands the bridge's own injections back to it.
 *
 * Local messages reach `onLocal` once each, in sequence order per source: control messages and the
 * relay's Gap notices are skipped (they concern this relay only), a sequence at or below one already
 * passed on is dropped, and so is a message the bridge itself injected (`isInjected`: a remote source at or
 * below its last injected sequence) — which the relay sends back only while {@link RelayLink.renew}
 * overlaps two connections.
 *
 * Why renew: a relay accepts a source restarting at sequence 1 only from a connection other than the
 * one that sent its earlier messages (replay protection). The bridge injects every remote source over
 * one connection, so when a remote source restarts the bridge moves to a fresh connection: it opens the
 * new one, lets the old one flush, closes it, and meanwhile holds injections back so they keep their
 * order. Both connections receive local traffic during the overlap; the per-source check above removes
 * the copies.
 *
 * @module
 */

import { HeaderOffset, TlvType, viewsOf } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client.ts";
import { firstTlvType, isControlType, Role } from "../relay/control.ts";
import type { Logger } from "../relay/log.ts";
import type { Endpoint, Transport } from "../relay/transport/types.ts";

/** Settings of a {@link RelayLink}. */
export interface RelayLinkOptions {
  /** Where the local relay listens. */
  endpoint: Endpoint;
  /** The relay's domain. */
  domain: number;
  /** Service id in the bridge's Hello. */
  serviceId: number;
  /** Hello token (TCP listeners only). */
  token?: string;
  /** Bytes of injections kept while the relay is away (default 16 MiB). */
  outBufferBytes?: number;
  /** Transport (default: this runtime's). */
  transport?: Transport;
  /** One local message, passed on once, in order per source; the bytes may be kept. */
  onLocal(bytes: Uint8Array, offset: number, length: number): void;
  /** True when the bridge injected `source`'s `seq` itself. */
  isInjected(source: number, seq: bigint): boolean;
  /** Logger. */
  log: Logger;
}

/** Counters of a {@link RelayLink}. */
export interface RelayLinkStats {
  /** Local messages passed on. */
  local: number;
  /** Local messages dropped as already passed on (connection overlap, relay resends). */
  localDuplicates: number;
  /** Messages the bridge had injected itself, seen again during an overlap, dropped. */
  reflected: number;
  /** Control messages and Gap notices skipped. */
  skippedControl: number;
  /** Connections replaced after a remote source restarted. */
  renewals: number;
}

const TWO32 = 4_294_967_296;

/** See the module documentation. */
export class RelayLink {
  /** Counters. */
  readonly stats: RelayLinkStats = { local: 0, localDuplicates: 0, reflected: 0, skippedControl: 0, renewals: 0 };
  private readonly opts: RelayLinkOptions;
  private client: RelayClient;
  private readonly expHi = new Uint32Array(65536);
  private readonly expLo = new Uint32Array(65536);
  private readonly known = new Uint8Array(65536);
  private held: Uint8Array[] | undefined;
  private renewing: Promise<void> | undefined;
  private renewAgain = false;
  private closed = false;

  private constructor(opts: RelayLinkOptions, client: RelayClient) {
    this.opts = opts;
    this.client = client;
  }

  /** Connects (waiting for the relay when it is not up yet). */
  static async open(opts: RelayLinkOptions): Promise<RelayLink> {
    const link = new RelayLink(opts, undefined as unknown as RelayClient);
    link.client = await link.connect();
    return link;
  }

  /** True while the current connection is up. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** The current relay client (for its counters). */
  get relayClient(): RelayClient {
    return this.client;
  }

  /** Puts one message into the local relay's fan-out (copied now). */
  inject(bytes: Uint8Array, offset: number, length: number): void {
    if (this.held !== undefined) {
      this.held.push(bytes.slice(offset, offset + length));
      return;
    }
    this.client.publishFrom(bytes, offset, length);
  }

  /**
   * Moves to a fresh relay connection (see the module documentation). Injections made meanwhile are
   * held and sent, in order, on the new connection. Calls while one renewal runs add one more renewal.
   */
  renew(): Promise<void> {
    if (this.renewing !== undefined) {
      this.renewAgain = true;
      return this.renewing;
    }
    this.held ??= [];
    this.renewing = this.doRenew().finally(() => {
      this.renewing = undefined;
      if (this.renewAgain && !this.closed) {
        this.renewAgain = false;
        void this.renew();
      }
    });
    return this.renewing;
  }

  /** Flushes injections and closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.renewing?.catch(() => {});
    await this.client.close();
  }

  private async doRenew(): Promise<void> {
    const old = this.client;
    try {
      const fresh = await this.connect();
      await old.flush();
      await old.close(1000);
      this.client = fresh;
      this.stats.renewals++;
      this.opts.log.info("moved to a fresh relay connection (a remote source restarted)");
    } catch (e) {
      this.opts.log.error("could not open a fresh relay connection; injecting on the old one", { error: e });
    } finally {
      const h = this.held ?? [];
      this.held = undefined;
      for (const m of h) this.client.publish(m);
    }
  }

  private async connect(): Promise<RelayClient> {
    const o = this.opts;
    const c = await RelayClient.connect({
      endpoint: o.endpoint, domain: o.domain, serviceId: o.serviceId, role: Role.Both, waitForRelay: true, logger: o.log,
      outBufferBytes: o.outBufferBytes ?? 16 * 1024 * 1024,
      ...(o.token !== undefined ? { token: o.token } : {}),
      ...(o.transport ? { transport: o.transport } : {}),
    });
    c.onMessage((bytes, offset, length) => this.onMessage(bytes, offset, length));
    return c;
  }

  private onMessage(bytes: Uint8Array, offset: number, length: number): void {
    const t = firstTlvType(bytes, offset);
    if (t === TlvType.Gap || isControlType(t)) {
      this.stats.skippedControl++;
      return;
    }
    const { dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const source = dv.getUint16(base + HeaderOffset.source, true);
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    if (this.opts.isInjected(source, (BigInt(hi) << 32n) | BigInt(lo))) {
      this.stats.reflected++;
      return;
    }
    if (this.known[source] === 1) {
      const eh = this.expHi[source]!;
      const el = this.expLo[source]!;
      if (hi < eh || (hi === eh && lo < el)) {
        if (!(hi === 0 && lo === 1 && !(eh === 0 && el === 2))) {
          this.stats.localDuplicates++;
          return;
        }
        // a local source restarted at 1: follow it
      }
    } else {
      this.known[source] = 1;
    }
    let nlo = lo + 1;
    let nhi = hi;
    if (nlo >= TWO32) {
      nlo -= TWO32;
      nhi++;
    }
    this.expHi[source] = nhi;
    this.expLo[source] = nlo;
    this.stats.local++;
    this.opts.onLocal(bytes, offset, length);
  }
}

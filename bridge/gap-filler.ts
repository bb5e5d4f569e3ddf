/**
 * Consumer-side recovery of what a relay could not deliver, from the domain's JetStream stream.
 *
 * A relay answers a range it no longer holds (its per-source ring is bounded) or that it dropped for a
 * slow consumer with a Gap notice. A consumer that wants those messages feeds everything its
 * {@link RelayClient} delivers through {@link JetStreamGapFiller.push}: messages pass straight on, and at
 * a Gap notice the filler reads the range from JetStream, holds that source's later messages back
 * meanwhile, then delivers the recovered messages and the held ones in sequence order. A range JetStream
 * does not hold either (expired, never bridged) is passed on as the original Gap notice.
 *
 * What is automatic and what is not:
 * - automatic, in the bridge: messages lost between NATS and the bridge are recovered from JetStream
 *   before they reach the local relay, so subscribers of that relay see no gap;
 * - automatic, in a relay client and a bridged relay: a gap the client notices is asked of its relay
 *   (RetransmitRequest), and a relay whose service runs a bridge answers the part past its ring from
 *   JetStream itself (`NatsBridge.serveRetransmits`) — no filler needed for that;
 * - still this filler's job: ranges a relay *dropped* for a slow consumer (Gap reason 2: the client
 *   accepts such a notice and does not ask again), and relays with no bridge in their process. A
 *   consumer that must not miss anything wires the filler between its client and its logic, as shown
 *   below; `ap replay --from-nats` does the same by hand.
 *
 * @example
 * ```ts
 * const nc = await connectNats({ url: "nats://10.0.0.5:4222" });
 * const filler = new JetStreamGapFiller({ nc, domain: RelayDomain.MarketData, deliver: (m) => strategy.onMessage(m) });
 * client.onMessage((b, o, l) => filler.push(b, o, l));
 * ```
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { HeaderOffset, type RelayDomain, viewsOf } from "../protocol/mod.ts";
import { readGap } from "../relay/wire/control.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { recoverFromJetStream } from "./jetstream.ts";

/** Settings of a {@link JetStreamGapFiller}. */
export interface GapFillerOptions {
  /** A NATS connection with access to the domain's stream. */
  nc: NatsConnection;
  /** The domain. */
  domain: RelayDomain;
  /** Receives every message, in order per source (a copy the consumer may keep). */
  deliver(msg: Uint8Array): void;
  /** Subject prefix (default `alphapulse`). */
  prefix?: string;
  /** Nanoseconds before the source's last delivered timestamp where the JetStream scan starts (default 5 s). */
  marginNanos?: bigint;
  /** Bytes held back per source during a recovery before it is abandoned (default 16 MiB). */
  holdBytes?: number;
  /** Logger. */
  logger?: Logger;
}

/** Counters of a {@link JetStreamGapFiller}. */
export interface GapFillerStats {
  /** Gap notices seen. */
  gaps: number;
  /** Messages recovered from JetStream and delivered. */
  recovered: number;
  /** Sequences JetStream did not hold either (their Gap notice was passed on). */
  unrecovered: number;
  /** Recoveries that failed (error, hold overflow). */
  failures: number;
}

interface Pending {
  notice: Uint8Array;
  held: Uint8Array[];
  bytes: number;
  abandoned: boolean;
}

/** See the module documentation. */
export class JetStreamGapFiller {
  /** Counters. */
  readonly stats: GapFillerStats = { gaps: 0, recovered: 0, unrecovered: 0, failures: 0 };
  private readonly opts: GapFillerOptions;
  private readonly log: Logger;
  private readonly last = new Map<number, { seq: bigint; ts: bigint }>();
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Set<Promise<void>>();

  /** @param options connection, domain and the consumer's delivery callback */
  constructor(options: GapFillerOptions) {
    this.opts = options;
    this.log = options.logger ?? createLogger("gap-filler");
  }

  /** Feeds one message delivered by the relay client (Gap notices included). */
  push(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    const gap = readGap(bytes, offset);
    const source = gap !== undefined ? gap.source : viewsOf(bytes).dv.getUint16(bytes.byteOffset + offset + HeaderOffset.source, true);
    const p = this.pending.get(source);
    if (p !== undefined) {
      p.held.push(bytes.slice(offset, offset + length));
      p.bytes += length;
      if (p.bytes > (this.opts.holdBytes ?? 16 * 1024 * 1024) && !p.abandoned) {
        p.abandoned = true;
        this.stats.failures++;
        this.log.warn("hold buffer full during a JetStream recovery: passing the gap on", { source });
        this.finish(source, p, [], p.notice);
      }
      return;
    }
    if (gap === undefined) {
      this.deliverOne(source, bytes.slice(offset, offset + length));
      return;
    }
    this.stats.gaps++;
    const known = this.last.get(source);
    const from = known !== undefined && known.seq + 1n > gap.from ? known.seq + 1n : gap.from;
    if (from > gap.to) return;
    const notice = bytes.slice(offset, offset + length);
    const entry: Pending = { notice, held: [], bytes: 0, abandoned: false };
    this.pending.set(source, entry);
    const margin = this.opts.marginNanos ?? 5_000_000_000n;
    const since = known !== undefined && known.ts > margin ? known.ts - margin : undefined;
    const run = recoverFromJetStream(this.opts.nc, {
      domain: this.opts.domain, source, from, to: gap.to,
      ...(since !== undefined ? { sinceNanos: since } : {}), ...(this.opts.prefix ? { prefix: this.opts.prefix } : {}),
    }).then(
      (msgs) => {
        if (entry.abandoned) return;
        const got = msgs.length;
        const missing = Number(gap.to - from + 1n) - got;
        this.stats.recovered += got;
        if (missing > 0) {
          this.stats.unrecovered += missing;
          this.log.warn("JetStream holds only part of a gap", { source, from, to: gap.to, recovered: got });
        }
        this.finish(source, entry, msgs, missing > 0 ? notice : undefined);
      },
      (e: unknown) => {
        if (entry.abandoned) return;
        this.stats.failures++;
        this.stats.unrecovered += Number(gap.to - from + 1n);
        this.log.warn("JetStream recovery failed", { source, from, to: gap.to, error: e instanceof Error ? e.message : String(e) });
        this.finish(source, entry, [], notice);
      },
    ).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when no recovery is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private finish(source: number, entry: Pending, recovered: Uint8Array[], notice?: Uint8Array): void {
    this.pending.delete(source);
    for (const m of recovered) this.deliverOne(source, m);
    if (notice !== undefined) this.opts.deliver(notice);
    // Held messages go through push again: one may be another Gap notice.
    for (const m of entry.held) this.push(m);
  }

  private deliverOne(source: number, msg: Uint8Array): void {
    const dv = viewsOf(msg).dv;
    const seq = dv.getBigUint64(msg.byteOffset + HeaderOffset.sequence, true);
    const prev = this.last.get(source);
    if (prev !== undefined && seq <= prev.seq && seq !== 1n) return; // already delivered (recovered, then seen live)
    this.last.set(source, { seq, ts: dv.getBigUint64(msg.byteOffset + HeaderOffset.timestamp, true) });
    this.opts.deliver(msg);
  }
}

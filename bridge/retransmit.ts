/**
 * JetStream as a relay's second memory: a {@link RetransmitSource} that finds one source's sequence
 * range in the domain's stream, so the relay answers a RetransmitRequest beyond its ring by itself.
 *
 * Finding the range: JetStream indexes stream sequences and subjects, not our per-source sequences, so
 * the first stored NATS message of the source's subject whose last message is at or past `from` is
 * found by binary search over stream sequences with `STREAM.MSG.GET {seq, next_by_subj}` (about
 * log2(stream size) small requests), then the subject is read forward from there.
 *
 * Which run: a source that restarted (sequence 1 stamped later) has several runs with the same
 * sequences in the stream. The read keeps the newest run it has passed and stops at the relay's
 * anchor — a message of the relay's current run after the range, matched by sequence and timestamp —
 * so the answer is always from the run the relay is in; without the anchor it reads to the end of the
 * subject and the newest run wins. Gap notices stored on the subject (see bridge/origin-gaps.ts) are
 * not messages of the source and are skipped.
 *
 * @example
 * ```ts
 * relay.retransmitFallback = new RetransmitFallback(new JetStreamRetransmitSource(() => nc, RelayDomain.MarketData));
 * ```
 * @module
 */

import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type RelayDomain, TlvType } from "../protocol/mod.ts";
import { firstTlvType } from "../relay/wire/control.ts";
import type { RetransmitSource, RunAnchor } from "../relay/server/retransmit-source.ts";
import { readStream } from "./jetstream.ts";
import { sequenceAt, splitPayload, timestampAt } from "./payload.ts";
import { DEFAULT_SUBJECT_PREFIX, sourceSubject, streamName } from "./subjects.ts";

/** Counters of a {@link JetStreamRetransmitSource}. */
export interface JetStreamRetransmitStats {
  /** Lookups started. */
  fetches: number;
  /** `STREAM.MSG.GET` requests of the binary searches. */
  probes: number;
  /** Stored NATS messages read forward. */
  payloadsRead: number;
}

/**
 * Default most bytes one lookup returns: half a subscriber's default backlog (8 MiB), so an answer does
 * not overflow the backlog it is queued in. The rest of a larger range is answered with Gap (a consumer
 * that wants more history reads it with `ap replay --from-nats`).
 */
export const DEFAULT_RETRANSMIT_MAX_BYTES = 4 * 1024 * 1024;

/** See the module documentation. */
export class JetStreamRetransmitSource implements RetransmitSource {
  /** Counters. */
  readonly stats: JetStreamRetransmitStats = { fetches: 0, probes: 0, payloadsRead: 0 };
  private readonly connection: () => NatsConnection | undefined;
  private readonly domain: RelayDomain;
  private readonly prefix: string;
  private readonly maxBytes: number;
  private jsmOf: { nc: NatsConnection; jsm: Promise<JetStreamManager> } | undefined;

  /**
   * @param connection the current NATS connection (undefined while there is none: lookups fail fast)
   * @param domain the relay's domain
   * @param prefix subject prefix of the deployment
   * @param maxBytes most bytes one lookup returns (default {@link DEFAULT_RETRANSMIT_MAX_BYTES})
   */
  constructor(connection: () => NatsConnection | undefined, domain: RelayDomain, prefix = DEFAULT_SUBJECT_PREFIX, maxBytes = DEFAULT_RETRANSMIT_MAX_BYTES) {
    this.connection = connection;
    this.domain = domain;
    this.prefix = prefix;
    this.maxBytes = maxBytes;
  }

  /** See {@link RetransmitSource.fetch}. */
  async fetch(source: number, from: bigint, to: bigint, anchor: RunAnchor, signal: AbortSignal): Promise<Uint8Array[]> {
    const nc = this.connection();
    if (nc === undefined || nc.isClosed()) throw new Error("NATS not connected");
    this.stats.fetches++;
    if (this.jsmOf?.nc !== nc) this.jsmOf = { nc, jsm: jetstreamManager(nc) };
    const jsm = await this.jsmOf.jsm;
    const stream = streamName(this.domain, this.prefix);
    const subject = sourceSubject(this.domain, source, this.prefix);
    const start = await this.locate(jsm, stream, subject, from, signal);
    if (start === undefined) return [];
    let run: Uint8Array[] = [];
    let runBytes = 0;
    let prevSeq = 0n;
    let prevTs = 0n;
    let done = false;
    const gen = readStream(nc, { domain: this.domain, source, start: { streamSeq: start }, prefix: this.prefix, batch: 64 });
    try {
      for await (const stored of gen) {
        if (signal.aborted) throw new Error("lookup abandoned");
        this.stats.payloadsRead++;
        splitPayload(stored.data, (bytes, offset, length) => {
          if (done || firstTlvType(bytes, offset) === TlvType.Gap) return;
          const seq = sequenceAt(bytes, offset);
          const ts = timestampAt(bytes, offset);
          if (seq === anchor.sequence && ts === anchor.timestamp) {
            done = true;
            return;
          }
          if (seq < prevSeq && ts > prevTs) {
            // A restart (lower sequence stamped later): a newer run begins and supersedes what was kept.
            run = [];
            runBytes = 0;
          }
          prevSeq = seq;
          if (ts > prevTs) prevTs = ts;
          if (seq < from || seq > to) return;
          if (runBytes + length > this.maxBytes) return;
          // A batch sent twice repeats sequences: keep the first copy.
          if (run.length > 0 && seq <= sequenceAt(run[run.length - 1]!, 0)) return;
          run.push(bytes.slice(offset, offset + length));
          runBytes += length;
        });
        if (done) break;
      }
    } finally {
      await gen.return(undefined);
    }
    return run;
  }

  /**
   * Stream sequence of the first stored NATS message of `subject` whose newest message has a sequence
   * ≥ `from`, or undefined when there is none.
   */
  private async locate(jsm: JetStreamManager, stream: string, subject: string, from: bigint, signal: AbortSignal): Promise<number | undefined> {
    const info = await jsm.streams.info(stream);
    let lo = info.state.first_seq;
    let hi = info.state.last_seq;
    let best: number | undefined;
    while (lo <= hi) {
      if (signal.aborted) throw new Error("lookup abandoned");
      const mid = lo + Math.floor((hi - lo) / 2);
      this.stats.probes++;
      // `next_by_subj` is part of the server's MSG.GET request (2.9+); the client's type lists it for direct gets only.
      const m = await jsm.streams.getMessage(stream, { seq: mid, next_by_subj: subject } as unknown as { seq: number });
      if (m === null || m.seq > hi) {
        hi = mid - 1;
        continue;
      }
      // A server before 2.9 ignores next_by_subj and answers whatever sits at `seq`: the search would be wrong.
      if (m.subject !== subject) throw new Error(`the NATS server does not support MSG.GET next_by_subj (got ${m.subject} for ${subject}); nats-server 2.9 or later is needed`);
      if (newestSequence(m.data) < from) {
        lo = m.seq + 1;
      } else {
        best = m.seq;
        hi = mid - 1;
      }
    }
    return best;
  }
}

/** The highest message sequence in a stored payload (0 when it holds none). */
function newestSequence(payload: Uint8Array): bigint {
  let newest = 0n;
  splitPayload(payload, (bytes, offset) => {
    const s = sequenceAt(bytes, offset);
    if (s > newest) newest = s;
  });
  return newest;
}

/**
 * JetStream side of the bridge: the per-domain stream (created or brought to the configured retention),
 * reading a stream back from a time or a stream sequence, and recovering one source's sequence range.
 *
 * Retention: `max_age` and `max_bytes` from the config, oldest discarded first, file storage,
 * a de-duplication window (2 min, or the max age when shorter) so a batch the bridge sends twice is
 * stored once.
 *
 * Recovery finds a source's messages by scanning that source's subject forward from a start time with a
 * short-lived pull consumer (JetStream indexes subjects and times, not our sequences). A source that
 * restarted (sequence 1 stamped later than its previous message) within the scanned span leaves several
 * runs of sequences; the newest run wins. Callers pass the timestamp of the last message they have from the source
 * (minus a margin) so the scan is short; without it the scan starts at the oldest stored message.
 *
 * @module
 */

import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type RelayDomain, TlvType } from "../protocol/mod.ts";
import { firstTlvType } from "../relay/wire/control.ts";
import type { Logger } from "../core/log.ts";
import { sequenceAt, splitPayload, timestampAt } from "./payload.ts";
import { DEFAULT_SUBJECT_PREFIX, domainSubjects, sourceSubject, streamName } from "./subjects.ts";

/** Retention of a domain's stream. */
export interface StreamRetention {
  /** Seconds a message is kept (0 = no age limit). Default 86 400 (one day). */
  maxAgeSeconds?: number;
  /** Bytes the stream may hold (-1 = no limit). Default 1 GiB. */
  maxBytes?: number;
}

const NANOS_PER_SECOND = 1_000_000_000;
const DEFAULT_DUPLICATE_WINDOW_SECONDS = 120;

/** The stream config the bridge wants for `domain`. */
export function streamConfigFor(domain: RelayDomain, retention: StreamRetention = {}, prefix = DEFAULT_SUBJECT_PREFIX): Partial<StreamConfig> & { name: string } {
  const maxAge = retention.maxAgeSeconds ?? 86_400;
  const dupWindow = maxAge > 0 ? Math.min(maxAge, DEFAULT_DUPLICATE_WINDOW_SECONDS) : DEFAULT_DUPLICATE_WINDOW_SECONDS;
  return {
    name: streamName(domain, prefix),
    subjects: [domainSubjects(domain, prefix)],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: maxAge * NANOS_PER_SECOND,
    max_bytes: retention.maxBytes ?? 1024 * 1024 * 1024,
    duplicate_window: dupWindow * NANOS_PER_SECOND,
    num_replicas: 1,
  };
}

/**
 * Creates `domain`'s stream, or updates its retention when it exists with other limits (logged).
 * Several bridges of one domain share the stream; the last one to start sets its limits.
 */
export async function ensureStream(jsm: JetStreamManager, domain: RelayDomain, retention: StreamRetention, log: Logger, prefix = DEFAULT_SUBJECT_PREFIX): Promise<void> {
  const want = streamConfigFor(domain, retention, prefix);
  let info;
  try {
    info = await jsm.streams.info(want.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.streams.add(want);
    log.info("JetStream stream created", { stream: want.name, maxAgeSeconds: retention.maxAgeSeconds ?? 86_400, maxBytes: want.max_bytes });
    return;
  }
  const c = info.config;
  if (c.max_age !== want.max_age || c.max_bytes !== want.max_bytes || c.duplicate_window !== want.duplicate_window || c.subjects?.[0] !== want.subjects![0]) {
    await jsm.streams.update(want.name, { ...c, max_age: want.max_age, max_bytes: want.max_bytes, duplicate_window: want.duplicate_window, subjects: want.subjects! });
    log.warn("JetStream stream retention updated to this bridge's config", { stream: want.name, maxAge: want.max_age, maxBytes: want.max_bytes });
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { code?: number | string; api_error?: { code?: number; err_code?: number }; message?: string };
  return err?.api_error?.err_code === 10059 || err?.api_error?.code === 404 || /stream not found/i.test(err?.message ?? "");
}

/** One stored NATS message read back: its payload (whole wire messages) and where it sits in the stream. */
export interface StoredPayload {
  /** The wire messages back to back. */
  data: Uint8Array;
  /** NATS subject (names the source). */
  subject: string;
  /** Stream sequence. */
  streamSeq: number;
  /** Messages of the stream still after this one when it was delivered. */
  pending: number;
  /** When JetStream stored it (ns since the epoch). */
  storedNanos: bigint;
}

/** Where {@link readStream} starts. */
export type StreamStart = { time: Date } | { streamSeq: number } | { all: true };

/** Options of {@link readStream}. */
export interface ReadStreamOptions {
  /** The domain whose stream is read. */
  domain: RelayDomain;
  /** Only this source's subject (default: every source). */
  source?: number;
  /** Where to start. */
  start: StreamStart;
  /** Messages fetched per pull (default 256). */
  batch?: number;
  /** Subject prefix (default `alphapulse`). */
  prefix?: string;
}

/**
 * Reads the stored payloads of a domain's stream, oldest first, from `start` up to what was stored when
 * the read began plus whatever arrived meanwhile, and ends when nothing is pending. Uses a short-lived
 * pull consumer (no acks, in memory), deleted at the end.
 */
export async function* readStream(nc: NatsConnection, options: ReadStreamOptions): AsyncGenerator<StoredPayload> {
  const prefix = options.prefix ?? DEFAULT_SUBJECT_PREFIX;
  const stream = streamName(options.domain, prefix);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const start = options.start;
  const startCfg = "time" in start
    ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
    : "streamSeq" in start
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, start.streamSeq) }
      : { deliver_policy: DeliverPolicy.All };
  const ci = await jsm.consumers.add(stream, {
    ...startCfg,
    ack_policy: AckPolicy.None,
    filter_subject: options.source === undefined ? domainSubjects(options.domain, prefix) : sourceSubject(options.domain, options.source, prefix),
    inactive_threshold: 30 * NANOS_PER_SECOND,
    mem_storage: true,
    num_replicas: 1,
  });
  try {
    if (ci.num_pending === 0) return;
    const consumer = await js.consumers.get(stream, ci.name);
    for (;;) {
      const msgs = await consumer.fetch({ max_messages: options.batch ?? 256, expires: 2000 });
      let got = 0;
      let last = -1;
      for await (const m of msgs) {
        got++;
        last = m.info.pending;
        yield { data: m.data, subject: m.subject, streamSeq: m.info.streamSequence, pending: m.info.pending, storedNanos: m.timestampNanos };
        if (last === 0) break;
      }
      if (last === 0 || got === 0) return;
    }
  } finally {
    await jsm.consumers.delete(stream, ci.name).catch(() => {});
  }
}

/** Options of {@link recoverFromJetStream}. */
export interface RecoverOptions {
  /** The domain. */
  domain: RelayDomain;
  /** The source whose range is wanted. */
  source: number;
  /** First sequence wanted. */
  from: bigint;
  /** Last sequence wanted (inclusive). */
  to: bigint;
  /** Scan start, ns since the epoch (e.g. the last message the caller has, minus a few seconds). */
  sinceNanos?: bigint;
  /** Subject prefix (default `alphapulse`). */
  prefix?: string;
  /** Most bytes to collect (default 64 MiB); a larger range is cut there (the rest is not returned). */
  maxBytes?: number;
}

/**
 * The messages of `source` with sequences `from..to` that the domain's stream still holds, in sequence
 * order, each a copy of one whole message (what expired or was never stored is simply absent: compare
 * sequences to see the holes). Never returns a message outside the range.
 *
 * @example
 * ```ts
 * const msgs = await recoverFromJetStream(nc, { domain: RelayDomain.MarketData, source: 3, from: 1000n, to: 1999n });
 * ```
 */
export async function recoverFromJetStream(nc: NatsConnection, options: RecoverOptions): Promise<Uint8Array[]> {
  const { from, to } = options;
  if (to < from) return [];
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const start: StreamStart = options.sinceNanos === undefined ? { all: true } : { time: new Date(Number(options.sinceNanos / 1_000_000n)) };
  let run: Uint8Array[] = [];
  let runBytes = 0;
  let prevSeq = 0n;
  let prevTs = 0n;
  let complete = false;
  const gen = readStream(nc, { domain: options.domain, source: options.source, start, ...(options.prefix ? { prefix: options.prefix } : {}) });
  try {
    for await (const stored of gen) {
      splitPayload(stored.data, (bytes, offset, length) => {
        if (complete || firstTlvType(bytes, offset) === TlvType.Gap) return; // an origin Gap notice, not a message
        const seq = sequenceAt(bytes, offset);
        const ts = timestampAt(bytes, offset);
        if (seq === 1n && prevSeq >= 1n && ts > prevTs) {
          // A restart (sequence 1 stamped later): a newer run begins and supersedes what was collected.
          // A re-sent old batch carries its old timestamps and is skipped as a repeat below.
          run = [];
          runBytes = 0;
        }
        prevSeq = seq;
        if (ts > prevTs) prevTs = ts;
        if (seq < from) return;
        if (seq > to) {
          if (run.length > 0 && sequenceAt(run[0]!, 0) === from && run.length === Number(to - from + 1n)) complete = true;
          return;
        }
        if (runBytes + length > maxBytes) return;
        // A resent batch may repeat sequences: keep the first copy.
        if (run.length > 0 && seq <= sequenceAt(run[run.length - 1]!, 0)) return;
        run.push(bytes.slice(offset, offset + length));
        runBytes += length;
      });
      if (complete) break;
    }
  } finally {
    await gen.return(undefined);
  }
  return run;
}

/** The newest sequence stored for `source`, or undefined when the stream holds none of it. */
export async function newestStoredSequence(jsm: JetStreamManager, domain: RelayDomain, source: number, prefix = DEFAULT_SUBJECT_PREFIX): Promise<bigint | undefined> {
  const m = await jsm.streams.getMessage(streamName(domain, prefix), { last_by_subj: sourceSubject(domain, source, prefix) });
  if (m === null) return undefined;
  let last: bigint | undefined;
  splitPayload(m.data, (bytes, offset) => {
    const seq = sequenceAt(bytes, offset);
    if (seq > (last ?? 0n)) last = seq; // an origin Gap notice has sequence 0
  });
  return last;
}

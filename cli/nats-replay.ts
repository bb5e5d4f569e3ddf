/**
 * `ap replay --from-nats <domain> --since <time|sequence>`: reads a domain's messages back from its
 * JetStream stream (the NATS bridge's retention) and writes them as a raw Protocol V2 stream to stdout
 * (a recording: `ap decode`, `ap replay FILE` read it) or, with `--to <domain>`, publishes them to that
 * relay.
 *
 * `--since` takes an RFC 3339 time (`2025-01-02T03:04:05Z`), a span back from now (`90s`, `15m`, `2h`,
 * `1d`), or a whole number: a JetStream stream sequence. `--source N` keeps one source. The read ends
 * at the newest message stored when it began (plus what arrived meanwhile), or at `--until` (same
 * forms, inclusive: the last stream sequence, or the last storage time, to read). Times are JetStream's
 * storage times, as for `--since`.
 *
 * `--speed N|max` spaces the messages as their header timestamps were spaced, divided by N (default
 * max: as fast as the output takes them), as `ap replay FILE` does; `--restamp SOURCE` gives every
 * message that source, sequences from 1, the sending time and a new checksum (a relay that has seen
 * the originals then accepts the replay). Origin Gap notices stored in the stream are skipped.
 *
 * A relay drops messages whose sequence it has already passed for their source (replay protection): a
 * replay into a live relay adds only what it had not seen; into a fresh relay, everything.
 *
 * @example
 * ```sh
 * ap replay --from-nats market-data --since 15m > last-15-minutes.bin
 * ap replay --from-nats market-data --since 2025-01-02T03:00:00Z --source 3 --to market-data --socket /tmp/test.sock
 * ```
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { connectNatsOnce, withNatsEnv, type NatsConnectOptions } from "../bridge/connect.ts";
import { readStream, type StreamStart } from "../bridge/jetstream.ts";
import { splitPayload } from "../bridge/payload.ts";
import { DEFAULT_SUBJECT_PREFIX } from "../bridge/subjects.ts";
import { HeaderOffset, TlvType, viewsOf } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { firstTlvType, isControlType, Role } from "../relay/wire/control.ts";
import { createLogger } from "../core/log.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import { CommandError } from "./command.ts";
import { EXIT_BROKEN_PIPE, StdoutWriter, stdoutIsTerminal, writeStderr } from "./io.ts";
import { clientTarget, CONNECT_OPTIONS, domainArg, intOption, parseCommandArgs } from "./relay-options.ts";
import { Pacer, parseRestamp, parseSpeed, Restamper } from "./replay-pacing.ts";

const SPAN = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A point of a stream: a stream sequence or a storage time. */
export type StreamPoint = { streamSeq: number } | { time: Date };

/** Parses a `--since`/`--until` value (`flag` names it in errors): a stream sequence, a span back from `now`, or an RFC 3339 time. */
export function parseStreamPoint(flag: string, text: string, now = Date.now()): StreamPoint {
  if (/^\d+$/.test(text)) {
    const seq = Number(text);
    if (!Number.isSafeInteger(seq) || seq < 1) throw new CommandError(`${flag} ${text}: a stream sequence must be 1 or more`, 2);
    return { streamSeq: seq };
  }
  const span = SPAN.exec(text);
  if (span) return { time: new Date(now - Number(span[1]) * UNIT_MS[span[2]!]!) };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return { time: new Date(t) };
  }
  throw new CommandError(`${flag} wants an RFC 3339 time (2025-01-02T03:04:05Z), a span (90s, 15m, 2h, 1d) or a stream sequence, got ${JSON.stringify(text)}`, 2);
}

/** Parses `--since` (see {@link parseStreamPoint}). */
export function parseSince(text: string, now = Date.now()): StreamStart {
  return parseStreamPoint("--since", text, now);
}

/**
 * Parses `--until` against the start: the same forms, and an end of the same kind before the start is
 * a usage error (exit 2).
 */
export function parseUntil(text: string, since: StreamStart, now = Date.now()): StreamPoint {
  const until = parseStreamPoint("--until", text, now);
  if ("streamSeq" in until && "streamSeq" in since && until.streamSeq < since.streamSeq) {
    throw new CommandError(`--until ${text} is before --since (stream sequence ${since.streamSeq})`, 2);
  }
  if ("time" in until && "time" in since && until.time.getTime() < since.time.getTime()) {
    throw new CommandError(`--until ${text} (${until.time.toISOString()}) is before --since (${since.time.toISOString()})`, 2);
  }
  return until;
}

/** True when a stored NATS message lies past `until`. */
function pastUntil(until: StreamPoint | undefined, streamSeq: number, storedNanos: bigint): boolean {
  if (until === undefined) return false;
  return "streamSeq" in until ? streamSeq > until.streamSeq : storedNanos > BigInt(until.time.getTime()) * 1_000_000n;
}

/** Runs `ap replay --from-nats …`; resolves to the exit code. */
export async function runNatsReplay(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...CONNECT_OPTIONS,
    "from-nats": { type: "string" }, since: { type: "string" }, until: { type: "string" }, to: { type: "string" }, source: { type: "string" },
    speed: { type: "string" }, restamp: { type: "string" },
    nats: { type: "string" }, "nats-creds": { type: "string" }, "nats-ca": { type: "string" }, "nats-cert": { type: "string" },
    "nats-key": { type: "string" }, "nats-prefix": { type: "string" },
  });
  if (positionals.length > 0) throw new CommandError(`--from-nats reads no FILE (got ${JSON.stringify(positionals[0])})`, 2);
  const domain = domainArg(typeof values["from-nats"] === "string" ? values["from-nats"] : undefined);
  if (typeof values.since !== "string") throw new CommandError("--from-nats needs --since <time|sequence>", 2);
  const now = Date.now();
  const start = parseSince(values.since, now);
  const until = typeof values.until === "string" ? parseUntil(values.until, start, now) : undefined;
  const pacer = new Pacer(parseSpeed(typeof values.speed === "string" ? values.speed : undefined, Infinity));
  const restamp = parseRestamp(values);
  const restamper = restamp >= 0 ? new Restamper(restamp) : undefined;
  const source = values.source === undefined ? undefined : intOption(values, "source", 0);
  if (source !== undefined && source > 0xffff) throw new CommandError("--source must be a u16 source id", 2);
  const toDomain = typeof values.to === "string" ? domainArg(values.to) : undefined;
  if (toDomain !== undefined && toDomain !== domain) {
    throw new CommandError(`--to ${domainName(toDomain)}: a relay accepts only its own domain's messages; these are ${domainName(domain)}`, 2);
  }
  if (toDomain === undefined && stdoutIsTerminal()) throw new CommandError("stdout is a terminal: redirect it to a file, pipe it to `ap decode`, or give --to <domain>", 2);
  const str = (k: string): string | undefined => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const tls = { ca: str("nats-ca"), cert: str("nats-cert"), key: str("nats-key") };
  const natsOptions: NatsConnectOptions = withNatsEnv({
    name: "alphapulse-replay",
    ...(str("nats") !== undefined ? { url: str("nats")! } : {}),
    ...(str("nats-creds") !== undefined ? { credsFile: str("nats-creds")! } : {}),
    ...((tls.ca ?? tls.cert ?? tls.key) !== undefined ? { tls: Object.fromEntries(Object.entries(tls).filter(([, f]) => f !== undefined)) } : {}),
  });
  const prefix = str("nats-prefix") ?? DEFAULT_SUBJECT_PREFIX;

  let nc: NatsConnection;
  try {
    nc = await connectNatsOnce(natsOptions);
  } catch (e) {
    throw new CommandError(`no NATS server answers at ${natsOptions.url ?? "nats://127.0.0.1:4222"}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  let client: RelayClient | undefined;
  const out = toDomain === undefined ? new StdoutWriter() : undefined;
  let payloads = 0;
  let messages = 0;
  let skipped = 0;
  let invalid = 0;
  let firstSeq = 0;
  let lastSeq = 0;
  try {
    if (toDomain !== undefined) {
      const target = await clientTarget(values, toDomain);
      try {
        client = await RelayClient.connect({ ...target, token: target.token ?? "", domain: toDomain, role: Role.Publisher, logger: createLogger("replay") });
      } catch (e) {
        throw new CommandError(`no relay answers: ${e instanceof Error ? e.message : String(e)}`, 1);
      }
    }
    const emit = (b: Uint8Array, o: number, l: number): void => {
      messages++;
      if (restamper !== undefined) {
        const m = restamper.apply(b, o, l);
        if (client !== undefined) client.publishFrom(m, 0, m.length);
        else out!.bytesOf(m);
      } else if (client !== undefined) {
        client.publishFrom(b, o, l);
      } else {
        out!.bytesOf(b.subarray(o, o + l));
      }
    };
    // Paced: the messages of a stored payload are emitted one by one with waits in between.
    const due: { at: number; length: number; ts: bigint }[] = [];
    const onMessage = (b: Uint8Array, o: number, l: number): void => {
      const t = firstTlvType(b, o);
      if (b[o + 5] !== domain || isControlType(t) || t === TlvType.Gap) {
        skipped++;
        return;
      }
      if (pacer.paced) due.push({ at: o, length: l, ts: viewsOf(b).dv.getBigUint64(b.byteOffset + o + HeaderOffset.timestamp, true) });
      else emit(b, o, l);
    };
    try {
      for await (const p of readStream(nc, { domain, start, prefix, ...(source !== undefined ? { source } : {}) })) {
        if (pastUntil(until, p.streamSeq, p.storedNanos)) break;
        payloads++;
        if (firstSeq === 0) firstSeq = p.streamSeq;
        lastSeq = p.streamSeq;
        invalid += splitPayload(p.data, onMessage).invalid;
        for (const d of due) {
          const wait = pacer.waitMs(d.ts);
          if (wait > 1) {
            if (out !== undefined) await out.flush(); // a relay client writes its batch on the next tick by itself
            await new Promise((r) => setTimeout(r, wait));
          }
          emit(p.data, d.at, d.length);
        }
        due.length = 0;
        if (out !== undefined) {
          await out.drain();
          if (out.closed) return EXIT_BROKEN_PIPE;
        } else if (client!.queuedBytes > 4 * 1024 * 1024) {
          await client!.flush();
        }
      }
    } catch (e) {
      if (e instanceof CommandError) throw e;
      throw new CommandError(`cannot read the ${domainName(domain)} stream: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    if (out !== undefined) await out.flush();
    else await client!.flush();
  } finally {
    await client?.close();
    await nc.close().catch(() => {});
  }
  const dropped = client?.stats.droppedOutgoing ?? 0;
  writeStderr(
    `ap replay: ${messages} messages from ${payloads} stored NATS messages` +
      (payloads > 0 ? ` (stream sequences ${firstSeq}–${lastSeq})` : "") +
      `, ${skipped} skipped${invalid ? `, ${invalid} malformed` : ""}${dropped ? `, ${dropped} dropped` : ""}` +
      (client !== undefined ? ` → ${domainName(toDomain!)} relay` : ""),
  );
  return invalid > 0 || dropped > 0 ? 1 : 0;
}

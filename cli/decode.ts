/**
 * `ap decode [FILE|-] [--json] [--no-checksum]`: a Protocol V2 byte stream (a recording, or whatever is
 * piped in) → one line per message, either a compact human line or the PROTOCOL §7 JSON form.
 *
 * The input is streamed through {@link StreamFramer} in 64 KiB chunks, never read whole. Every message
 * is fully validated (checksum included unless `--no-checksum`). The first corrupt message stops the
 * command with exit 1 and `ap decode: <Kind> at byte <stream offset> (message <n> at byte <start>): <why>`
 * on stderr; the lines of the messages before it are already on stdout. A stream that ends inside a
 * message is `Truncated at byte <start of that message>`.
 *
 * @example
 * ```sh
 * ap decode recording.bin | head
 * ap decode --json recording.bin | ap encode > copy.bin   # byte-identical copy
 * ```
 * @module
 */

import {
  ProtocolError, RELAY_DOMAIN_NAMES, StreamFramer, decodeMessage, formatDecimal, formatInstrument,
  messageToJson, tlvSpec, toHex, type InstrumentId, type Message, type Tlv, type ValidateOptions,
} from "../protocol/mod.ts";
import { CommandError, type Command } from "./command.ts";
import { EXIT_BROKEN_PIPE, StdoutWriter, openInput, parseInputArgs, stdinIsTerminal } from "./io.ts";

const USAGE = `usage: ap decode [FILE|-] [--json] [--no-checksum]

Decodes a Protocol V2 byte stream (a recording file, or stdin when FILE is - or absent) into one line
per message.

options:
  --json          print the PROTOCOL §7 JSON form, one object per line (what \`ap encode\` reads back)
  --no-checksum   do not verify message checksums (all other checks still apply)
  -h, --help      show this help

Human lines read: seq=<n> src=<source> <domain> <timestamp> <Tlv> <fields…> [| <Tlv> …], prices and sizes
as exact decimals, instruments as BASE/QUOTE@venue, nanosecond timestamps in UTC.

exit status: 0 all messages decoded; 1 corrupt or truncated input (stderr names the error kind, the byte
offset in the stream and the message number; the messages before it are printed); 2 usage error.`;

/** The `ap decode` command. */
export const decodeCommand: Command = {
  name: "decode",
  summary: "binary Protocol V2 stream → one text or JSON line per message",
  usage: USAGE,
  run: async ({ args }) => {
    const { path, flags } = parseInputArgs(args, ["json", "no-checksum"]);
    if (path === undefined && stdinIsTerminal()) {
      throw new CommandError("no input: give a FILE, or pipe a stream into stdin (see ap decode --help)", 2);
    }
    return decodeStream(openInput(path), flags.json ? jsonLine : humanLine, { verifyChecksum: !flags["no-checksum"] });
  },
};

/**
 * Decodes the stream of `chunks` to stdout, one `format(message)` line per message; returns the exit
 * code or throws a {@link CommandError} for corrupt input (after writing everything before it).
 */
async function decodeStream(
  chunks: AsyncIterable<Uint8Array>,
  format: (msg: Message) => string,
  validate: ValidateOptions,
): Promise<number> {
  const out = new StdoutWriter();
  const framer = new StreamFramer();
  let messageNumber = 1;
  let messageStart = 0;
  const onMessage = (bytes: Uint8Array, offset: number, length: number): void => {
    let msg: Message;
    try {
      msg = decodeMessage(bytes, offset, validate);
    } catch (e) {
      if (e instanceof ProtocolError) throw corruptInput(e, messageStart + Math.max(e.offset, 0), messageNumber, messageStart);
      throw e;
    }
    out.text(format(msg) + "\n");
    messageNumber++;
    messageStart += length;
  };
  try {
    for await (const chunk of chunks) {
      // Framing errors carry stream offsets already; message errors are converted in onMessage.
      try {
        framer.push(chunk, onMessage);
      } catch (e) {
        if (e instanceof ProtocolError) throw corruptInput(e, e.offset, messageNumber, messageStart);
        throw e;
      }
      await out.drain();
      if (out.closed) return EXIT_BROKEN_PIPE;
    }
  } finally {
    await out.flush();
  }
  if (framer.buffered > 0) {
    throw new CommandError(
      `Truncated at byte ${messageStart} (message ${messageNumber}): the stream ends ${framer.buffered} bytes into this message`,
      1,
    );
  }
  return out.closed ? EXIT_BROKEN_PIPE : 0;
}

function corruptInput(e: ProtocolError, at: number, messageNumber: number, messageStart: number): CommandError {
  const where = at === messageStart ? `message ${messageNumber}` : `message ${messageNumber} at byte ${messageStart}`;
  return new CommandError(`${e.kind} at byte ${at} (${where}): ${errorReason(e)}`, 1);
}

/** The "why" of a protocol error, without the kind prefix and message-relative offset its text carries. */
function errorReason(e: ProtocolError): string {
  let s = e.message;
  if (s.startsWith(`${e.kind}: `)) s = s.slice(e.kind.length + 2);
  return s.replace(/ \(at byte -?\d+\)$/, "");
}

/** The JSON form (PROTOCOL §7) of a message as one line. */
export function jsonLine(msg: Message): string {
  return JSON.stringify(messageToJson(msg));
}

/**
 * The compact human line of a message: `seq=… src=… <domain> <time> <Tlv> field=value … | <Tlv> …`.
 * i64 fields (10^8 fixed point by PROTOCOL §1) print as exact decimals, instruments as
 * `BASE/QUOTE@venue`, nanosecond timestamps as UTC ISO-8601 with 9 fractional digits.
 */
export function humanLine(msg: Message): string {
  const h = msg.header;
  const domain = RELAY_DOMAIN_NAMES[h.relayDomain as 1 | 2 | 3 | 4] ?? `domain-${h.relayDomain}`;
  const head = `seq=${h.sequence} src=${h.source} ${domain} ${formatNanos(h.timestamp)}`;
  return `${head} ${msg.tlvs.map(humanTlv).join(" | ")}`;
}

function humanTlv(tlv: Tlv): string {
  if (tlv.name === "Unknown") return `Unknown(type=${tlv.type}) hex=${toHex(tlv.bytes)}`;
  const spec = tlvSpec(tlv.type);
  const parts: string[] = [tlv.name];
  for (const [key, value] of Object.entries(tlv)) {
    if (key === "type" || key === "name" || value === undefined) continue;
    if (key === "instrument") {
      parts.push(formatInstrument(value as InstrumentId));
      continue;
    }
    const kind = spec?.fields.find((f) => f.name === key)?.kind;
    parts.push(`${key}=${humanValue(key, kind, value)}`);
  }
  return parts.join(" ");
}

const TIME_FIELD = /(Timestamp|At|validUntil)$/;

function humanValue(key: string, kind: string | undefined, value: unknown): string {
  if (typeof value === "bigint") {
    if (kind === "i64") return formatDecimal(value);
    if (TIME_FIELD.test(key)) return formatNanos(value);
    return value.toString();
  }
  if (typeof value === "string") return key === "token" ? JSON.stringify(value) : value;
  if (Array.isArray(value)) {
    return `[${value.map((v) => (isLevel(v) ? `${formatDecimal(v.size)}@${formatDecimal(v.price)}` : String(v))).join(",")}]`;
  }
  return String(value);
}

function isLevel(v: unknown): v is { price: bigint; size: bigint } {
  return typeof v === "object" && v !== null && "price" in v && "size" in v;
}

const NS_PER_S = 1_000_000_000n;
/** Last second `Date` can show (year 275760). */
const MAX_DATE_SECONDS = 8_640_000_000_000n;

/** u64 ns since the epoch as `2025-01-02T03:04:05.123456789Z`; 0 as `0` (unset); beyond `Date`'s range as the raw number. */
export function formatNanos(ns: bigint): string {
  if (ns === 0n) return "0";
  const seconds = ns / NS_PER_S;
  if (seconds > MAX_DATE_SECONDS) return `${ns}ns`;
  const iso = new Date(Number(seconds) * 1000).toISOString(); // …T03:04:05.000Z
  return `${iso.slice(0, -5)}.${(ns % NS_PER_S).toString().padStart(9, "0")}Z`;
}

/**
 * `ap encode [FILE|-] [--force]`: JSON lines in the PROTOCOL §7 form (exactly what `ap decode --json`
 * prints; blank lines skipped) → the binary Protocol V2 stream on stdout. `payloadSize` and `checksum`
 * are computed, `sequence` and `timestamp` taken from the JSON, so `ap decode --json x.bin | ap encode`
 * reproduces `x.bin` byte for byte.
 *
 * A bad line stops the command with exit 1 and `ap encode: line <n>: <field path> <why>` on stderr;
 * the messages of the lines before it are already written. Binary is never written to a terminal
 * unless `--force` is given.
 *
 * @example
 * ```sh
 * ap decode --json in.bin | jq -c 'select(.header.source == 3)' | ap encode > coinbase.bin
 * ```
 * @module
 */

import {
  MAGIC, PROTOCOL_VERSION, ProtocolError, encodeMessage, messageFromJson, typeBelongsToDomain, type Json,
  type MessageMeta, type Tlv,
} from "../protocol/mod.ts";
import { CommandError, type Command } from "./command.ts";
import { EXIT_BROKEN_PIPE, StdoutWriter, openInput, parseInputArgs, readLines, stdinIsTerminal, stdoutIsTerminal } from "./io.ts";

const USAGE = `usage: ap encode [FILE|-] [--force]

Encodes JSON lines (the form \`ap decode --json\` prints, one message per line; blank lines are skipped)
from FILE, or stdin when FILE is - or absent, into a binary Protocol V2 stream on stdout. payloadSize and
checksum are computed; sequence and timestamp are taken from the JSON.

options:
  --force      write binary even when stdout is a terminal
  -h, --help   show this help

exit status: 0 all lines encoded; 1 a bad line (stderr names the line number and the field path; the
lines before it are written); 2 usage error (including stdout being a terminal without --force).`;

/** The `ap encode` command. */
export const encodeCommand: Command = {
  name: "encode",
  summary: "JSON lines (decode --json form) → binary Protocol V2 stream on stdout",
  usage: USAGE,
  run: async ({ args }) => {
    const { path, flags } = parseInputArgs(args, ["force"]);
    if (stdoutIsTerminal() && !flags.force) {
      throw new CommandError("refusing to write binary to a terminal: redirect stdout or pass --force", 2);
    }
    if (path === undefined && stdinIsTerminal()) {
      throw new CommandError("no input: give a FILE, or pipe JSON lines into stdin (see ap encode --help)", 2);
    }
    const out = new StdoutWriter();
    try {
      for await (const { line, text } of readLines(openInput(path))) {
        if (text.trim().length === 0) continue;
        let bytes: Uint8Array;
        try {
          bytes = encodeJsonLine(text);
        } catch (e) {
          if (e instanceof LineError) throw new CommandError(`line ${line}: ${e.message}`, 1);
          throw e;
        }
        out.bytesOf(bytes);
        await out.drain();
        if (out.closed) return EXIT_BROKEN_PIPE;
      }
    } finally {
      await out.flush();
    }
    return out.closed ? EXIT_BROKEN_PIPE : 0;
  },
};

/** Why one input line could not be encoded; the message starts with the field path. */
export class LineError extends Error {
  /** @param message `<field path> <why>` */
  constructor(message: string) {
    super(message);
    this.name = "LineError";
  }
}

/**
 * Encodes one line of the JSON form to message bytes. Throws {@link LineError} naming the field path
 * (`tlvs[0].price must be …`) for anything `ap decode` would not have printed: invalid JSON, missing or
 * mistyped fields, values out of range, a magic or version other than Protocol V2's, a TLV type that
 * does not belong to the header's relay domain.
 */
export function encodeJsonLine(text: string): Uint8Array {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new LineError(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  let parsed: { meta: MessageMeta; tlvs: Tlv[] };
  try {
    parsed = messageFromJson(json);
  } catch (e) {
    throw asLineError(e);
  }
  checkFixedHeaderFields(json);
  const { meta, tlvs } = parsed;
  tlvs.forEach((tlv, i) => {
    if (!typeBelongsToDomain(tlv.type, meta.relayDomain)) {
      throw new LineError(`tlvs[${i}].type ${tlv.type} does not belong to relay domain ${meta.relayDomain}`);
    }
  });
  try {
    return encodeMessage(meta, tlvs);
  } catch (e) {
    throw locateTlvError(e, meta, tlvs);
  }
}

/** magic and version are implied by the format; when present they must be Protocol V2's. */
function checkFixedHeaderFields(json: Json): void {
  const header = (json as { header: Record<string, Json> }).header;
  if (header.magic !== undefined && header.magic !== MAGIC) {
    throw new LineError(`header.magic must be ${MAGIC} (0xdeadbeef), got ${JSON.stringify(header.magic)}`);
  }
  if (header.version !== undefined && header.version !== PROTOCOL_VERSION) {
    throw new LineError(`header.version must be ${PROTOCOL_VERSION}, got ${JSON.stringify(header.version)}`);
  }
}

function asLineError(e: unknown): LineError {
  if (!(e instanceof ProtocolError)) throw e;
  const prefix = `${e.kind}: `;
  const text = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return new LineError(e.kind === "InvalidValue" ? text : `${e.kind}: ${text}`);
}

/**
 * The TLV writer names fields by TLV name (`Trade.price = … does not fit i64`); find which TLV failed
 * and name it by its place in the line instead (`tlvs[1].price = …`).
 */
function locateTlvError(e: unknown, meta: MessageMeta, tlvs: readonly Tlv[]): LineError {
  const whole = asLineError(e);
  if (whole.message.startsWith("header.")) return whole;
  for (let i = 0; i < tlvs.length; i++) {
    const tlv = tlvs[i]!;
    try {
      encodeMessage(meta, [tlv]);
    } catch (one) {
      const err = asLineError(one);
      const named = `${tlv.name}.`;
      return new LineError(err.message.startsWith(named) ? `tlvs[${i}].${err.message.slice(named.length)}` : `tlvs[${i}]: ${err.message}`);
    }
  }
  return whole;
}

/**
 * `ap normalize`: turns a capture file (PROTOCOL §8) into Protocol V2 messages with no network, by
 * running the venue adapter's real parsing, book and gap code over it — binary messages back to back on
 * stdout (a recording stream, PROTOCOL §5), or PROTOCOL §7 JSON lines with `--json`. Header timestamps
 * are the capture's receive times, so a capture always normalises to the same bytes.
 *
 * @module
 */

import { CaptureError, readCaptureFile, type CaptureEvent } from "../adapters/common/capture.ts";
import { replayCapture } from "../adapters/common/replay.ts";
import type { MessageSink } from "../adapters/common/sink.ts";
import { decodeMessage, messageToJson } from "../protocol/mod.ts";
import { CommandError, type Command } from "./command.ts";
import { EXIT_BROKEN_PIPE, inputName, StdoutWriter, writeStderr } from "./io.ts";
import { parseCommandArgs } from "./relay-options.ts";
import { createAdapter, VENUE_OPTIONS, VENUE_USAGE, venueArg, venueOptions } from "./venue-args.ts";

const USAGE = `usage: ap normalize <venue> [FILE|-] [--json] [options]

Runs a capture (PROTOCOL §8 JSON Lines; - or no FILE reads stdin) through the venue adapter's parsing,
book and gap code, with no network, and writes the protocol messages to stdout: binary back to back, or
one PROTOCOL §7 JSON object per line with --json. A summary goes to stderr.

options:
  --json              JSON lines instead of binary
  --strict            exit 1 when any frame could not be parsed (default: counted and skipped)
  --quiet             no summary on stderr
${VENUE_USAGE}
  (with no --symbols, every symbol in the capture is normalised)
  -h, --help          show this help

exit status: 0 done; 1 unreadable capture (or parse errors with --strict); 2 usage error.`;

/** The `ap normalize` command. */
export const normalizeCommand: Command = {
  name: "normalize",
  summary: "turn a capture file into protocol messages (binary or JSON lines), offline",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, {
      ...VENUE_OPTIONS, json: { type: "boolean" }, strict: { type: "boolean" }, quiet: { type: "boolean" },
    });
    if (positionals.length < 1 || positionals.length > 2) throw new CommandError("expected <venue> [FILE|-]", 2);
    const venue = await venueArg(positionals[0]);
    const path = positionals[1] ?? "-";
    const opts = venueOptions(venue, values);
    const out = new StdoutWriter();
    const json = values.json === true;
    let messages = 0;
    const sink: MessageSink = {
      publish(bytes) {
        messages++;
        if (json) out.text(`${JSON.stringify(messageToJson(decodeMessage(bytes)))}\n`);
        else out.bytesOf(bytes);
      },
    };
    const adapter = await createAdapter(venue, { ...opts, sink, anySymbol: opts.symbols === undefined });
    const warnings: string[] = [];
    const events = readCaptureFile(path, {
      onTruncatedTail: (line, e) => warnings.push(`line ${line} is cut short and was skipped (${e.message})`),
    });
    async function* flowing(): AsyncGenerator<CaptureEvent> {
      for await (const ev of events) {
        yield ev;
        if (out.pending >= 64 * 1024) await out.drain();
        if (out.closed) return;
      }
    }
    let summary;
    try {
      summary = await replayCapture(adapter, flowing(), { pace: "fast", log: (m) => warnings.push(m) });
    } catch (e) {
      if (e instanceof CaptureError) throw new CommandError(`${inputName(path)}: ${e.message}`, 1);
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") throw new CommandError(`cannot read ${path}: ${(e as Error).message}`, 1);
      throw e;
    }
    await out.flush();
    if (out.closed) return EXIT_BROKEN_PIPE;
    const m = adapter.metrics.snapshot();
    if (!values.quiet) {
      for (const w of warnings.slice(0, 20)) writeStderr(`normalize ${venue.name}: ${w}`);
      if (warnings.length > 20) writeStderr(`normalize ${venue.name}: … ${warnings.length - 20} more notes`);
      writeStderr(
        `normalize ${venue.name}: ${summary.events} events, ${m.frames} frames → ${messages} messages; ` +
        `parse errors ${m.parseErrors}, unknown frames ${m.unknownFrames}, unknown instruments ${m.unknownInstruments}, ` +
        `gaps ${m.gaps}, resyncs ${m.resyncs}, checksum mismatches ${m.checksumMismatches}, inexact ${m.inexact}` +
        (m.lastError ? `; last error: ${m.lastError}` : ""),
      );
    }
    if (values.strict && m.parseErrors > 0) return 1;
    return 0;
  },
};

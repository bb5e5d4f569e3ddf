/**
 * `ap adapter`: runs one venue adapter as a service — live against the venue, or `--replay`ing a capture
 * at recorded pace — and publishes its Protocol V2 messages to the market-data relay (`--relay-socket`
 * or the relay connection options), or to a file / stdout when no relay is given. Metrics go to stderr
 * as a JSON line every `--metrics-every` seconds and at exit.
 *
 * @module
 */

import { createWriteStream, type WriteStream } from "node:fs";
import { CaptureError, CaptureWriter, openTextOut } from "../adapters/common/capture.ts";
import type { MessageSink } from "../adapters/common/sink.ts";
import { startVenueAdapter, type VenueRun } from "../adapters/start-venue-adapter.ts";
import { RelayDomain, SourceId, decodeMessage, messageToJson } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import { createLogger } from "../core/log.ts";
import { CommandError, type Command } from "./command.ts";
import { StdoutWriter, writeStderr } from "./io.ts";
import { CONNECT_OPTIONS, CONNECT_USAGE, clientTarget, parseCommandArgs } from "./relay-options.ts";
import { numberOption, VENUE_OPTIONS, VENUE_USAGE, venueArg, venueOptions, waitForStop } from "./venue-args.ts";

const USAGE = `usage: ap adapter <venue> [--replay FILE [--speed X] [--loop]] [--relay-socket PATH] [options]

Runs a venue adapter: live (connect, subscribe, keep books, reconnect) or replaying a capture at its
recorded pace (--replay; the same parsing, book and gap code), and publishes the messages to the
market-data relay. Without a relay (--relay-socket, --socket or --tcp), messages go to --out FILE, or
stdout (binary, or JSON lines with --json).

options:
  --replay FILE       replay this capture instead of connecting
  --speed X           replay speed factor (default 1; 10 = ten minutes of the capture a minute)
  --loop              replay the capture over and over, each pass continuing the last as the venue
                      would (trade ids, sequences, update ids, blocks, hashes, subscription ids and
                      times move on), so the adapter's gap and order checks accept every pass
  --relay-socket PATH the market-data relay's Unix socket (same as --socket)
  --out FILE          write messages to FILE instead of stdout (no relay)
  --json              JSON lines instead of binary (no relay)
  --capture FILE      also record the live session to a capture file
  --duration SECONDS  stop after this long
  --metrics-every S   metrics JSON line on stderr every S seconds (default 10; 0 = only at exit)
${VENUE_USAGE}
${CONNECT_USAGE}
  -h, --help          show this help

exit status: 0 stopped cleanly; 1 relay unreachable or bad capture; 2 usage error.`;

const SOURCE_BY_VENUE: Record<string, number> = { binance: SourceId.Binance, kraken: SourceId.Kraken, coinbase: SourceId.Coinbase };

interface Output {
  sink: MessageSink;
  close(): Promise<void>;
}

async function openOutput(values: Record<string, unknown>, serviceId: number): Promise<Output> {
  const relaySocket = values["relay-socket"];
  if (typeof relaySocket === "string" || typeof values.socket === "string" || typeof values.tcp === "string") {
    const target = await clientTarget({ ...values, socket: relaySocket ?? values.socket } as never, RelayDomain.MarketData);
    let client: RelayClient;
    try {
      client = await RelayClient.connect({
        ...target, serviceId: values["service-id"] === undefined ? serviceId : target.serviceId, token: target.token ?? "",
        domain: RelayDomain.MarketData, role: Role.Publisher, logger: createLogger("adapter"),
      });
    } catch (e) {
      throw new CommandError(`no relay answers: ${(e as Error).message}`, 1);
    }
    return { sink: client, close: async () => { await client.flush(); await client.close(); } };
  }
  const json = values.json === true;
  const out = values.out;
  if (typeof out === "string" && out !== "-") {
    const stream: WriteStream = createWriteStream(out);
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", (e) => reject(new CommandError(`cannot write ${out}: ${e.message}`, 1)));
    });
    return {
      sink: { publish: (b) => void stream.write(json ? `${JSON.stringify(messageToJson(decodeMessage(b)))}\n` : b.slice()) },
      close: () => new Promise<void>((r) => stream.end(() => r())),
    };
  }
  const writer = new StdoutWriter();
  const timer = setInterval(() => void writer.flush().catch(() => {}), 50);
  return {
    sink: { publish: (b) => (json ? writer.text(`${JSON.stringify(messageToJson(decodeMessage(b)))}\n`) : writer.bytesOf(b)) },
    close: async () => {
      clearInterval(timer);
      await writer.flush();
    },
  };
}

/** The `ap adapter` command. */
export const adapterCommand: Command = {
  name: "adapter",
  summary: "run a venue adapter (live or --replay) publishing to the market-data relay",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, {
      ...VENUE_OPTIONS, ...CONNECT_OPTIONS, replay: { type: "string" }, speed: { type: "string" }, loop: { type: "boolean" },
      "relay-socket": { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, capture: { type: "string" },
      duration: { type: "string" }, "metrics-every": { type: "string" },
    });
    if (positionals.length !== 1) throw new CommandError("expected exactly one venue", 2);
    const venue = await venueArg(positionals[0]);
    const opts = venueOptions(venue, values);
    const replayFile = typeof values.replay === "string" ? values.replay : undefined;
    const speed = numberOption(values, "speed") ?? 1;
    const durationS = numberOption(values, "duration");
    const metricsEvery = values["metrics-every"] === "0" ? 0 : numberOption(values, "metrics-every") ?? 10;
    const output = await openOutput(values, SOURCE_BY_VENUE[venue.name] ?? SourceId.ReplayFirst);
    let run: VenueRun;
    let capture: CaptureWriter | undefined;
    if (!replayFile && typeof values.capture === "string") {
      try {
        capture = new CaptureWriter(await openTextOut(values.capture));
      } catch (e) {
        throw new CommandError(`cannot write ${values.capture}: ${(e as Error).message}`, 1);
      }
    }
    try {
      run = await startVenueAdapter({
        ...opts, venue: venue.name, sink: output.sink, replay: replayFile, loop: values.loop === true, speed, capture,
        log: (m) => writeStderr(`adapter ${venue.name}: ${m}`),
      });
    } catch (e) {
      if (e instanceof RangeError) throw new CommandError(e.message, 2);
      throw e;
    }
    const adapter = run.adapter;
    const report = (final: boolean): void =>
      writeStderr(JSON.stringify({ adapter: venue.name, final, mode: replayFile ? "replay" : "live", metrics: adapter.metrics.snapshot() }));
    const metricsTimer = metricsEvery > 0 ? setInterval(() => report(false), metricsEvery * 1000) : undefined;
    let reason: string;
    try {
      reason = await waitForStop({ durationMs: durationS && durationS * 1000, done: replayFile ? run.done.catch(() => {}) : undefined });
      await run.stop();
      await run.done.catch((e) => {
        if (e instanceof CaptureError) throw new CommandError(`${replayFile}: ${e.message}`, 1);
        const code = (e as { code?: string }).code;
        if (code === "ENOENT" || code === "EACCES") throw new CommandError(`cannot read ${replayFile}: ${(e as Error).message}`, 1);
        throw e;
      });
      await capture?.close();
    } finally {
      if (metricsTimer !== undefined) clearInterval(metricsTimer);
      await output.close();
    }
    report(true);
    writeStderr(`adapter ${venue.name}: stopped (${reason})`);
    return 0;
  },
};

/**
 * `ap replay FILE --to <domain>`: publishes a recording to a relay, paced by the messages' header
 * timestamps (`--speed N` times faster, or `max`).
 *
 * Bytes are sent as recorded. With `--restamp SOURCE` every message gets that source, a fresh sequence
 * from 1, the time it is sent as its timestamp and a new checksum, so a relay that has already seen the recorded sources accepts the replay.
 *
 * @example
 * ```sh
 * ap replay md-2025-01-01.bin --to market-data --speed 10
 * ap replay md.bin --to market-data --speed max --restamp 90
 * ```
 * @module
 */

import { HeaderOffset, ProtocolError, StreamFramer, TlvType, validateMessage, viewsOf } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { firstTlvType, isControlType, Role } from "../relay/wire/control.ts";
import { createLogger } from "../core/log.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import { CommandError, type Command } from "./command.ts";
import { openInput, writeStderr } from "./io.ts";
import { NATS_REPLAY_USAGE } from "./nats-replay-usage.ts";
import { clientTarget, CONNECT_OPTIONS, CONNECT_USAGE, domainArg, flushOrFail, parseCommandArgs } from "./relay-options.ts";
import { reportRefusals } from "./refusal-report.ts";
import { Pacer, parseRestamp, parseSpeed, Restamper } from "./replay-pacing.ts";

const USAGE = `usage: ap replay FILE --to <domain> [--speed N|max] [--restamp SOURCE] [options]

Publishes the messages of a recording (a raw Protocol V2 stream) to the domain's relay, spacing them
as their header timestamps were spaced, divided by --speed (default 1; max = as fast as the relay
takes them). Control messages and Gap notices in the recording are skipped, as are messages of other
domains (counted on stderr).

options:
  --to DOMAIN         the relay to publish to
  --speed N|max       pace factor (a positive number) or max
  --restamp SOURCE    rewrite source to SOURCE, sequences to 1, 2, … and timestamps to the send time
                      (checksums recomputed)
${CONNECT_USAGE}
  -h, --help          show this help

${NATS_REPLAY_USAGE}

After sending it waits (up to 10 s) for the relay's account of the messages and prints how many it
accepted and refused, per reason (e.g. sourceOwned: another connection publishes that source;
duplicate: the relay has seen those sequences — --restamp sends them as a new source).

exit status: 0 replayed (some may have been refused: see stderr); 1 bad recording, relay unreachable,
or the relay refused every message; 2 usage error.`;

const MAX_QUEUED = 4 * 1024 * 1024;

/** The `ap replay` command. */
export const replayCommand: Command = {
  name: "replay",
  summary: "replay a recording into a relay, paced by header timestamps",
  usage: USAGE,
  run: async ({ args }) => {
    if (args.some((a) => a === "--from-nats" || a.startsWith("--from-nats="))) return (await import("./nats-replay.ts")).runNatsReplay(args);
    const { values, positionals } = parseCommandArgs(args, {
      ...CONNECT_OPTIONS, to: { type: "string" }, speed: { type: "string" }, restamp: { type: "string" },
    });
    if (positionals.length !== 1) throw new CommandError("expected exactly one recording FILE", 2);
    const file = positionals[0]!;
    const domain = domainArg(typeof values.to === "string" ? values.to : undefined);
    const pacer = new Pacer(parseSpeed(typeof values.speed === "string" ? values.speed : undefined));
    const restamp = parseRestamp(values);
    const restamper = restamp >= 0 ? new Restamper(restamp) : undefined;
    const target = await clientTarget(values, domain);
    let client: RelayClient;
    try {
      client = await RelayClient.connect({ ...target, token: target.token ?? "", domain, role: Role.Publisher, logger: createLogger("replay") });
    } catch (e) {
      throw new CommandError(`no relay answers: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    let sent = 0;
    let skipped = 0;
    let index = 0;
    const framer = new StreamFramer();
    const due: { bytes: Uint8Array; ts: bigint }[] = [];
    try {
      for await (const chunk of openInput(file)) {
        try {
          framer.push(chunk, (b, o, l) => {
            index++;
            const err = validateMessage(b, o, l);
            if (err) throw new CommandError(`${file} message ${index}: ${err.message}`, 1);
            const t = firstTlvType(b, o);
            if (b[o + 5] !== domain || isControlType(t) || t === TlvType.Gap) {
              skipped++;
              return;
            }
            const ts = viewsOf(b).dv.getBigUint64(b.byteOffset + o + HeaderOffset.timestamp, true);
            due.push({ bytes: b.subarray(o, o + l), ts });
          });
        } catch (e) {
          if (e instanceof ProtocolError) throw new CommandError(`${file}: ${e.message}`, 1);
          throw e;
        }
        for (const d of due) {
          const wait = pacer.waitMs(d.ts);
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          client.publish(restamper !== undefined ? restamper.apply(d.bytes, 0, d.bytes.length) : d.bytes);
          sent++;
          if (client.queuedBytes > MAX_QUEUED) await flushOrFail(client);
        }
        due.length = 0;
      }
      if (framer.buffered > 0) throw new CommandError(`${file}: recording ends inside a message (Truncated)`, 1);
      await flushOrFail(client);
      writeStderr(`ap replay: ${sent} messages sent, ${skipped} skipped${client.stats.droppedOutgoing ? `, ${client.stats.droppedOutgoing} dropped` : ""}`);
      const hint = restamper === undefined
        ? `--restamp SOURCE (90–99) sends them as a new source with fresh sequences: ap replay ${file} --to ${domainName(domain)} --restamp 90`
        : undefined;
      const outcome = await reportRefusals(client, sent - client.stats.droppedOutgoing, hint);
      for (const line of outcome.lines) writeStderr(`ap replay: ${line}`);
      return client.stats.droppedOutgoing > 0 ? 1 : outcome.exitCode;
    } finally {
      await client.close();
    }
  },
};



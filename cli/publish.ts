/**
 * `ap publish <domain> [FILE|-]`: publishes a Protocol V2 byte stream (or JSON lines with `--json`) to a
 * relay, message by message, the exact bytes; exits once everything is handed to the relay.
 *
 * @example
 * ```sh
 * ap encode trades.jsonl | ap publish market-data
 * ap publish market-data --json trades.jsonl
 * ```
 * @module
 */

import { encodeJsonMessage, ProtocolError, StreamFramer, validateMessage, type Json } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import { createLogger } from "../core/log.ts";
import { CommandError, type Command } from "./command.ts";
import { inputName, openInput, readLines, writeStderr } from "./io.ts";
import { reportRefusals } from "./refusal-report.ts";
import { clientTarget, CONNECT_OPTIONS, CONNECT_USAGE, domainArg, flushOrFail, parseCommandArgs } from "./relay-options.ts";

const USAGE = `usage: ap publish <domain> [FILE|-] [--json] [options]

Publishes each message of a Protocol V2 stream (a recording, \`ap encode\` output; stdin when FILE is -
or absent) to the domain's relay, byte for byte. With --json the input is JSON lines in the form
\`ap decode --json\` prints. Every message is validated first; the first bad one stops the command.

options:
  --json              input is JSON lines (PROTOCOL §7), encoded before publishing
${CONNECT_USAGE}
  -h, --help          show this help

Then it waits (up to 10 s) for the relay's account of the messages; refusals are printed on stderr
per reason (sourceOwned, duplicate, foreignSource, sequenceJump, invalid, …).

exit status: 0 published (refusals, if some, on stderr); 1 bad input, relay unreachable, or the relay
refused every message; 2 usage error.`;

/** Bytes queued in the client before reading more input waits for the relay. */
const MAX_QUEUED = 4 * 1024 * 1024;

/** The `ap publish` command. */
export const publishCommand: Command = {
  name: "publish",
  summary: "publish a message stream (binary or JSON lines) to a relay",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECT_OPTIONS, json: { type: "boolean" } });
    if (positionals.length < 1 || positionals.length > 2) throw new CommandError("expected <domain> [FILE|-]", 2);
    const domain = domainArg(positionals[0]);
    const path = positionals[1];
    const target = await clientTarget(values, domain);
    let client: RelayClient;
    try {
      client = await RelayClient.connect({
        ...target, token: target.token ?? "", domain, role: Role.Publisher, logger: createLogger("publish"),
      });
    } catch (e) {
      throw new CommandError(`no relay answers at ${describe(target.endpoint)}: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    let count = 0;
    const check = (bytes: Uint8Array, offset: number, length: number, where: string): void => {
      const err = validateMessage(bytes, offset, length);
      if (err) throw new CommandError(`${where}: ${err.message}`, 1);
      if (bytes[offset + 5] !== domain) throw new CommandError(`${where}: message is for relay domain ${bytes[offset + 5]}, not ${domain}`, 1);
    };
    try {
      if (values.json) {
        for await (const { line, text } of readLines(openInput(path))) {
          if (text.trim() === "") continue;
          let bytes: Uint8Array;
          try {
            bytes = encodeJsonMessage(JSON.parse(text) as Json);
          } catch (e) {
            throw new CommandError(`${inputName(path)} line ${line}: ${e instanceof Error ? e.message : String(e)}`, 1);
          }
          check(bytes, 0, bytes.length, `${inputName(path)} line ${line}`);
          client.publish(bytes);
          count++;
          if (client.queuedBytes > MAX_QUEUED) await flushOrFail(client);
        }
      } else {
        const framer = new StreamFramer();
        for await (const chunk of openInput(path)) {
          try {
            framer.push(chunk, (b, o, l) => {
              check(b, o, l, `${inputName(path)} message ${count + 1}`);
              client.publishFrom(b, o, l);
              count++;
            });
          } catch (e) {
            if (e instanceof ProtocolError) throw new CommandError(`${inputName(path)}: ${e.message}`, 1);
            throw e;
          }
          if (client.queuedBytes > MAX_QUEUED) await flushOrFail(client);
        }
        if (framer.buffered > 0) throw new CommandError(`${inputName(path)}: stream ends inside a message (Truncated)`, 1);
      }
      await flushOrFail(client);
      if (client.stats.droppedOutgoing > 0) throw new CommandError(`${client.stats.droppedOutgoing} of ${count} messages were dropped (relay unreachable)`, 1);
      const outcome = await reportRefusals(client, count,
        "ap replay FILE --to DOMAIN --speed max --restamp SOURCE (90–99) sends a recording as a new source with fresh sequences");
      if (outcome.exitCode !== 0 || client.refusals.refusedTotal > 0) for (const line of outcome.lines) writeStderr(`ap publish: ${line}`);
      return outcome.exitCode;
    } finally {
      await client.close();
    }
  },
};

function describe(e: { kind: string; path?: string; host?: string; port?: number }): string {
  return e.kind === "unix" ? e.path! : `${e.host}:${e.port}`;
}

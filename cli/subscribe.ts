/**
 * `ap subscribe <domain>`: prints what a relay delivers — the raw stream on stdout (pipe it to
 * `ap decode`) or, with `--json`, one PROTOCOL §7 JSON object per line.
 *
 * @example
 * ```sh
 * ap subscribe market-data --types 1,2 --json | head
 * ap subscribe execution | ap decode
 * ```
 * @module
 */

import process from "node:process";
import { decodeMessage, messageToJson } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import { createLogger } from "../core/log.ts";
import { CommandError, type Command } from "./command.ts";
import { EXIT_BROKEN_PIPE, StdoutWriter } from "./io.ts";
import { clientTarget, CONNECT_OPTIONS, CONNECT_USAGE, domainArg, intOption, parseCommandArgs, type Parsed } from "./relay-options.ts";

const USAGE = `usage: ap subscribe <domain> [--types 1,2] [--json] [--count N] [options]

Subscribes to the domain's relay and writes every message it delivers to stdout: the raw Protocol V2
stream (readable by \`ap decode\`), or JSON lines with --json. Stops on SIGINT/SIGTERM or after --count.

options:
  --types LIST        only these TLV types (comma-separated numbers; default: all of the domain)
  --json              one PROTOCOL §7 JSON object per line instead of raw bytes
  --count N           stop after N messages
${CONNECT_USAGE}
  -h, --help          show this help

exit status: 0 stopped; 1 relay unreachable; 2 usage error; 141 stdout closed.`;

/** Parses `--types 1,2,…` into TLV type numbers. */
export function typesOption(values: Parsed["values"]): number[] {
  const t = values.types;
  if (typeof t !== "string") return [];
  const types = t.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const out: number[] = [];
  for (const s of types) {
    if (!/^\d+$/.test(s) || Number(s) > 254) throw new CommandError(`--types wants TLV type numbers 0–254, got ${JSON.stringify(s)}`, 2);
    out.push(Number(s));
  }
  return out;
}

/**
 * Runs a subscription until a signal, `count` messages, or `stop` resolves; calls `onMessage` for each
 * message (zero-copy). Shared by `subscribe` and `record`.
 */
export async function runSubscription(
  args: readonly string[],
  extraOptions: Record<string, { type: "string" | "boolean" }>,
  name: string,
  start: (values: Parsed["values"]) => { onMessage: (bytes: Uint8Array, offset: number, length: number) => void; drain: () => Promise<void>; finish: () => Promise<void>; stopped: () => boolean },
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONNECT_OPTIONS, types: { type: "string" }, count: { type: "string" }, ...extraOptions });
  if (positionals.length !== 1) throw new CommandError("expected exactly one domain", 2);
  const domain = domainArg(positionals[0]);
  const target = await clientTarget(values, domain);
  const types = typesOption(values);
  const limit = intOption(values, "count", 0);
  const sink = start(values);
  let client: RelayClient;
  try {
    client = await RelayClient.connect({
      ...target, token: target.token ?? "", domain, role: Role.Subscriber, types, logger: createLogger(name),
    });
  } catch (e) {
    throw new CommandError(`no relay answers: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let draining = false;
  client.onMessage((bytes, offset, length) => {
    if (limit > 0 && seen >= limit) return;
    seen++;
    sink.onMessage(bytes, offset, length);
    if ((limit > 0 && seen >= limit) || sink.stopped()) done();
    else if (!draining) {
      draining = true;
      queueMicrotask(() => {
        void sink.drain().then(() => {
          draining = false;
          if (sink.stopped()) done();
        });
      });
    }
  });
  const onSignal = (): void => done();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await finished;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await client.close(0);
  await sink.finish();
  return sink.stopped() ? EXIT_BROKEN_PIPE : 0;
}

/** The `ap subscribe` command. */
export const subscribeCommand: Command = {
  name: "subscribe",
  summary: "print what a relay delivers (raw stream or JSON lines)",
  usage: USAGE,
  run: ({ args }) =>
    runSubscription(args, { json: { type: "boolean" } }, "subscribe", (values) => {
      const out = new StdoutWriter();
      const json = values.json === true;
      return {
        onMessage(bytes, offset, length) {
          if (json) {
            try {
              out.text(JSON.stringify(messageToJson(decodeMessage(bytes, offset))) + "\n");
            } catch (e) {
              process.stderr.write(`ap subscribe: undecodable message skipped: ${e instanceof Error ? e.message : String(e)}\n`);
            }
          } else {
            out.bytesOf(bytes.subarray(offset, offset + length));
          }
        },
        drain: () => out.flush(),
        finish: () => out.flush(),
        stopped: () => out.closed,
      };
    }),
};

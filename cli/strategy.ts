/**
 * `ap strategy <name> --in MARKET.bin --out SIGNALS.bin [--config FILE] [--stats]`: runs a strategy over
 * a recording (the backtest path). `ap strategy --module FILE …` runs a strategy of your own instead (a
 * module implementing trading/strategies/contract.ts; docs/STRATEGIES.md). Deterministic: signal ids and timestamps derive from the input, so
 * the same recording and config always give the same bytes. `ap strategy --help` lists the strategies.
 *
 * Exit status: 0 when every input message was valid; 1 for a bad config, an unreadable input, invalid or
 * truncated messages or a strategy error (the output still holds every signal produced); 2 for bad usage.
 *
 * @module
 */

import process from "node:process";
import { FileSink } from "../trading/strategies/file-sink.ts";
import { StrategyConfigError } from "../trading/config.ts";
import type { MessageSink } from "../trading/strategies/contract.ts";
import { existsSync } from "node:fs";
import { StrategyModuleError, isModulePath } from "../trading/strategies/plugin-loader.ts";
import { STRATEGIES, buildStrategy, loadStrategy, strategyEntry, strategyNames } from "../trading/strategies/registry.ts";
import { loadYamlConfig } from "../trading/config.ts";
import * as v from "valibot";
import { MessageRunner } from "../trading/strategies/message-runner.ts";
import { CommandError, type Command, type CommandContext } from "./command.ts";
import { StdoutWriter, inputName, openInput } from "./io.ts";

const usage = [
  "usage: ap strategy <name> --in MARKET.bin --out SIGNALS.bin [--config FILE] [--stats]",
  "       ap strategy --module FILE --in MARKET.bin --out SIGNALS.bin [--config FILE] [--stats]",
  "",
  "Runs a strategy over a recording of Protocol V2 messages and writes its signal messages.",
  "The run is deterministic: the same input and config give exactly the same output bytes.",
  "",
  "  --in FILE       input recording (`-` for stdin)",
  "  --out FILE      output file for signal messages (`-` for stdout)",
  "  --config FILE   YAML config of the strategy (defaults when absent)",
  "  --module FILE   a strategy of your own (.ts/.js/.mjs file or package; docs/STRATEGIES.md) instead of <name>",
  "  --stats         print the strategy's counters as JSON on stderr",
  "",
  "strategies:",
  ...STRATEGIES.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`),
].join("\n");

interface Options {
  /** Built-in name, or `undefined` with `module`. */
  name: string | undefined;
  module?: string;
  input: string;
  output: string;
  config?: string;
  stats: boolean;
}

function parseArgs(args: readonly string[]): Options {
  let name: string | undefined;
  let input: string | undefined;
  let output: string | undefined;
  let config: string | undefined;
  let module: string | undefined;
  let stats = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new CommandError(`${a} needs a value`, 2);
      return v;
    };
    if (a === "--in") input = value();
    else if (a === "--out") output = value();
    else if (a === "--config") config = value();
    else if (a === "--module") module = value();
    else if (a === "--stats") stats = true;
    else if (a.startsWith("-") && a !== "-") throw new CommandError(`unknown option ${a}; ap strategy --help lists them`, 2);
    else if (name === undefined) name = a;
    else throw new CommandError(`unexpected argument ${JSON.stringify(a)}`, 2);
  }
  if (name !== undefined && module !== undefined) throw new CommandError("give a strategy name or --module, not both", 2);
  if (name === undefined && module === undefined) throw new CommandError(`which strategy? one of: ${strategyNames().join(", ")}, or --module FILE`, 2);
  if (name !== undefined && strategyEntry(name) === undefined) throw new CommandError(`unknown strategy ${JSON.stringify(name)}; one of: ${strategyNames().join(", ")}`, 2);
  if (input === undefined) throw new CommandError("--in FILE is required", 2);
  if (output === undefined) throw new CommandError("--out FILE is required", 2);
  return { name, module, input, output, config, stats };
}

async function run(ctx: CommandContext): Promise<number> {
  const opts = parseArgs(ctx.args);
  let strategy;
  try {
    if (opts.name !== undefined) strategy = await loadStrategy(opts.name, opts.config);
    else {
      // The module resolves against the working directory; its config file is plain YAML, checked by the module's schema.
      const raw = opts.config === undefined ? {} : await loadYamlConfig(opts.config, v.record(v.string(), v.unknown()));
      // On the command line a name that is an existing file means that file (`examples/x.ts`), not a package.
      const module = !isModulePath(opts.module!) && existsSync(opts.module!) ? `./${opts.module}` : opts.module;
      strategy = await buildStrategy({ module }, raw, { configDir: ".", configFile: opts.config ?? "<defaults>" });
    }
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new CommandError(`config ${e.message}`, 1);
    if (e instanceof StrategyModuleError) throw new CommandError(e.message, 1);
    throw e;
  }
  let fileSink: FileSink | undefined;
  let stdout: StdoutWriter | undefined;
  let sink: MessageSink;
  if (opts.output === "-") {
    const out = new StdoutWriter();
    stdout = out;
    sink = { publish: (bytes) => out.bytesOf(bytes) };
  } else {
    try {
      fileSink = FileSink.create(opts.output);
    } catch (e) {
      throw new CommandError(`cannot write ${opts.output}: ${(e as Error).message}`, 1);
    }
    sink = fileSink;
  }
  strategy.connect(sink);
  const runner = new MessageRunner((view) => strategy.onMarketData(view));
  try {
    for await (const chunk of openInput(opts.input)) {
      runner.push(chunk);
      if (stdout !== undefined) await stdout.drain();
    }
  } finally {
    fileSink?.close();
    await stdout?.flush();
  }
  const s = runner.stats;
  const problems: string[] = [];
  if (s.invalid > 0 || s.framingErrors > 0) problems.push(`${s.invalid + s.framingErrors} invalid message(s), first: ${s.firstInvalid}`);
  if (runner.trailingBytes > 0) problems.push(`input ends inside a message (${runner.trailingBytes} bytes left over)`);
  if (s.handlerErrors > 0) problems.push(`${s.handlerErrors} message(s) failed in the strategy, first: ${s.firstHandlerError}`);
  process.stderr.write(`ap strategy ${opts.name ?? strategy.name}: ${s.messages} messages from ${inputName(opts.input)}, ${s.produced} signals\n`);
  if (opts.stats) process.stderr.write(JSON.stringify({ runner: s, strategy: strategy.stats() }) + "\n");
  if (problems.length > 0) throw new CommandError(problems.join("; "), 1);
  return 0;
}

/** The `strategy` command. */
export const strategyCommand: Command = {
  name: "strategy",
  summary: "run a strategy over a recording: market data in, signal messages out (backtest)",
  usage,
  run,
};

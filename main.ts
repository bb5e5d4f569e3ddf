#!/usr/bin/env node
/**
 * `ap`: the AlphaPulse command line. Runs the same on Node (`npx tsx main.ts <command>`) and Deno
 * (`deno run -A main.ts <command>`); `ap --help` lists the commands. The runtime is chosen here, once:
 * the platform of `app/platform/` is installed before any command runs.
 *
 * @module
 */

import process from "node:process";
import { selectPlatform } from "./app/platform/select.ts";
import { CommandError, type Command } from "./cli/command.ts";
import { installPlatform } from "./core/platform.ts";

/** Lazily loaded commands: name → loader. Add a command by adding a line here. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  decode: async () => (await import("./cli/decode.ts")).decodeCommand,
  encode: async () => (await import("./cli/encode.ts")).encodeCommand,
  start: async () => (await import("./cli/start.ts")).startCommand,
  service: async () => (await import("./cli/service.ts")).serviceCommand,
  relay: async () => (await import("./cli/relay.ts")).relayCommand,
  publish: async () => (await import("./cli/publish.ts")).publishCommand,
  subscribe: async () => (await import("./cli/subscribe.ts")).subscribeCommand,
  record: async () => (await import("./cli/record.ts")).recordCommand,
  replay: async () => (await import("./cli/replay.ts")).replayCommand,
  bench: async () => (await import("./cli/bench.ts")).benchCommand,
  strategy: async () => (await import("./cli/strategy.ts")).strategyCommand,
  capture: async () => (await import("./cli/capture.ts")).captureCommand,
  normalize: async () => (await import("./cli/normalize.ts")).normalizeCommand,
  adapter: async () => (await import("./cli/adapter.ts")).adapterCommand,
  "kill-switch": async () => (await import("./cli/kill-switch.ts")).killSwitchCommand,
  import: async () => (await import("./cli/import.ts")).importCommand,
  backtest: async () => (await import("./cli/backtest.ts")).backtestCommand,
};

async function printHelp(): Promise<void> {
  const lines = ["usage: ap <command> [options]", "", "commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const cmd = await load();
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  lines.push("", "ap <command> --help shows a command's options.");
  process.stdout.write(lines.join("\n") + "\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    await printHelp();
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`ap: unknown command ${JSON.stringify(name)}; ap --help lists the commands\n`);
    return 2;
  }
  const cmd = await load();
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(cmd.usage.endsWith("\n") ? cmd.usage : cmd.usage + "\n");
    return 0;
  }
  try {
    return await cmd.run({ args });
  } catch (e) {
    if (e instanceof CommandError) {
      process.stderr.write(`ap ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

installPlatform(selectPlatform()); // the runtime is chosen here, once, for every layer below
process.exitCode = await main(process.argv.slice(2));

/**
 * `ap bench <name> [options]`: runs a benchmark. The benchmarks live in `bench/` with their own entry
 * (`bench/main.ts`) and are not part of the built CLI: from a source checkout this command spawns that entry
 * on the same runtime (`node --import tsx` or `deno run -A`), passing the arguments, the standard streams and
 * the exit code through; from the build (`dist/`) it says how to run them (`npm run bench -- <name>`).
 *
 * @example
 * ```sh
 * ap bench relay --seconds 3 --json
 * ```
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { apInvocation, RUNNING_BUILT } from "../runtime/process/invocation.ts";
import { CommandError, type Command } from "./command.ts";

/** Where the benchmarks' entry is in a source checkout. */
const BENCH_MAIN = fileURLToPath(new URL("../bench/main.ts", import.meta.url));

/** What the built CLI says instead of running a benchmark. */
export const BUILT_MESSAGE =
  "benchmarks are not part of the built CLI; from a source checkout run `npm run bench -- <name> [options]` (`npm run bench -- --help` lists them)";

const USAGE = `usage: ap bench <name> [options]

Runs the benchmark <name> from bench/ (relay, e2e, nats, stress) in a child process on this runtime;
\`ap bench\` without a name lists them with their options. From a source checkout only: the built CLI
does not carry the benchmarks (run \`npm run bench -- <name>\` there).`;

/** Spawns `bench/main.ts` with `args` on this runtime; resolves to its exit code (128 + n when killed by signal n). */
async function runBenchEntry(args: readonly string[]): Promise<number> {
  const { command, args: lead } = apInvocation(BENCH_MAIN, false);
  const child = spawn(command, [...lead, ...args], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", (e) => reject(new CommandError(`cannot start ${command} for ${BENCH_MAIN}: ${e.message}`, 1)));
      child.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1)));
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

/** The `ap bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "run a benchmark (relay, e2e, nats, stress; source checkout only)",
  usage: USAGE,
  run: async ({ args }) => {
    if (RUNNING_BUILT || !existsSync(BENCH_MAIN)) throw new CommandError(BUILT_MESSAGE, 2);
    return runBenchEntry(args);
  },
};

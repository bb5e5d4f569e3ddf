#!/usr/bin/env node
/**
 * The benchmarks' entry: `npm run bench -- <name> [options]` (or `deno run -A bench/main.ts <name>`; from a
 * source checkout `ap bench <name>` spawns this file). Each benchmark is a module under `bench/` that exports
 * `run(args): Promise<number>` and `summary`; add one by adding a line to {@link BENCHES} and {@link OPTIONS}.
 *
 * Exit codes: 2 for a missing or unknown benchmark name, otherwise the benchmark's own (0 pass, 1 fail).
 *
 * @example
 * ```sh
 * npm run bench -- relay --seconds 3 --json
 * ```
 * @module
 */

import process from "node:process";
import { installRuntimePlatform } from "../app/platform/select.ts";

installRuntimePlatform(); // the benchmarks' entry: the runtime is chosen here, once (threads need it)

/** A benchmark module's shape. */
export interface BenchModule {
  /** One line for the usage text. */
  readonly summary: string;
  /** Runs the benchmark with its own arguments; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Benchmarks by name, loaded lazily. Add a line per benchmark. */
export const BENCHES: Readonly<Record<string, () => Promise<BenchModule>>> = {
  relay: () => import("./relay.ts"),
  e2e: () => import("./e2e.ts"),
  nats: () => import("./nats-bridge.ts"),
  stress: () => import("./stress.ts"),
  backtest: () => import("./backtest.ts"),
};

/** One usage line per benchmark (add one with each entry of {@link BENCHES}). */
const OPTIONS: Readonly<Record<string, string>> = {
  relay: "[--json] [--seconds N] [--subscribers 1,2,4] [--rate N] [--no-nats] [--deployment processes,threads] [--rounds N] [--spin-us 0,20] [--ring-bytes N]   relay vs nats-server",
  nats: "[--json] [--seconds N] [--rate N] [--systems nats,nats-unbatched,tls-link]   NATS bridge vs TLS relay link",
  stress: "[--json] [--seconds N] [--publishers N] [--fast N] [--slow N] [--slow-us N] [--queue-bytes N] [--ring-bytes N] [--overflow-ms N]   every message accounted per source, RSS",
  backtest: "[--json] [--messages N] [--rounds N] [--data DIR]   backtest msgs/s (momentum+planner+risk+paper+portfolio) vs bare decode, tardis data",
};

/** Usage text: how to call, and one line per benchmark. */
export const USAGE = `usage: ap bench <name> [options]     (from a source checkout)
       npm run bench -- <name> [options]

benchmarks:
${Object.keys(BENCHES).map((n) => `  ${n} ${OPTIONS[n] ?? ""}`).join("\n")}`;

/** Exit code of a missing or unknown benchmark name. */
export const USAGE_EXIT = 2;

/** Runs the benchmark named by `argv[0]` with the rest; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const names = Object.keys(BENCHES).join(", ");
  if (name === undefined) {
    process.stderr.write(`ap bench: missing benchmark name: one of ${names}\n`);
    return USAGE_EXIT;
  }
  const load = BENCHES[name];
  if (!load) {
    process.stderr.write(`ap bench: unknown benchmark ${JSON.stringify(name)}: one of ${names}\n`);
    return USAGE_EXIT;
  }
  const bench = await load();
  try {
    return await bench.run(rest);
  } catch (e) {
    // Bad options (node:util parseArgs) are usage errors: say so, with the benchmark's options.
    if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS_")) {
      process.stderr.write(`ap bench ${name}: ${(e as Error).message}\nusage: ap bench ${name} ${OPTIONS[name] ?? ""}\n`);
      return USAGE_EXIT;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));

/**
 * `ap bench <name> [options]`: runs a named benchmark. Each benchmark is a module under `bench/` that
 * exports `run(args): Promise<number>` and `summary`; add one by adding a line to {@link BENCHES}.
 *
 * @example
 * ```sh
 * ap bench relay --seconds 3 --json
 * ```
 * @module
 */

import { CommandError, type Command } from "./command.ts";

/** A benchmark module's shape. */
export interface BenchModule {
  /** One line for `ap bench --help`. */
  readonly summary: string;
  /** Runs the benchmark with its own arguments; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Benchmarks by name, loaded lazily. Add a line per benchmark. */
const BENCHES: Record<string, () => Promise<BenchModule>> = {
  relay: () => import("../bench/relay.ts"),
  e2e: () => import("../bench/e2e.ts"),
  nats: () => import("../bench/nats-bridge.ts"),
  stress: () => import("../bench/stress.ts"),
};

/** One usage line per benchmark (add one with each entry of BENCHES). */
const OPTIONS: Record<string, string> = {
  relay: "[--json] [--seconds N] [--subscribers 1,2,4] [--rate N] [--no-nats]   relay vs nats-server",
  nats: "[--json] [--seconds N] [--rate N] [--systems nats,nats-unbatched,tls-link]   NATS bridge vs TLS relay link",
  stress: "[--json] [--seconds N] [--publishers N] [--fast N] [--slow N] [--slow-us N] [--queue-bytes N] [--ring-bytes N] [--overflow-ms N]   every message accounted per source, RSS",
};

const USAGE = `usage: ap bench <name> [options]

benchmarks:
${Object.keys(BENCHES).map((n) => `  ${n} ${OPTIONS[n] ?? ""}`).join("\n")}`;

/** The `ap bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "run a benchmark (relay, …)",
  usage: USAGE,
  run: async ({ args }) => {
    const [name, ...rest] = args;
    if (name === undefined) throw new CommandError(`missing benchmark name: one of ${Object.keys(BENCHES).join(", ")}`, 2);
    const load = BENCHES[name];
    if (!load) throw new CommandError(`unknown benchmark ${JSON.stringify(name)}: one of ${Object.keys(BENCHES).join(", ")}`, 2);
    return (await load()).run(rest);
  },
};

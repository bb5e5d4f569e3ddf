/**
 * The command-line options and runtime facts every tinybench benchmark here shares: `--json`,
 * `--time <ms>` per task, `--clock wall|cpu`, `--rounds <n>`, and which runtime (and V8) is measuring.
 *
 * `--clock cpu` times tasks by this process's CPU time (user + system) instead of wall time: on a
 * shared, loaded machine it is far steadier, while a wall-clock run also counts time spent waiting
 * for a core.
 *
 * @example
 * ```ts
 * const opts = benchOptions(500);
 * const bench = new Bench({ time: opts.taskTimeMs, ...opts.tinybenchClock });
 * ```
 * @module
 */

import process from "node:process";

/** Parsed benchmark options. */
export interface BenchOptions {
  /** `deno` or `node`. */
  readonly runtime: "deno" | "node";
  /** e.g. `node 20.20.2 (V8 11.3.244.8-node.38)`. */
  readonly runtimeVersion: string;
  /** `--json`: machine-readable output. */
  readonly json: boolean;
  /** `--time <ms>`: time budget per task. */
  readonly taskTimeMs: number;
  /** `--clock wall|cpu`. */
  readonly clock: "wall" | "cpu";
  /** `--rounds <n>`: interleaved rounds the time budget is split into (benchmarks that support it). */
  readonly rounds: number;
  /** Options to spread into tinybench's `Bench` for the chosen clock. */
  readonly tinybenchClock: { now?: () => number };
}

/** This process's CPU time (user + system) in milliseconds. */
export function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Reads the shared options from `argv` (default `process.argv.slice(2)`); throws on bad values. */
export function benchOptions(defaultTaskTimeMs: number, argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const deno = (globalThis as { Deno?: { version: { deno: string; v8: string } } }).Deno;
  const timeArg = argv.indexOf("--time");
  const taskTimeMs = timeArg >= 0 ? Number(argv[timeArg + 1]) : defaultTaskTimeMs;
  if (!(taskTimeMs > 0)) throw new Error("--time takes a positive number of milliseconds");
  const clockArg = argv.indexOf("--clock");
  const clock = clockArg >= 0 ? argv[clockArg + 1] : "wall";
  if (clock !== "wall" && clock !== "cpu") throw new Error("--clock takes wall or cpu");
  const roundsArg = argv.indexOf("--rounds");
  const rounds = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : 5;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error("--rounds takes a positive whole number");
  return {
    runtime: deno ? "deno" : "node",
    runtimeVersion: deno ? `deno ${deno.version.deno} (V8 ${deno.version.v8})` : `node ${process.versions.node} (V8 ${process.versions.v8})`,
    json: argv.includes("--json"),
    taskTimeMs,
    clock,
    rounds,
    tinybenchClock: clock === "cpu" ? { now: cpuNowMs } : {},
  };
}

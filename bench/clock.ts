/**
 * A clock shared by all processes on the machine, for one-hop latency across processes: nanoseconds of
 * `CLOCK_MONOTONIC`. Wall-clock time (`performance.timeOrigin + now()`) is not precise enough across
 * processes (its origin differs by up to milliseconds between processes).
 *
 * Node: `process.hrtime.bigint()` is CLOCK_MONOTONIC. Deno: its `process.hrtime` starts at process
 * start, so `clock_gettime(CLOCK_MONOTONIC)` is called through FFI from libc.
 *
 * @module
 */

import process from "node:process";

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): {
    symbols: { clock_gettime(clock: number, ts: Uint8Array): number };
  };
}

/** Returns CLOCK_MONOTONIC in nanoseconds as a bigint. */
export type MonotonicClock = () => bigint;

function denoClock(d: DenoFfi): MonotonicClock {
  const lib = d.dlopen("libc.so.6", { clock_gettime: { parameters: ["i32", "buffer"], result: "i32" } });
  const ts = new BigInt64Array(2);
  const u8 = new Uint8Array(ts.buffer);
  const CLOCK_MONOTONIC = 1;
  return () => {
    lib.symbols.clock_gettime(CLOCK_MONOTONIC, u8);
    return ts[0]! * 1_000_000_000n + ts[1]!;
  };
}

/** The machine-wide monotonic clock for this runtime. */
export function monotonicClock(): MonotonicClock {
  const d = (globalThis as unknown as { Deno?: DenoFfi }).Deno;
  if (d) return denoClock(d);
  return () => process.hrtime.bigint();
}

/**
 * The project's one seeded pseudo-random generator (mulberry32), so simulated sessions — the CEX venue
 * simulators (`adapters/sim/`), the simulated EVM chain and node (`adapters/evm/sim/`) and the fuzzers —
 * are reproducible: the same seed gives the same numbers on every run and runtime. Not for cryptography.
 * No dependencies.
 *
 * @example
 * ```ts
 * import { Rng } from "../core/prng.ts";
 * const rng = new Rng(42);
 * rng.int(1, 6);      // the same number for seed 42, every run
 * rng.chance(0.1);    // true about one time in ten
 * rng.hex(20);        // "0x…" with 40 hex digits, e.g. a simulated address
 * rng.normal();       // a standard normal variate
 * ```
 * @module
 */

/** Seeded PRNG (mulberry32): 32 bits of state, period 2^32. */
export class Rng {
  private state: number;

  /** @param seed any integer (only its low 32 bits count) */
  constructor(seed: number) {
    this.state = (seed | 0) ^ 0x9e3779b9;
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal variate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal variate with median `median` and log-space deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** `bytes` random bytes as lower-case hex with `0x`. */
  hex(bytes: number): string {
    let s = "0x";
    for (let i = 0; i < bytes; i++) s += (this.u32() & 0xff).toString(16).padStart(2, "0");
    return s;
  }
}

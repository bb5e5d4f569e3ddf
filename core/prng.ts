/**
 * A small seeded pseudo-random generator (mulberry32) so simulated sessions are reproducible: the same
 * seed always gives the same frames.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.int(1, 6); // the same number for seed 42, every run
 * ```
 * @module
 */

/** Seeded PRNG. */
export class Rng {
  private state: number;

  /** @param seed any integer */
  constructor(seed: number) {
    this.state = (seed | 0) ^ 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

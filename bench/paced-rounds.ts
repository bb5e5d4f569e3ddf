/**
 * The headline latency of `ap bench e2e` (10 k msgs/s) is measured in several rounds and reported as the
 * median of each percentile, with every round's figures kept: a single 2-second round's p99 rests on
 * the slowest ~1 % of 20 000 messages, and on this 2-vCPU VM one round in three or four measured 2–4×
 * the others (docs/PERFORMANCE.md, "Stop 19").
 *
 * @example
 * ```ts
 * const r = medianOfRounds(10_000, [
 *   { sent: 20_000, delivered: 20_000, p50Micros: 6.5, p99Micros: 33.8, p999Micros: 123, maxMicros: 900 },
 *   { sent: 20_000, delivered: 20_000, p50Micros: 6.6, p99Micros: 49.2, p999Micros: 273, maxMicros: 1200 },
 *   { sent: 20_000, delivered: 20_000, p50Micros: 6.5, p99Micros: 32.2, p999Micros: 119, maxMicros: 700 },
 * ]);
 * r.p99Micros; // 33.8, and r.rounds keeps all three
 * ```
 * @module
 */

import { median } from "./median.ts";

/** The latency one paced round measured. */
export interface PacedRound {
  sent: number;
  delivered: number;
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  maxMicros: number;
}

/** Several rounds at one rate: the median of each percentile, the sums of the counts, and every round. */
export interface PacedRate extends PacedRound {
  rate: number;
  /** Every round, in the order run (present when more than one ran). */
  rounds?: PacedRound[];
}

/** Default number of rounds at the headline rate. */
export const DEFAULT_LATENCY_ROUNDS = 3;

/** Combines the rounds run at `rate` (at least one). */
export function medianOfRounds(rate: number, rounds: readonly PacedRound[]): PacedRate {
  if (rounds.length === 0) throw new RangeError(`medianOfRounds: no round was run at ${rate} msgs/s`);
  if (rounds.length === 1) return { rate, ...rounds[0]! };
  return {
    rate,
    sent: rounds.reduce((a, r) => a + r.sent, 0),
    delivered: rounds.reduce((a, r) => a + r.delivered, 0),
    p50Micros: median(rounds.map((r) => r.p50Micros)),
    p99Micros: median(rounds.map((r) => r.p99Micros)),
    p999Micros: median(rounds.map((r) => r.p999Micros)),
    maxMicros: Math.max(...rounds.map((r) => r.maxMicros)),
    rounds: [...rounds],
  };
}

/**
 * Runs `n` rounds at `rate` one after another (each round starts when the previous one has resolved) and
 * combines them with {@link medianOfRounds}. `n` below 1 runs nothing and throws as `medianOfRounds` does.
 *
 * @example
 * ```ts
 * let i = 0;
 * const r = await measureRounds(10_000, 3, async () => {
 *   const p99 = [33.8, 49.2, 32.2][i++]!;
 *   return { sent: 20_000, delivered: 20_000, p50Micros: 6.5, p99Micros: p99, p999Micros: 120, maxMicros: 900 };
 * });
 * r.p99Micros; // 33.8, and r.rounds keeps the three rounds in the order run
 * ```
 */
export async function measureRounds(rate: number, n: number, run: () => Promise<PacedRound>): Promise<PacedRate> {
  const rounds: PacedRound[] = [];
  for (let i = 0; i < n; i++) rounds.push(await run());
  return medianOfRounds(rate, rounds);
}

/** `a / b / c` of one percentile over the rounds, for the printed table. */
export function roundsText(r: PacedRate, pick: (x: PacedRound) => number): string {
  return (r.rounds ?? [r]).map((x) => pick(x).toFixed(1)).join(" / ");
}

/** Types of `scripts/readme-counts.mjs` (see its module doc). @module */

/** Counts of one run. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The block's start marker. */
export const START: string;
/** The block's end marker. */
export const END: string;
/** Report file stems and the names the README gives them, in test-all.sh's order. */
export const RUNS: readonly (readonly [string, string])[];
/** Matches a line {@link renderLine} wrote; groups: label, the per-run parts, passed, failed, skipped. */
export const LINE_PATTERN: RegExp;
/** Counts of one vitest JSON report (a file that failed to load counts as one failure). */
export function countsOf(report: unknown): RunCounts;
/** The block's line for `runs` of the run named `label`. */
export function renderLine(label: string, runs: readonly (RunCounts & { name: string })[]): string;
/** The block's position and line in `readme`, or what is wrong with its markers. */
export function findBlock(readme: string): { error?: string; from?: number; to?: number; line?: string };
/** `readme` with the block's content replaced by `line`. */
export function replaceBlock(readme: string, line: string): string;
/** The runs whose reports exist in `dir`, with their counts. */
export function readRuns(dir: string): (RunCounts & { name: string })[];

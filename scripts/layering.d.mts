/** Types of the layering check in `scripts/layering.mjs` (see its module doc). @module */

/** One import or source line against the house rules. */
export interface Offence {
  /** Repository-relative POSIX path of the offending file. */
  file: string;
  /** 1-based line of the offence. */
  line: number;
  /** Which rule it breaks (one of {@link RULE}). */
  rule: string;
  /** What is wrong, naming both ends of an import. */
  message: string;
}

/** Rule names, as printed. */
export const RULE: {
  readonly layer: "layer";
  readonly sideways: "sideways";
  readonly relayPart: "relay-part";
  readonly tooling: "tooling";
  readonly npm: "npm";
  readonly denoSniff: "deno-sniff";
  readonly denoGlobal: "deno-global";
  readonly cycle: "cycle";
  readonly unresolved: "unresolved";
};

/** Layer of each top-level product folder, lowest first. */
export const LAYERS: Readonly<Record<string, number>>;

/** Every import specifier in a source text, with its 1-based line. */
export function importsOf(text: string): { specifier: string; line: number }[];

/** Check a tree given as repository-relative POSIX paths mapped to source text. */
export function checkSources(sources: Map<string, string>): Offence[];

/** Read every source file of the repository at `root`. */
export function readTree(root: string): Map<string, string>;

/** Format one offence as `file:line rule: message`. */
export function format(offence: Offence): string;

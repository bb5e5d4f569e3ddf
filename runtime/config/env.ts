/**
 * `${NAME}` and `${NAME:-default}` substitution in config text, so secrets and per-host values come from
 * the environment. A `${NAME}` with no value and no default is an error naming the variable and line —
 * a config never silently gets an empty secret. `$${…}` escapes a literal `${…}`.
 *
 * @example
 * ```ts
 * substituteEnv("port: ${PORT:-8080}", {}); // "port: 8080"
 * ```
 * @module
 */

/** A `${NAME}` reference with no value in the environment and no default. */
export class MissingEnvError extends Error {
  /** The variable's name. */
  readonly variable: string;
  /** 1-based line of the reference. */
  readonly line: number;
  /** @param variable name @param line 1-based line */
  constructor(variable: string, line: number) {
    super(`line ${line}: environment variable ${variable} is not set and has no default (write \${${variable}:-default})`);
    this.name = "MissingEnvError";
    this.variable = variable;
    this.line = line;
  }
}

const REF = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces every `${NAME}` / `${NAME:-default}` in `text` from `env`. */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(REF, (match, escape: string, name: string, fallback: string | undefined, offset: number) => {
    if (escape) return match.slice(1);
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (fallback !== undefined) return fallback;
    throw new MissingEnvError(name, text.slice(0, offset).split("\n").length);
  });
}

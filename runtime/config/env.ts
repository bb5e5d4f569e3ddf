/**
 * `${NAME}` and `${NAME:-default}` substitution in config text, so secrets and per-host values come from
 * the environment. A `${NAME}` with no value and no default is an error naming the variable and line —
 * a config never silently gets an empty secret. `$${…}` escapes a literal `${…}`. YAML comments
 * (from a `#` at the start of a line or after a blank, outside quotes) are left as they are.
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

/** Index where a YAML comment starts in `line`, or the line's length. */
function commentStart(line: string): number {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) return i;
  }
  return line.length;
}

/** Replaces every `${NAME}` / `${NAME:-default}` in `text` (outside comments) from `env`. */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.split("\n").map((line, index) => {
    const end = commentStart(line);
    const body = line.slice(0, end).replace(REF, (match, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return match.slice(1);
      const value = env[name];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      throw new MissingEnvError(name, index + 1);
    });
    return body + line.slice(end);
  }).join("\n");
}

/**
 * Reading `ALPHAPULSE_*` environment variables that had an `AP_*` name before: the new name wins; the
 * old one still works, with one deprecation warning per variable and process (on stderr, as a JSON log
 * line like every other diagnostic).
 *
 * @example
 * ```ts
 * envSetting("ALPHAPULSE_BINANCE_WS_URL"); // $ALPHAPULSE_BINANCE_WS_URL, else $AP_BINANCE_WS_URL (warned once)
 * ```
 * @module
 */

import process from "node:process";

/** The prefix of every AlphaPulse variable. */
export const ENV_PREFIX = "ALPHAPULSE_";
/** The prefix some variables had before. */
export const OLD_ENV_PREFIX = "AP_";

const warned = new Set<string>();

/** The old name of an `ALPHAPULSE_*` variable (`ALPHAPULSE_X` → `AP_X`), or undefined for any other name. */
export function oldEnvName(name: string): string | undefined {
  return name.startsWith(ENV_PREFIX) ? OLD_ENV_PREFIX + name.slice(ENV_PREFIX.length) : undefined;
}

/**
 * The non-empty value of `name`, else of its old `AP_*` name (warning once through `warn`), else
 * undefined.
 */
export function envSetting(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  warn: (line: string) => void = (line) => void process.stderr.write(line),
): string | undefined {
  const value = env[name];
  if (value) return value;
  const old = oldEnvName(name);
  const oldValue = old ? env[old] : undefined;
  if (!old || !oldValue) return undefined;
  if (!warned.has(old)) {
    warned.add(old);
    warn(JSON.stringify({ level: "warn", time: new Date().toISOString(), service: "env", msg: `${old} is deprecated; set ${name} instead`, variable: old, replacement: name }) + "\n");
  }
  return oldValue;
}

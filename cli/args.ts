/**
 * A small option parser for `ap` commands built on `node:util`'s `parseArgs` (present on both runtimes),
 * turning its errors into {@link CommandError}s with exit code 2.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** The option table `parseArgs` takes. */
export type OptionTable = NonNullable<ParseArgsConfig["options"]>;
import { CommandError } from "./command.ts";

/** What {@link parseOptions} returns for a given option table. */
export type ParsedOptions<O extends OptionTable> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>
>;

/** Parses `args` with the given options; unknown options and bad values are usage errors (exit 2). */
export function parseOptions<O extends OptionTable>(args: readonly string[], options: O, allowPositionals = false): ParsedOptions<O> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (e) {
    throw new CommandError((e as Error).message, 2);
  }
}

/** Parses a TCP port option; a usage error when it is not 0–65535. */
export function parsePort(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new CommandError(`${flag} must be a port number 0–65535, got ${JSON.stringify(text)}`, 2);
  return n;
}

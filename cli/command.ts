/**
 * The shape of an `ap` sub-command and the typed error a command raises for bad usage or input.
 *
 * Each command lives in its own file under `cli/` and is registered in `main.ts`'s table, which loads it
 * lazily so `ap decode` never pays for importing the relay or the adapters.
 *
 * @module
 */

/** Standard streams and environment a command runs with; tests substitute nothing: they spawn `ap`. */
export interface CommandContext {
  /** Arguments after the command name. */
  readonly args: readonly string[];
}

/** One `ap` sub-command. */
export interface Command {
  /** Name as typed: `ap <name>`. */
  readonly name: string;
  /** One line for `ap --help`. */
  readonly summary: string;
  /** Full usage text for `ap <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * Bad usage or bad input to a command: printed as `ap <command>: <message>` with exit code 2 (usage) or 1
 * (input), never a stack trace.
 */
export class CommandError extends Error {
  /** Exit code the process ends with. */
  readonly exitCode: number;
  /** @param message what was wrong and where @param exitCode 2 for usage, 1 for input errors */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CommandError";
    this.exitCode = exitCode;
  }
}

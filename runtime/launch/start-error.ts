/**
 * The typed failure of `launchSystem`: the system could not be brought up, or was refused before anything
 * started. Its message is one line saying what and why (what `ap start` prints); a refusal keeps the
 * specific error (a locked directory, an unsafe path, a port in use…) as its `cause`.
 *
 * @module
 */

import { PrivateDirError } from "../../relay/wire/socket-paths.ts";

/** The system could not be brought up (everything started was stopped again). */
export class SystemStartError extends Error {
  /** @param message what did not come up and why @param cause the underlying typed error */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SystemStartError";
  }

  /** A start refused before anything started, for the typed error `e` (its message, made one line). */
  static refused(e: unknown): SystemStartError {
    if (e instanceof SystemStartError) return e;
    const text = e instanceof Error ? e.message : String(e);
    const line = text.split("\n")[0]!;
    return new SystemStartError(e instanceof PrivateDirError ? `runtime directory ${line}` : line, e);
  }
}

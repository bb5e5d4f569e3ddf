/**
 * Where `ap start` sends log lines — its own and every supervised child's (children log JSON lines to
 * their stderr; the supervisor reads them line by line): to the rotating log file in the state directory
 * once it is open (lines before that are kept and written first), and to stdout as well when the output
 * is JSON (`--log-format json`, or stdout is not a terminal). Warnings and errors are counted for the
 * console's status line.
 *
 * @module
 */

import type { RotatingLogFile } from "../runtime/launch/log-file.ts";

/** Most lines kept while the log file is not open yet. */
const PENDING_LIMIT = 10_000;

/** The log sink of one `ap start`. */
export class StartLogs {
  private file: RotatingLogFile | undefined;
  private pending: string[] = [];
  private readonly toStdout: ((line: string) => void) | undefined;
  private readonly partial = new Map<string, string>();
  /** Warning lines seen. */
  warnings = 0;
  /** Error lines seen. */
  errors = 0;

  /** @param toStdout where JSON output goes (undefined: the console shows no log lines) */
  constructor(toStdout?: (line: string) => void) {
    this.toStdout = toStdout;
  }

  /** Writes one complete line (ending in `\n`). */
  readonly write = (line: string): void => {
    if (line.includes('"level":"error"')) this.errors++;
    else if (line.includes('"level":"warn"')) this.warnings++;
    if (this.file) this.file.write(line);
    else if (this.pending.length < PENDING_LIMIT) this.pending.push(line);
    this.toStdout?.(line);
  };

  /**
   * Text a child wrote: split into lines (a partial last line waits for its end); a line that is not a
   * JSON object is wrapped into one (`level: info`, `service`, `msg`: the text).
   */
  childOutput(service: string, text: string): void {
    const lines = ((this.partial.get(service) ?? "") + text).split("\n");
    this.partial.set(service, lines.pop()!);
    for (const line of lines) {
      if (line.trim() === "") continue;
      if (line.startsWith("{") && line.endsWith("}")) this.write(line + "\n");
      else this.write(JSON.stringify({ level: "info", time: new Date().toISOString(), service, msg: line }) + "\n");
    }
  }

  /** Starts writing to `file` (the lines kept so far first). */
  attach(file: RotatingLogFile): void {
    for (const line of this.pending) file.write(line);
    this.pending = [];
    this.file = file;
  }

  /** Lines not written to a file (the start failed before the log file opened). */
  takePending(): string[] {
    const lines = this.pending;
    this.pending = [];
    return lines;
  }

  /** Closes the file. */
  close(): void {
    this.file?.close();
    this.file = undefined;
  }
}

/**
 * The log file of `ap start`: `<stateDir>/logs/alphapulse.log`, appended line by line (synchronously, so
 * the last lines before a crash are on disk), rotated by size — when a line would take the file past
 * `maxFileBytes`, `alphapulse.log.<k>` becomes `.<k+1>` (the oldest beyond `maxFiles - 1` is removed),
 * the file becomes `.1` and a new one is started. Files are created 0600 and never opened through a
 * symlink (`O_NOFOLLOW`). Hand-written rather than `rotating-file-stream`: that library writes
 * asynchronously through Node streams, and here a line must be on disk before the process may exit.
 *
 * @example
 * ```ts
 * const file = RotatingLogFile.open("/home/me/.local/state/alphapulse/default-1a2b3c4d/logs", { maxFileBytes: 10_485_760, maxFiles: 5 });
 * file.write('{"level":"info","msg":"started"}\n');
 * file.close();
 * ```
 * @module
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { join } from "node:path";
import { checkReplaceable, UnsafeFileError } from "./safe-dir.ts";

/** Base name of the log file. */
export const LOG_FILE_NAME = "alphapulse.log";

/** Rotation settings. */
export interface LogFileOptions {
  /** Size at which the file is rotated. */
  maxFileBytes: number;
  /** Files kept, the current one included (1: the file is truncated on rotation). */
  maxFiles: number;
}

const { O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW } = fs.constants;

/** A size-rotated append-only log file. */
export class RotatingLogFile {
  /** Path of the current file. */
  readonly path: string;
  private fd: number;
  private size: number;
  private readonly options: LogFileOptions;
  /** Write failures since open (a full disk must not stop the system; counted and skipped). */
  failures = 0;
  /** Rotations since open. */
  rotations = 0;

  private constructor(path: string, fd: number, size: number, options: LogFileOptions) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.options = options;
  }

  /** Opens (creating 0600) `dir/alphapulse.log` for appending; {@link UnsafeFileError} for a link or non-file. */
  static open(dir: string, options: LogFileOptions): RotatingLogFile {
    const path = join(dir, LOG_FILE_NAME);
    const { fd, size } = openAppend(path);
    return new RotatingLogFile(path, fd, size, options);
  }

  /** Appends `text` (whole lines), rotating first when it would not fit. */
  write(text: string): void {
    const bytes = Buffer.byteLength(text);
    try {
      if (this.size > 0 && this.size + bytes > this.options.maxFileBytes) this.rotate();
      fs.writeSync(this.fd, text);
      this.size += bytes;
    } catch {
      this.failures++;
    }
  }

  /** Closes the file. */
  close(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // closed already
    }
    this.fd = -1;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    this.fd = -1;
    const keep = this.options.maxFiles - 1;
    if (keep <= 0) fs.rmSync(this.path, { force: true });
    else {
      fs.rmSync(`${this.path}.${keep}`, { force: true });
      for (let k = keep - 1; k >= 1; k--) {
        if (fs.existsSync(`${this.path}.${k}`)) fs.renameSync(`${this.path}.${k}`, `${this.path}.${k + 1}`);
      }
      fs.renameSync(this.path, `${this.path}.1`);
    }
    const { fd, size } = openAppend(this.path);
    this.fd = fd;
    this.size = size;
    this.rotations++;
  }
}

function openAppend(path: string): { fd: number; size: number } {
  checkReplaceable(path);
  try {
    const fd = fs.openSync(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0o600);
    return { fd, size: fs.fstatSync(fd).size };
  } catch (e) {
    throw new UnsafeFileError(path, `cannot open the log file (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
}

/**
 * The runtime directory holds sockets, the resolved config and the API address, and the state directory
 * holds snapshots, trading state, journals and logs, so `ap start` trusts each only as a private
 * directory: created 0700 by this user (parents included, e.g. `~/.local/state/alphapulse`), or — when
 * it exists — a real directory (never a symlink) owned by this user without group/other permission bits
 * (checked with `lstat`, refused with the reason, never repaired). The state directory's `state/`,
 * `journal/` and `logs/` subdirectories get the same treatment. Files the supervisor writes there are opened with `O_NOFOLLOW | O_EXCL` and
 * mode 0600 after removing an earlier regular file of the same name, so a planted symlink or hard link
 * can never redirect a write to another file; a symlink in their place is refused.
 *
 * @module
 */

import fs from "node:fs";
import { checkPrivateDir, ensurePrivateDir, PrivateDirError } from "../../relay/wire/socket-paths.ts";
import type { RuntimePaths } from "../paths.ts";

export { checkPrivateDir, ensurePrivateDir, PrivateDirError };

/** A file in the runtime directory that may not be written; says which and why. */
export class UnsafeFileError extends Error {
  /** The file. */
  readonly file: string;
  /** @param file path @param reason why */
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = "UnsafeFileError";
    this.file = file;
  }
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/**
 * Creates or verifies the runtime directory, the state directory and its `state/`, `journal/` and
 * `logs/` subdirectories (all 0700, ours). Missing parents of the state directory are created 0700 too.
 */
export function ensureRuntimeDirs(paths: RuntimePaths): void {
  ensurePrivateDir(paths.dir);
  if (paths.stateDir !== paths.dir) {
    if (!fs.existsSync(paths.stateDir)) fs.mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    ensurePrivateDir(paths.stateDir);
  }
  ensurePrivateDir(paths.snapshotDir);
  ensurePrivateDir(paths.journalDir);
  ensurePrivateDir(paths.logDir);
}

/**
 * Refuses when `file` exists as anything but a regular file (a symlink, a directory, a socket…).
 * Returns whether a regular file is there.
 */
export function checkReplaceable(file: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return false;
    throw new UnsafeFileError(file, `cannot inspect (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
  if (st.isSymbolicLink()) throw new UnsafeFileError(file, "is a symbolic link; refusing to write through it (remove it)");
  if (!st.isFile()) throw new UnsafeFileError(file, "exists and is not a regular file; refusing to replace it");
  return true;
}

/**
 * Writes `text` to `file` as a new 0600 file: an earlier regular file is removed first, then the file
 * is created with `O_CREAT | O_EXCL | O_NOFOLLOW` (never through a link) and synced.
 * Throws {@link UnsafeFileError} for a symlink or non-file in its place, or when it cannot be written.
 */
export function writePrivateFile(file: string, text: string): void {
  if (checkReplaceable(file)) fs.unlinkSync(file);
  let fd: number;
  try {
    fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new UnsafeFileError(file, `cannot create (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes `file` if it is a regular file or socket (never follows a link); missing is fine. */
export function removeOwnFile(file: string): void {
  try {
    const st = fs.lstatSync(file);
    if (st.isFile() || st.isSocket()) fs.unlinkSync(file);
  } catch {
    // gone already
  }
}

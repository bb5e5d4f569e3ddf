/**
 * Durable, atomic, symlink-safe files for state that must survive a crash or a power cut (trading
 * state, risk limits, snapshots).
 *
 * A write never leaves a half-written file at the target path: the bytes go to a fresh temp file in the
 * same directory (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600 — never an existing file, never through a
 * symlink), which is fsynced, renamed over the target (rename replaces a symlink at the target, it does
 * not follow it), and then the directory is fsynced so the rename itself is on disk. Reads open with
 * `O_NOFOLLOW`, so a symlink planted at the path is refused (`ELOOP`) rather than followed.
 *
 * The directory is created 0700; an existing one is refused when it is a symlink, not a directory, owned
 * by another user, or open to group/other — state files would otherwise be readable or replaceable by
 * others.
 *
 * Both runtimes: everything goes through `node:fs/promises`. Deno's Node compatibility layer has the
 * same `O_*` constants and maps `FileHandle.sync()` on a directory opened read-only to fsync(2) (checked:
 * `strace -f -e trace=fsync` shows the directory's fsync under both), so no runtime-specific code is needed.
 *
 * @example
 * ```ts
 * await writeDurable("/run/ap/state/execution.trading-state.json", JSON.stringify(state));
 * const text = await readDurable("/run/ap/state/execution.trading-state.json"); // undefined if absent
 * ```
 * @module
 */

import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";

/** Why a durable file operation failed. */
export type DurableFileErrorKind = "unsafe-directory" | "symlink" | "io";

/** A durable file could not be written or read; says which path and why. */
export class DurableFileError extends Error {
  /** What went wrong: an unsafe directory, a symlink at the path, or an I/O error. */
  readonly kind: DurableFileErrorKind;
  /** The file or directory concerned. */
  readonly path: string;
  /** @param kind what went wrong @param path the file or directory @param message details */
  constructor(kind: DurableFileErrorKind, path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "DurableFileError";
    this.kind = kind;
    this.path = path;
  }
}

/** The current user's uid, or `undefined` where the runtime has none (then ownership is not checked). */
function currentUid(): number | undefined {
  return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/**
 * Creates `dir` (and its parents) mode 0700 if absent; refuses an existing `dir` that is a symlink, not
 * a directory, owned by someone else or open to group/other.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let st;
  try {
    st = await lstat(dir);
  } catch (e) {
    throw new DurableFileError("io", dir, `cannot inspect the directory (${(e as Error).message})`);
  }
  if (st.isSymbolicLink()) throw new DurableFileError("unsafe-directory", dir, "is a symlink; state directories must be real directories");
  if (!st.isDirectory()) throw new DurableFileError("unsafe-directory", dir, "exists and is not a directory");
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) throw new DurableFileError("unsafe-directory", dir, `is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) {
    throw new DurableFileError("unsafe-directory", dir, `mode ${(st.mode & 0o777).toString(8)} lets group/other in; it must be 0700 (chmod 700 it)`);
  }
}

/** fsync of a directory, so a rename inside it is durable. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Writes `data` to `path` atomically and durably: temp file (O_EXCL, O_NOFOLLOW, 0600) → write → fsync →
 * rename over `path` → fsync of the directory. The directory is created 0700 (see {@link ensurePrivateDir}).
 * Throws {@link DurableFileError}; on failure the target keeps its previous content and the temp file is removed.
 */
export async function writeDurable(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await ensurePrivateDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let step = "create the temp file";
  try {
    const f = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      step = "write the temp file";
      await f.writeFile(data);
      step = "fsync the temp file";
      await f.sync();
    } finally {
      await f.close();
    }
    step = "rename the temp file over the target";
    await rename(tmp, path);
    step = "fsync the directory";
    await syncDir(dir);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new DurableFileError("io", path, `could not ${step} (${(e as Error).message})`);
  }
}

/**
 * The content of `path` as UTF-8, or `undefined` when it does not exist. A symlink at `path` is refused
 * ({@link DurableFileError} `symlink`), never followed; other failures are `io`.
 */
export async function readDurable(path: string): Promise<string | undefined> {
  let f;
  try {
    f = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new DurableFileError("symlink", path, "is a symlink; state files are never read through symlinks");
    throw new DurableFileError("io", path, `cannot open (${(e as Error).message})`);
  }
  try {
    return await f.readFile("utf8");
  } catch (e) {
    throw new DurableFileError("io", path, `cannot read (${(e as Error).message})`);
  } finally {
    await f.close();
  }
}

/**
 * Renames an unusable state file to `<file>.unusable-<time>` (kept for inspection, out of the way of the
 * next write); the new path, or undefined when it could not be moved.
 */
export async function moveAside(path: string): Promise<string | undefined> {
  const to = `${path}.unusable-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  try {
    await rename(path, to);
    return to;
  } catch {
    return undefined;
  }
}

/**
 * Audit journal: every signal, order, ack and fill appended to rotating files in the wire format (a
 * journal file is a recording: `ap decode` reads it). Appends go to an in-memory batch; a flush writes
 * the batch and fsyncs it. A failed write (disk full, I/O error) is counted and reported, the batch is
 * dropped and counted — the hot path that appends never blocks or throws because of the disk.
 *
 * Files: `<dir>/<prefix>-<NNNNNN>.bin`, rotated at `maxFileBytes`; the oldest beyond `maxFiles` are removed.
 * The directory is created 0700 and files 0600; a new file's directory entry is fsynced, so a rotation
 * survives a power cut. (Files are opened without O_NOFOLLOW: the private runtime directory keeps others
 * from planting links, and tests point a journal file at /dev/full to simulate a full disk.)
 *
 * @example
 * ```ts
 * const journal = await Journal.open({ dir: "/var/lib/alphapulse/journal", prefix: "execution" });
 * journal.append(messageBytes);        // copies; cheap
 * await journal.flush();               // write + fsync (also runs every flushIntervalMs)
 * for await (const m of readJournal(dir, "execution")) { … }
 * const { value, position } = await journal.checkpoint(() => state.toSnapshot()); // state ≡ journal up to position
 * for await (const m of readJournal(dir, "execution", position)) { … }           // only the tail after it
 * ```
 * @module
 */

import { constants } from "node:fs";
import { mkdir, open, readdir, rm, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { StreamFramer } from "../protocol/mod.ts";

/** Journal settings. */
export interface JournalOptions {
  /** Directory of the journal files. */
  dir: string;
  /** File name prefix (one journal per service). */
  prefix: string;
  /** Rotate when a file reaches this size. Default 64 MiB. */
  maxFileBytes?: number;
  /** Keep at most this many files. Default 32. */
  maxFiles?: number;
  /** Flush period. Default 100 ms; 0 = only explicit flushes. */
  flushIntervalMs?: number;
  /** Batch bytes above which appends are dropped (counted) until a flush succeeds. Default 32 MiB. */
  maxPendingBytes?: number;
}

/** Journal counters. */
export interface JournalStats {
  appended: number;
  written: number;
  droppedMessages: number;
  writeErrors: number;
  lastError: string | null;
  file: string | null;
}

const FILE_RE = /^(.*)-(\d{6})\.bin$/;

/**
 * A place in a journal: the file (base name, e.g. `execution-000003.bin`) and the byte offset in it after
 * the last message covered. Every message after it — the rest of that file, then every later file — is
 * the journal's tail. A file that does not exist yet (offset 0) stands for "from that file on".
 */
export interface JournalPosition {
  file: string;
  offset: number;
}

/** A journal position that cannot be replayed from (its file was rotated away, or is shorter than the offset). */
export class JournalPositionError extends Error {
  /** What is wrong: `gap` (files after the position were removed) or `beyond-end` (the file is shorter). */
  readonly kind: "gap" | "beyond-end" | "malformed";
  /** The position asked for. */
  readonly position: JournalPosition;
  /** @param kind what is wrong @param position the position @param message details */
  constructor(kind: "gap" | "beyond-end" | "malformed", position: JournalPosition, message: string) {
    super(message);
    this.name = "JournalPositionError";
    this.kind = kind;
    this.position = position;
  }
}

/** The index (NNNNNN) of a journal file name of `prefix`, or -1 when it is not one. */
export function journalFileIndex(file: string, prefix: string): number {
  const m = FILE_RE.exec(file.split("/").pop()!);
  return m === null || m[1] !== prefix ? -1 : Number(m[2]);
}

function fileName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(6, "0")}.bin`;
}

/** Lists a journal's files in order. */
export async function journalFiles(dir: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => [n, FILE_RE.exec(n)] as const)
    .filter(([, m]) => m !== null && m[1] === prefix)
    .sort((a, b) => Number(a[1]![2]) - Number(b[1]![2]))
    .map(([n]) => join(dir, n));
}

/** An append-only, rotating, fsync-per-batch journal. */
export class Journal {
  private readonly o: Required<JournalOptions>;
  private batch: Uint8Array[] = [];
  private pendingBytes = 0;
  private file: FileHandle | undefined;
  private fileBytes = 0;
  private index = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly counters: JournalStats = { appended: 0, written: 0, droppedMessages: 0, writeErrors: 0, lastError: null, file: null };

  private constructor(options: Required<JournalOptions>) {
    this.o = options;
  }

  /** Opens (creating the directory) and continues after the newest existing file. */
  static async open(options: JournalOptions): Promise<Journal> {
    const o: Required<JournalOptions> = {
      maxFileBytes: 64 * 1024 * 1024, maxFiles: 32, flushIntervalMs: 100, maxPendingBytes: 32 * 1024 * 1024, ...options,
    };
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    const j = new Journal(o);
    const files = await journalFiles(o.dir, o.prefix);
    const last = files.at(-1);
    j.index = last ? Number(FILE_RE.exec(last.split("/").pop()!)![2]) + 1 : 0;
    if (o.flushIntervalMs > 0) {
      j.timer = setInterval(() => void j.flush(), o.flushIntervalMs);
      (j.timer as { unref?: () => void }).unref?.();
    }
    return j;
  }

  /** Appends one message (copied). Never throws; past the pending bound the message is dropped and counted. */
  append(message: Uint8Array): void {
    if (this.pendingBytes + message.length > this.o.maxPendingBytes) {
      this.counters.droppedMessages++;
      return;
    }
    this.batch.push(message.slice());
    this.pendingBytes += message.length;
    this.counters.appended++;
  }

  /** Writes and fsyncs the current batch. A failure is counted, never thrown. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      await this.flushNow();
    });
    return this.flushing;
  }

  /**
   * Flushes like {@link flush}, calling `capture` at the exact moment the pending batch is taken, and
   * returns its value with the journal position just after that batch. Because appends and the state
   * they feed are updated together in synchronous code, the captured state covers exactly the journal
   * up to the returned position. When the write fails, the batch is lost (counted as usual) and the
   * position is the start of the next file, so the tail still begins right after the captured state.
   */
  checkpoint<T>(capture: () => T): Promise<{ value: T; position: JournalPosition; written: boolean }> {
    const run = this.flushing.then(async () => {
      const value = capture();
      const written = await this.flushNow();
      return { value, position: this.position(), written };
    });
    this.flushing = run.then(() => {}, () => {});
    return run;
  }

  /** Position after everything written so far (not counting the pending batch). */
  position(): JournalPosition {
    if (this.file === undefined || this.counters.file === null) return { file: fileName(this.o.prefix, this.index), offset: 0 };
    return { file: this.counters.file.split("/").pop()!, offset: this.fileBytes };
  }

  /** Counters. */
  stats(): JournalStats {
    return { ...this.counters };
  }

  /** Flushes and closes. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    await this.file?.close().catch(() => {});
    this.file = undefined;
  }

  private async flushNow(): Promise<boolean> {
    if (this.batch.length === 0) return true;
    const batch = this.batch;
    const bytes = this.pendingBytes;
    this.batch = [];
    this.pendingBytes = 0;
    try {
      if (!this.file || this.fileBytes + bytes > this.o.maxFileBytes) await this.rotate();
      const data = new Uint8Array(bytes);
      let at = 0;
      for (const m of batch) {
        data.set(m, at);
        at += m.length;
      }
      await this.file!.write(data);
      await this.file!.sync();
      this.fileBytes += bytes;
      this.counters.written += batch.length;
      return true;
    } catch (e) {
      this.counters.writeErrors++;
      this.counters.droppedMessages += batch.length;
      this.counters.lastError = `journal ${this.o.prefix}: write to ${this.counters.file ?? this.o.dir} failed: ${(e as Error).message}`;
      await this.file?.close().catch(() => {});
      this.file = undefined;
      return false;
    }
  }

  private async rotate(): Promise<void> {
    await this.file?.close().catch(() => {});
    this.file = undefined;
    const path = join(this.o.dir, fileName(this.o.prefix, this.index++));
    this.file = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    await syncDir(this.o.dir);
    this.fileBytes = 0;
    this.counters.file = path;
    const files = await journalFiles(this.o.dir, this.o.prefix);
    for (const old of files.slice(0, Math.max(0, files.length - this.o.maxFiles))) await rm(old, { force: true });
  }
}

/**
 * Reads every message of a journal in order, as copies — or, given a `from` position, only the messages
 * after it. Stops at a torn tail (a crash mid-write leaves a partial last message, which is ignored).
 * Throws {@link JournalPositionError} (before yielding anything) when `from` cannot be replayed from: its
 * file was removed by rotation while later files exist, or the file is shorter than the offset.
 */
export async function* readJournal(dir: string, prefix: string, from?: JournalPosition): AsyncGenerator<Uint8Array> {
  let files = await journalFiles(dir, prefix);
  let startOffset = 0;
  if (from !== undefined) {
    const want = journalFileIndex(from.file, prefix);
    if (want < 0 || !Number.isSafeInteger(from.offset) || from.offset < 0) {
      throw new JournalPositionError("malformed", from, `journal position ${from.file}@${from.offset} is not a position in journal ${prefix}`);
    }
    const exact = files.find((f) => journalFileIndex(f, prefix) === want);
    const later = files.filter((f) => journalFileIndex(f, prefix) > want);
    if (exact === undefined && from.offset > 0) {
      throw new JournalPositionError("gap", from, `journal file ${from.file} (position ${from.offset}) no longer exists: its tail was rotated away`);
    }
    if (exact !== undefined) {
      const info = await stat(exact);
      if (info.size < from.offset) {
        throw new JournalPositionError("beyond-end", from, `journal file ${from.file} has ${info.size} bytes, fewer than the position ${from.offset}`);
      }
    }
    files = exact === undefined ? later : [exact, ...later];
    startOffset = exact === undefined ? 0 : from.offset;
  }
  for (const path of files) {
    const framer = new StreamFramer();
    const file = await open(path, "r");
    let at = path === files[0] ? startOffset : 0;
    try {
      const chunk = new Uint8Array(256 * 1024);
      for (;;) {
        const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
        if (bytesRead === 0) break;
        at += bytesRead;
        const out: Uint8Array[] = [];
        try {
          framer.push(chunk.slice(0, bytesRead), (b, o, l) => out.push(b.slice(o, o + l)));
        } catch {
          yield* out;
          break;
        }
        yield* out;
      }
    } finally {
      await file.close();
    }
  }
}

/** fsync of a directory (a new file's entry made durable); best effort — the file's own fsyncs still run. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  await d?.sync().catch(() => {});
  await d?.close().catch(() => {});
}

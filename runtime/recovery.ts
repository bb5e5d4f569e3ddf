/**
 * RecoveryManager: a stateful service (risk, portfolio, a strategy) snapshots its state to disk
 * periodically and on graceful shutdown, together with the JOURNAL POSITION the state covers (journal
 * file + byte offset, from {@link Journal.checkpoint}) and the last sequence applied per source. On
 * restart it restores the snapshot and replays only the journal's tail after that position
 * (`replayFrom(position)`), so a restart loses no position or P&L and does not re-read the whole
 * journal. Source sequences restart at 1 when a producer restarts, so they only describe the snapshot;
 * the position is what replay starts from.
 *
 * Snapshots are written atomically and durably ({@link writeDurable}: temp file O_EXCL|O_NOFOLLOW 0600,
 * fsync, rename, fsync of the 0700 directory) and carry a SHA-256 of their content, so a flipped byte is
 * caught even when the file is still valid JSON. A missing-but-expected (the journal has messages),
 * corrupt or incompatible snapshot (or one whose position the journal no longer holds) is logged as a
 * warning, moved aside as `<file>.unusable-<time>` for inspection, reported as {@link RecoveryReport.problem},
 * and recovery falls back to a full journal replay — never a crash, never a silently empty state. A
 * service that must fail closed (the execution service) halts on `problem`.
 *
 * @example
 * ```ts
 * const rm = new RecoveryManager({ dir, service: "execution", journal: { dir: jdir, prefix: "execution" }, log });
 * const report = await rm.recover({ restore: (s) => portfolio.restore(s), apply: (m) => portfolio.onMessage(view.wrap(m)) });
 * report; // { mode: "snapshot", tailMessages: 42, … } or { mode: "full", fallbackReason: "…", … }
 * rm.startPeriodic(async () => {
 *   const { value, position } = await journal.checkpoint(() => portfolio.toSnapshot());
 *   await rm.save(value, position, {});
 * }, 10_000);
 * ```
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { readJournal, type JournalPosition } from "./journal.ts";
import { moveAside, readDurable, writeDurable } from "./state/durable-file.ts";

/**
 * Format version of the snapshot file (its envelope; the state carries its own versions). Version 2
 * added `sha256`; a version-1 file is incompatible (no checksum to verify it by).
 */
export const SNAPSHOT_FILE_VERSION = 2;

/** What a snapshot file holds. */
export interface Snapshot<S = unknown> {
  format: "alphapulse-snapshot";
  version: typeof SNAPSHOT_FILE_VERSION;
  service: string;
  savedAt: string;
  /** The journal position the state covers: replay starts right after it (`null`: a service without a journal). */
  position: JournalPosition | null;
  /** Last applied sequence per source id (decimal text), for diagnostics: sequences restart with their producer. */
  sequences: Record<string, string>;
  state: S;
  /** SHA-256 (hex) of {@link snapshotDigestInput} of the fields above. */
  sha256: string;
}

/** The text a snapshot's `sha256` covers: its service, time, position, sequences and state. */
export function snapshotDigestInput(s: Pick<Snapshot, "service" | "savedAt" | "position" | "sequences" | "state">): string {
  return JSON.stringify([s.service, s.savedAt, s.position, s.sequences, s.state]);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Why a snapshot could not be used. */
export type RecoveryErrorKind = "unreadable" | "corrupt" | "checksum" | "incompatible" | "refused" | "position" | "missing";

/** A snapshot that cannot be used (recovery then replays the whole journal). */
export class RecoveryError extends Error {
  /** What is wrong. */
  readonly kind: RecoveryErrorKind;
  /** The snapshot file. */
  readonly path: string;
  /** @param kind what is wrong @param path the file @param message details */
  constructor(kind: RecoveryErrorKind, path: string, message: string) {
    super(`snapshot ${path}: ${message}`);
    this.name = "RecoveryError";
    this.kind = kind;
    this.path = path;
  }
}

/** Where recovery reports what it did. */
export interface RecoveryLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Recovery settings. */
export interface RecoveryOptions {
  /** Snapshot directory. */
  dir: string;
  /** Service name (snapshot file `<dir>/<service>.snapshot.json`). */
  service: string;
  /** The journal to replay. */
  journal: { dir: string; prefix: string };
  /** Where warnings and the outcome go (default: nowhere). */
  log?: RecoveryLog;
}

/** What {@link RecoveryManager.recover} restores into. */
export interface RecoveryTarget {
  /**
   * Restores a snapshot's `state`. Must validate before changing anything and throw when it refuses the
   * state (then recovery replays the whole journal into the untouched target).
   */
  restore(state: unknown): void;
  /** Applies one journal message. */
  apply(message: Uint8Array): void;
}

/** The outcome of a recovery. */
export interface RecoveryReport {
  /** `snapshot`: a snapshot plus the journal tail; `full`: the whole journal (no usable snapshot). */
  mode: "snapshot" | "full";
  /** Journal messages applied. */
  replayedMessages: number;
  /** When the snapshot used was written. */
  snapshotSavedAt?: string;
  /** Journal position of the snapshot used. */
  position?: JournalPosition;
  /** Why no snapshot was used (absent when there simply was none and the journal was empty). */
  fallbackReason?: string;
  /**
   * Set when a snapshot was expected but could not be used: it existed and was unusable, or it was
   * missing while the journal had messages (a previous run wrote them, and every run snapshots).
   */
  problem?: { kind: RecoveryErrorKind; path: string; message: string; movedTo?: string };
  /** Wall time of the recovery (ms). */
  millis: number;
}

/** Snapshots and restores one service. */
export class RecoveryManager {
  private readonly o: RecoveryOptions;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  /** Snapshots written. */
  saved = 0;
  /** Failed snapshot writes (state is kept in memory; the next attempt retries). */
  failures = 0;
  /** The last failure, for logs and status. */
  lastError: string | null = null;

  /** @param options where snapshots and the journal live */
  constructor(options: RecoveryOptions) {
    this.o = options;
  }

  /** Snapshot file path. */
  get path(): string {
    return join(this.o.dir, `${this.o.service}.snapshot.json`);
  }

  /** Writes a snapshot atomically and durably (temp file, fsync, rename, fsync of the directory). */
  async save<S>(state: S, position: JournalPosition | null, sequences: Record<string, string>): Promise<void> {
    const fields = { service: this.o.service, savedAt: new Date().toISOString(), position, sequences, state };
    // Through JSON once, so the digest covers exactly what a reader will parse back.
    const body = JSON.parse(JSON.stringify(fields)) as typeof fields;
    const snap: Snapshot<S> = { format: "alphapulse-snapshot", version: SNAPSHOT_FILE_VERSION, ...body, sha256: sha256(snapshotDigestInput(body)) };
    await writeDurable(this.path, JSON.stringify(snap));
    this.saved++;
  }

  /**
   * The last snapshot, or `undefined` when none exists. Throws {@link RecoveryError} when it exists but
   * cannot be used: unreadable, not JSON, or not a snapshot of this service in this format.
   */
  async load(): Promise<Snapshot | undefined> {
    let text: string | undefined;
    try {
      text = await readDurable(this.path);
    } catch (e) {
      throw new RecoveryError("unreadable", this.path, (e as Error).message);
    }
    if (text === undefined) return undefined;
    let snap: Partial<Snapshot>;
    try {
      snap = JSON.parse(text) as Partial<Snapshot>;
    } catch (e) {
      throw new RecoveryError("corrupt", this.path, `not JSON (${(e as Error).message})`);
    }
    if (typeof snap !== "object" || snap === null || snap.format !== "alphapulse-snapshot") throw new RecoveryError("corrupt", this.path, "not a snapshot file");
    if (snap.version !== SNAPSHOT_FILE_VERSION) throw new RecoveryError("incompatible", this.path, `file version ${snap.version}, this build reads ${SNAPSHOT_FILE_VERSION}`);
    if (snap.service !== this.o.service) throw new RecoveryError("incompatible", this.path, `belongs to ${snap.service}, not ${this.o.service}`);
    const p = snap.position;
    if (p !== null && (typeof p !== "object" || typeof p.file !== "string" || !Number.isSafeInteger(p.offset) || p.offset < 0)) {
      throw new RecoveryError("corrupt", this.path, "position: must be { file, offset } or null");
    }
    if (typeof snap.sequences !== "object" || snap.sequences === null) throw new RecoveryError("corrupt", this.path, "sequences: must be an object");
    if (!("state" in snap)) throw new RecoveryError("corrupt", this.path, "state: missing");
    if (typeof snap.sha256 !== "string") throw new RecoveryError("corrupt", this.path, "sha256: missing");
    const actual = sha256(snapshotDigestInput(snap as Snapshot));
    if (actual !== snap.sha256) {
      throw new RecoveryError("checksum", this.path, `checksum mismatch (file says ${snap.sha256.slice(0, 12)}…, content hashes to ${actual.slice(0, 12)}…)`);
    }
    return snap as Snapshot;
  }

  /**
   * Journal messages after `position` (every message when `undefined`). Throws
   * {@link JournalPositionError} on the first read when the journal no longer holds that position.
   */
  replayFrom(position?: JournalPosition): AsyncGenerator<Uint8Array> {
    return readJournal(this.o.journal.dir, this.o.journal.prefix, position);
  }

  /**
   * Restores the snapshot into `target` and applies the journal tail after its position; without a
   * usable snapshot, warns and applies the whole journal. Never throws because of the snapshot.
   */
  async recover(target: RecoveryTarget): Promise<RecoveryReport> {
    const t0 = performance.now();
    const log = this.o.log;
    let fallbackReason: string | undefined;
    let problem: RecoveryError | undefined;
    let snap: Snapshot | undefined;
    try {
      snap = await this.load();
    } catch (e) {
      problem = e instanceof RecoveryError ? e : new RecoveryError("unreadable", this.path, (e as Error).message);
    }
    if (snap !== undefined && snap.position === null) {
      problem = new RecoveryError("corrupt", this.path, "position: null, but this service replays a journal");
      snap = undefined;
    }
    if (snap !== undefined) {
      const tail = this.replayFrom(snap.position!);
      let first: IteratorResult<Uint8Array>;
      try {
        first = await tail.next();
      } catch (e) {
        problem = new RecoveryError("position", this.path, (e as Error).message);
        first = { done: true, value: undefined };
        snap = undefined;
      }
      if (snap !== undefined) {
        try {
          target.restore(snap.state);
        } catch (e) {
          problem = new RecoveryError("refused", this.path, (e as Error).message);
          snap = undefined;
          await tail.return(undefined);
        }
      }
      if (snap !== undefined) {
        let n = 0;
        if (!first.done) {
          target.apply(first.value);
          n++;
          for await (const m of tail) {
            target.apply(m);
            n++;
          }
        }
        const position = snap.position!;
        const report: RecoveryReport = { mode: "snapshot", replayedMessages: n, snapshotSavedAt: snap.savedAt, position, millis: performance.now() - t0 };
        log?.info("restored from a snapshot plus the journal tail", {
          snapshot: this.path, savedAt: snap.savedAt, position: `${position.file}@${position.offset}`, tailMessages: n, millis: Math.round(report.millis),
        });
        return report;
      }
    }
    let n = 0;
    for await (const m of this.replayFrom(undefined)) {
      target.apply(m);
      n++;
    }
    if (problem === undefined && n > 0) problem = new RecoveryError("missing", this.path, `no snapshot, but the journal holds ${n} messages of a previous run`);
    fallbackReason = problem?.message;
    const report: RecoveryReport = { mode: "full", replayedMessages: n, millis: performance.now() - t0 };
    if (problem !== undefined) {
      report.fallbackReason = fallbackReason;
      report.problem = { kind: problem.kind, path: problem.path, message: problem.message };
      if (problem.kind !== "missing") report.problem.movedTo = await this.moveAside();
      log?.warn("no usable snapshot: replayed the whole journal", { reason: fallbackReason, messages: n, millis: Math.round(report.millis), movedTo: report.problem.movedTo });
    }
    return report;
  }

  /** Renames an unusable snapshot to `<file>.unusable-<time>` (kept for inspection); its new path, or undefined if that failed. */
  private moveAside(): Promise<string | undefined> {
    return moveAside(this.path);
  }

  /**
   * Runs `task` (typically: checkpoint the journal, then {@link save}) every `intervalMs`; a run never
   * overlaps the previous one; failures are counted and kept in {@link lastError}.
   */
  startPeriodic(task: () => Promise<void>, intervalMs: number): void {
    this.stopPeriodic();
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.runTask(task);
    }, intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Runs `task` now, after any run in progress (failures counted, never thrown). */
  async runNow(task: () => Promise<void>): Promise<void> {
    while (this.running !== undefined) await this.running;
    this.running = this.runTask(task);
    await this.running;
  }

  /** Stops periodic snapshots and waits for a run in progress. */
  async stopPeriodic(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.running !== undefined) await this.running;
  }

  private async runTask(task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (e) {
      this.failures++;
      this.lastError = `snapshot ${this.path}: ${(e as Error).message}`;
      this.o.log?.warn("snapshot failed", { error: this.lastError, failures: this.failures });
    } finally {
      this.running = undefined;
    }
  }
}


/**
 * RecoveryManager: a stateful service (strategy, risk, portfolio) snapshots its state to disk
 * periodically and on shutdown, together with the last sequence it had applied from each source. On
 * restart it restores the snapshot and replays the journal from those sequences (`replayFrom`), so a
 * restart loses no position or P&L. Snapshots are written atomically (temp file, fsync, rename).
 *
 * @example
 * ```ts
 * const rm = new RecoveryManager({ dir, service: "portfolio", journal: { dir: jdir, prefix: "execution" } });
 * const snap = await rm.load();
 * if (snap) portfolio.restore(snap.state);
 * for await (const msg of rm.replayFrom(snap?.sequences ?? {})) portfolio.apply(msg);
 * rm.startPeriodic(() => ({ state: portfolio.toJSON(), sequences: portfolio.sequences() }), 10_000);
 * ```
 * @module
 */

import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { MessageView } from "../protocol/mod.ts";
import { readJournal } from "./journal.ts";

/** What a snapshot holds. `sequences` maps a source id (as text) to its last applied sequence (decimal text). */
export interface Snapshot<S = unknown> {
  service: string;
  savedAt: string;
  sequences: Record<string, string>;
  state: S;
}

/** Recovery settings. */
export interface RecoveryOptions {
  /** Snapshot directory. */
  dir: string;
  /** Service name (snapshot file `<dir>/<service>.snapshot.json`). */
  service: string;
  /** The journal to replay. */
  journal: { dir: string; prefix: string };
}

/** Snapshots and restores one service. */
export class RecoveryManager {
  private readonly o: RecoveryOptions;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Snapshots written. */
  saved = 0;
  /** Failed snapshot writes (state is kept in memory; the next attempt retries). */
  failures = 0;

  /** @param options where snapshots and the journal live */
  constructor(options: RecoveryOptions) {
    this.o = options;
  }

  /** Snapshot file path. */
  get path(): string {
    return join(this.o.dir, `${this.o.service}.snapshot.json`);
  }

  /** Writes a snapshot atomically. */
  async save<S>(state: S, sequences: Record<string, string>): Promise<void> {
    await mkdir(this.o.dir, { recursive: true });
    const snap: Snapshot<S> = { service: this.o.service, savedAt: new Date().toISOString(), sequences, state };
    const tmp = `${this.path}.tmp`;
    const f = await open(tmp, "w");
    try {
      await f.writeFile(JSON.stringify(snap));
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, this.path);
    this.saved++;
  }

  /** The last snapshot, or `undefined` when none exists. Throws when it exists but is unreadable. */
  async load<S>(): Promise<Snapshot<S> | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw e;
    }
    const snap = JSON.parse(text) as Snapshot<S>;
    if (snap.service !== this.o.service) throw new Error(`snapshot ${this.path} belongs to ${snap.service}, not ${this.o.service}`);
    return snap;
  }

  /** Journal messages newer than `sequences` for their source (all messages of sources not listed). */
  async *replayFrom(sequences: Record<string, string>): AsyncGenerator<Uint8Array> {
    const view = new MessageView();
    const after = new Map(Object.entries(sequences).map(([k, v]) => [Number(k), BigInt(v)]));
    for await (const msg of readJournal(this.o.journal.dir, this.o.journal.prefix)) {
      view.wrap(msg);
      const last = after.get(view.source);
      if (last === undefined || view.sequence > last) yield msg;
    }
  }

  /** Saves `capture()` every `intervalMs` (errors counted). */
  startPeriodic<S>(capture: () => { state: S; sequences: Record<string, string> }, intervalMs: number): void {
    this.stopPeriodic();
    this.timer = setInterval(() => {
      const { state, sequences } = capture();
      this.save(state, sequences).catch(() => this.failures++);
    }, intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops periodic snapshots. */
  stopPeriodic(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

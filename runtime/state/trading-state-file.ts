/**
 * The execution service's trading-state file: the trading state (ACTIVE / REDUCING / HALTED) with its
 * reason, the risk limits an operator set through the API, and any open alerts — everything about
 * "may this system trade, and within which limits" that must survive a restart.
 *
 * Written durably ({@link writeDurable}) in the sealed envelope ({@link sealJson}: kind, version,
 * SHA-256), then copied to a last-known-good file (`<service>.trading-state.last-good.json`). A crash
 * between the two writes leaves the previous generation there, so when the main file is unusable the
 * last-good one still holds limits the operator set — never only the config's.
 *
 * `load()` tells apart absent, usable and unusable (with which file and why); what to do about it is
 * the caller's decision (the execution service fails closed: see `execution-state.ts`).
 *
 * @module
 */

import { join } from "node:path";
import * as v from "valibot";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";
import { moveAside, readDurable, writeDurable } from "./durable-file.ts";
import { SealedJsonError, sealJson, unsealJson } from "./sealed-json.ts";

/** Version of the trading-state body this build reads and writes (1 was the unsealed `{state, reason, apiLimits}`). */
export const TRADING_STATE_VERSION = 2;
const KIND = "trading-state";

/** An alert the execution service raised and keeps until an operator releases the kill switch. */
export const AlertSchema = v.strictObject({
  /** `trading_state_unreadable`, `snapshot_unusable` or `risk_limits_unusable`. */
  name: v.string(),
  /** Base name of the file concerned. */
  file: v.string(),
  /** What was wrong with it (`checksum`, `corrupt`, `missing`, …). */
  kind: v.string(),
  /** The full reason, naming the path. */
  reason: v.string(),
  /** When it was raised (ISO time). */
  since: v.string(),
});
/** An open alert. */
export type Alert = v.InferOutput<typeof AlertSchema>;

/** The body of the trading-state file. */
export const TradingStateRecordSchema = v.strictObject({
  state: v.picklist([TradingState.Active, TradingState.Reducing, TradingState.Halted]),
  reason: v.string(),
  /** Risk limits set through the API, as the patch it sent (re-validated on restore). */
  apiLimits: v.record(v.string(), v.unknown()),
  /** Alerts raised and not yet cleared by releasing the kill switch. */
  alerts: v.array(AlertSchema),
  savedAt: v.string(),
});
/** What the trading-state file holds. */
export type TradingStateRecord = v.InferOutput<typeof TradingStateRecordSchema>;

/** Why a trading-state file cannot be used: which file, what kind of problem, and the full reason. */
export class TradingStateFileError extends Error {
  /** `missing`, `unreadable`, `corrupt`, `checksum`, `incompatible` or `invalid` (the body does not match the schema). */
  readonly kind: string;
  /** The file. */
  readonly path: string;
  /** @param kind what is wrong @param path the file @param message details */
  constructor(kind: string, path: string, message: string) {
    super(message.startsWith(path) ? message : `${path}: ${message}`);
    this.name = "TradingStateFileError";
    this.kind = kind;
    this.path = path;
  }
}

/** The outcome of {@link TradingStateStore.load}. */
export type TradingStateLoad =
  | { status: "absent" }
  | { status: "ok"; record: TradingStateRecord }
  | { status: "unusable"; error: TradingStateFileError };

/** Reads and writes one service's trading-state file and its last-known-good copy. */
export class TradingStateStore {
  /** The trading-state file. */
  readonly path: string;
  /** The last-known-good copy (the latest or the previous generation). */
  readonly lastGoodPath: string;

  /** @param dir the state directory (0700) @param service the service name (file prefix) */
  constructor(dir: string, service: string) {
    this.path = join(dir, `${service}.trading-state.json`);
    this.lastGoodPath = join(dir, `${service}.trading-state.last-good.json`);
  }

  /** Writes `record` durably, then the same to the last-known-good copy. Throws DurableFileError. */
  async save(record: TradingStateRecord): Promise<void> {
    const text = sealJson(KIND, TRADING_STATE_VERSION, record);
    await writeDurable(this.path, text);
    await writeDurable(this.lastGoodPath, text);
  }

  /** The trading-state file: absent, usable, or unusable with the reason. Never throws. */
  load(): Promise<TradingStateLoad> {
    return this.loadFrom(this.path);
  }

  /** The last-known-good copy, or `undefined` when it is absent or unusable as well. */
  async loadLastGood(): Promise<TradingStateRecord | undefined> {
    const r = await this.loadFrom(this.lastGoodPath);
    return r.status === "ok" ? r.record : undefined;
  }

  /** Renames the unusable trading-state file to `<file>.unusable-<time>` (kept for inspection); the new path, or undefined. */
  moveAside(): Promise<string | undefined> {
    return moveAside(this.path);
  }

  private async loadFrom(path: string): Promise<TradingStateLoad> {
    let text: string | undefined;
    try {
      text = await readDurable(path);
    } catch (e) {
      return { status: "unusable", error: new TradingStateFileError("unreadable", path, (e as Error).message) };
    }
    if (text === undefined) return { status: "absent" };
    let body: unknown;
    try {
      body = unsealJson(text, KIND, TRADING_STATE_VERSION, path);
    } catch (e) {
      const kind = e instanceof SealedJsonError ? e.kind : "corrupt";
      return { status: "unusable", error: new TradingStateFileError(kind, path, (e as Error).message) };
    }
    const parsed = v.safeParse(TradingStateRecordSchema, body);
    if (!parsed.success) {
      const issues = parsed.issues.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`).join("; ");
      return { status: "unusable", error: new TradingStateFileError("invalid", path, `content does not match the trading-state schema (${issues})`) };
    }
    return { status: "ok", record: parsed.output };
  }
}

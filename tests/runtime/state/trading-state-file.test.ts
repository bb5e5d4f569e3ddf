/**
 * The trading-state file's store on its own (runtime/state/trading-state-file.ts), against real files:
 * absent, usable, and every way it can be unusable — a symlink, a directory, not JSON, sealed for another
 * kind or version, a broken checksum, a sealed body that is not a trading-state record — each a typed
 * {@link TradingStateFileError} naming the file and what is wrong, never a throw; the last-known-good copy
 * is written with the file and read back only when usable; an unusable file is moved aside, a missing one
 * is not.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { moveAside } from "../../../runtime/state/durable-file.ts";
import { sealJson } from "../../../runtime/state/sealed-json.ts";
import { TRADING_STATE_VERSION, TradingStateFileError, TradingStateStore, type TradingStateRecord } from "../../../runtime/state/trading-state-file.ts";
import { TradingState } from "../../../trading/risk/risk-snapshot.ts";
import { tempDir } from "../../relay/helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
/** A store in a fresh 0700 directory. */
function store(): TradingStateStore {
  const dir = join(tmp.dir, `s${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  return new TradingStateStore(dir, "execution");
}

const RECORD: TradingStateRecord = {
  state: TradingState.Halted, reason: "kill switch engaged through the API", apiLimits: { maxPosition: "2" },
  alerts: [{ name: "snapshot_unusable", file: "execution.snapshot.json", kind: "checksum", reason: "x", since: "2026-12-06T00:00:00.000Z" }],
  savedAt: "2026-12-06T00:00:00.000Z",
};

describe("TradingStateStore", () => {
  it("absent before the first save; after it, the file and the last-known-good copy hold the record", async () => {
    const s = store();
    expect(await s.load()).toEqual({ status: "absent" });
    expect(await s.loadLastGood()).toBeUndefined();
    await s.save(RECORD);
    expect(await s.load()).toEqual({ status: "ok", record: RECORD });
    expect(await s.loadLastGood()).toEqual(RECORD);
    expect(readFileSync(s.lastGoodPath, "utf8")).toBe(readFileSync(s.path, "utf8"));
  });

  const damages: [string, (s: TradingStateStore) => void, string, RegExp][] = [
    ["a symlink (never followed)", (s) => symlinkSync(join(tmp.dir, "elsewhere.json"), s.path), "unreadable", /is a symlink; state files are never read through symlinks/],
    ["a directory", (s) => mkdirSync(s.path), "unreadable", /cannot read/],
    ["text that is not JSON", (s) => writeFileSync(s.path, "state=active\n"), "corrupt", /./],
    ["sealed for another kind", (s) => writeFileSync(s.path, sealJson("snapshot", TRADING_STATE_VERSION, RECORD)), "incompatible", /./],
    ["sealed at another version", (s) => writeFileSync(s.path, sealJson("trading-state", 1, RECORD)), "incompatible", /./],
    ["a changed value under the seal (checksum)", (s) => writeFileSync(s.path, sealJson("trading-state", TRADING_STATE_VERSION, RECORD).replace("kill switch", "kill swatch")), "checksum", /./],
    ["a sealed body that is not a trading-state record", (s) => writeFileSync(s.path, sealJson("trading-state", TRADING_STATE_VERSION, { state: "maybe", reason: 7 })),
      "invalid", /content does not match the trading-state schema \(state: .*reason: .*\)/],
  ];
  for (const [what, damage, kind, message] of damages) {
    it(`${what}: unusable, ${kind}, naming the file — not a throw`, async () => {
      const s = store();
      damage(s);
      const r = await s.load();
      expect(r.status).toBe("unusable");
      const error = (r as { error: TradingStateFileError }).error;
      expect(error).toBeInstanceOf(TradingStateFileError);
      expect(error.kind).toBe(kind);
      expect(error.path).toBe(s.path);
      expect(error.message.startsWith(`${s.path}`)).toBe(true);
      expect(error.message).toMatch(message);
    });
  }

  it("an unusable last-known-good copy reads as none", async () => {
    const s = store();
    await s.save(RECORD);
    writeFileSync(s.lastGoodPath, "{");
    expect(await s.loadLastGood()).toBeUndefined();
    expect((await s.load()).status).toBe("ok");
  });

  it("moves an unusable file aside (kept for inspection); a missing one is not moved", async () => {
    const s = store();
    writeFileSync(s.path, "garbage");
    const to = await s.moveAside();
    expect(to).toMatch(/execution\.trading-state\.json\.unusable-\d{4}-\d\d-\d\dT/);
    expect(readFileSync(to!, "utf8")).toBe("garbage");
    expect(existsSync(s.path)).toBe(false);
    expect(await s.moveAside()).toBeUndefined();
    expect(await moveAside(join(tmp.dir, "never-there.json"))).toBeUndefined();
  });

  it("the error's message names the path once, whether or not the reason already starts with it", () => {
    expect(new TradingStateFileError("missing", "/s/f.json", "gone").message).toBe("/s/f.json: gone");
    expect(new TradingStateFileError("missing", "/s/f.json", "/s/f.json is gone").message).toBe("/s/f.json is gone");
  });
});

/**
 * The adapter's memory: the dedupe/reorg window (bounded, duplicates, removals, abandoned blocks,
 * backfill sweeps) and the pool cache file (PROTOCOL.md §8 shape, atomic writes, typed errors).
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Admit, confirmKey, LogWindow } from "../../../adapters/evm/log-window.ts";
import { PoolCache, PoolCacheError } from "../../../adapters/evm/pool-cache.ts";
import { tempDir } from "./helpers.ts";

const H1 = "0x" + "11".repeat(32);
const H2 = "0x" + "22".repeat(32);

describe("LogWindow", () => {
  it("admits a log once; a removal once; the same position again after its removal", () => {
    const w = new LogWindow();
    expect(w.admit(100, 0, H1, false)).toBe(Admit.New);
    expect(w.admit(100, 0, H1, false)).toBe(Admit.Duplicate);
    expect(w.admit(100, 0, H1, true)).toBe(Admit.New);
    expect(w.admit(100, 0, H1, true)).toBe(Admit.Duplicate);
    expect(w.admit(100, 0, H2, false)).toBe(Admit.New); // the replacement chain's log at that position
    expect(w.admit(100, 0, H2, false)).toBe(Admit.Duplicate);
  });

  it("a new hash for a block abandons that block and every later one (retractions listed in order)", () => {
    const w = new LogWindow();
    for (const [b, i] of [[100, 0], [100, 1], [101, 0], [102, 3]] as const) {
      w.admit(b, i, H1, false);
      w.attach(b, i, 4, new Uint8Array([b & 0xff, i]));
    }
    expect(w.admit(101, 5, H2, false)).toBe(Admit.New);
    expect(w.orphans.map((e) => `${e.blockNumber}:${e.logIndex}`)).toEqual(["101:0", "102:3"]);
    expect(w.orphans[0]!.tlv).toEqual(new Uint8Array([101, 0]));
    expect(w.admit(100, 1, H1, false)).toBe(Admit.Duplicate); // block 100 untouched
  });

  it("a backfill sweep retracts emitted logs of its range that it did not return", () => {
    const w = new LogWindow();
    for (const i of [0, 1, 2]) w.admit(200, i, H1, false);
    w.admit(201, 0, H1, false);
    w.admit(203, 0, H1, false);
    const swept = w.sweepUnconfirmed(200, 202, new Set([confirmKey(200, 1, H1)]));
    expect(swept.map((e) => `${e.blockNumber}:${e.logIndex}`)).toEqual(["200:0", "200:2", "201:0"]);
    expect(w.sweepUnconfirmed(200, 202, new Set([confirmKey(200, 1, H1)]))).toEqual([]); // the rest already retracted
  });

  it("memory is bounded: old blocks are forgotten, and their logs are then below the window", () => {
    const w = new LogWindow(16, 1000);
    for (let b = 0; b < 200; b++) for (let i = 0; i < 10; i++) w.admit(b, i, H1, false);
    expect(w.size).toBeLessThanOrEqual(160);
    expect(w.lowestBlock).toBe(184);
    expect(w.admit(150, 0, H1, false)).toBe(Admit.BelowWindow);
    expect(w.admit(150, 0, H1, true)).toBe(Admit.New); // a removal is still passed on
    const capped = new LogWindow(1000, 50);
    for (let b = 0; b < 20; b++) for (let i = 0; i < 10; i++) capped.admit(b, i, H1, false);
    expect(capped.size).toBeLessThanOrEqual(60);
  });
});

describe("PoolCache file", () => {
  const meta = { kind: "v3" as const, venue: 402, token0: "0x2791BCA1F2DE4661ED88A30C99A7A9449AA84174", token1: "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619", decimals0: 6, decimals1: 18, fee: 500 };
  const pool = "0x45DDA9CB7C25131DF268515131F647D726F50608";

  it("round-trips the PROTOCOL §8 shape (lower-case keys and addresses, sorted), written atomically", async () => {
    const tmp = await tempDir();
    try {
      const file = join(tmp.dir, "cache.json");
      const cache = await PoolCache.load(file);
      expect(cache.size).toBe(0);
      cache.set(pool, meta);
      cache.set("0x0000000000000000000000000000000000000001", { ...meta, kind: "v2", fee: 3000 });
      await cache.close();
      const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(["0x0000000000000000000000000000000000000001", pool.toLowerCase()]);
      expect(json[pool.toLowerCase()]).toEqual({ ...meta, token0: meta.token0.toLowerCase() });
      expect((await readdir(tmp.dir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
      const again = await PoolCache.load(file);
      expect(again.get(pool)?.meta.decimals0).toBe(6);
      expect(again.get(pool.toLowerCase())?.token1Bytes.length).toBe(20);
      expect(cache.writes).toBe(1); // two changes, one coalesced write
    } finally {
      await tmp.remove();
    }
  });

  it("an invalid file is a typed error naming the file, the pool and the field", async () => {
    const tmp = await tempDir();
    try {
      const file = join(tmp.dir, "bad.json");
      await writeFile(file, "{ not json");
      await expect(PoolCache.load(file)).rejects.toThrow(PoolCacheError);
      await writeFile(file, JSON.stringify({ [pool]: { ...meta, decimals1: 300 } }));
      await expect(PoolCache.load(file)).rejects.toThrow(/bad\.json: pool 0x45dda9cb.*decimals1 must be an integer 0–255/);
      await writeFile(file, JSON.stringify({ "0x12": meta }));
      await expect(PoolCache.load(file)).rejects.toThrow(/key "0x12" is not a pool address/);
      await writeFile(file, JSON.stringify({ [pool]: { ...meta, kind: "v4" } }));
      await expect(PoolCache.load(file)).rejects.toThrow(/kind must be "v2" or "v3"/);
    } finally {
      await tmp.remove();
    }
  });
});

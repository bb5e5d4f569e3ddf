/**
 * `ap import` as a user runs it: the real CLI spawned (tsx under Node, deno under Deno), its recording
 * read back by `ap decode`, exit codes and the bad-row listing.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DATA, readRecording } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const TIMEOUT_MS = 120_000;
const tmp = mkdtempSync(join(tmpdir(), "ap-import-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ap(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, pre] = deno ? [deno.execPath(), ["run", "-A", "main.ts"]] : [process.execPath, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", (e) => (clearTimeout(timer), reject(e)));
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

const TARDIS = ["trades_BTCUSDT_2020-02-22", "quotes_BTCUSDT_2020-02-22", "book_snapshot_5_BTCUSDT", "book_snapshot_25_BTCUSDT"]
  .map((f) => join(DATA, "tardis", `binance-futures_${f}.csv`));

describe("ap import (real process)", () => {
  it("imports the real tardis files and `ap decode` reads the recording back", async () => {
    const out = join(tmp, "tardis.bin");
    const r = await ap(["import", "tardis", ...TARDIS, "--out", out]);
    expect(r.stderr).toContain(`${TARDIS[0]} (trades): 9999 rows → 9999 messages, 0 bad`);
    expect(r.stderr).toContain(`${TARDIS[3]} (book_snapshot_25): 10 rows → 10 messages, 0 bad`);
    expect(r.stderr).toMatch(/20018 rows → 20018 messages \(\d+ bytes\) .* 0 bad; [\d.]+ s, \d+ rows\/s/);
    expect(r.code).toBe(0);
    expect(readRecording(new Uint8Array(readFileSync(out))).length).toBe(20018);

    const d = await ap(["decode", out, "--json"]);
    expect(d.code).toBe(0);
    const lines = d.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(20018);
    const first = JSON.parse(lines[0]!) as { header: { source: number; sequence: string; timestamp: string }; tlvs: Record<string, unknown>[] };
    expect(first.header).toMatchObject({ source: 90, sequence: "1", timestamp: "1582329602111000000" });
    expect(first.tlvs[0]).toMatchObject({
      name: "Trade", side: 1, price: "968200000000", size: "13200000", execTimestamp: "1582329602111000000",
      instrument: { venue: 104, assetType: 2, symbol: "BTC/USDT" },
    });
    const last = JSON.parse(lines.at(-1)!) as { header: { sequence: string }; tlvs: { name: string; bids: unknown[]; asks: unknown[] }[] };
    expect([last.header.sequence, last.tlvs[0]!.name, last.tlvs[0]!.bids.length, last.tlvs[0]!.asks.length]).toEqual(["20018", "OrderBook", 25, 25]);
  });

  it("lists bad rows as FILE:LINE, exits 1, and 0 with --skip-bad", async () => {
    const bad = join(tmp, "bad.csv");
    writeFileSync(bad, "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n" +
      "binance-futures,BTCUSDT,1582329601096000,1582329603502092,0.84,9682,9681.92,0.67\n" +
      "binance-futures,BTCUSDT,1582329603401000,1582329603522418,0.84,9682,9681.83,1e\n" +
      "kucoin,BTC-USDT,1582329603401000,1582329603522418,0.84,9682,9681.83,1\n");
    const out = join(tmp, "bad.bin");
    const r = await ap(["import", "tardis", bad, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`bad row ${bad}:3: bid_amount: "1e" is not a decimal number`);
    expect(r.stderr).toContain(`bad row ${bad}:4: exchange "kucoin" has no venue id`);
    expect(r.stderr).toContain(`${bad} (quotes): 3 rows → 1 messages, 2 bad`);
    expect(readRecording(new Uint8Array(readFileSync(out))).length).toBe(1);
    const skip = await ap(["import", "tardis", bad, "--out", out, "--skip-bad", "--venue-map", "kucoin=65001"]);
    expect(skip.code).toBe(0);
    expect(skip.stderr).toContain(`bad row ${bad}:3:`);
    expect(skip.stderr).not.toContain(`${bad}:4`);
    expect(readRecording(new Uint8Array(readFileSync(out))).map((m) => (m.tlvs[0] as { instrument: { venue: number } }).instrument.venue)).toEqual([104, 65001]);
  });

  it("refuses usage errors with exit 2 and an unknown header with exit 1", async () => {
    const nofmt = await ap(["import", "csv", TARDIS[0]!, "--out", join(tmp, "x.bin")]);
    expect([nofmt.code, nofmt.stderr]).toEqual([2, expect.stringContaining("one of tardis, cryptofeed, coinbase-matches, ethereum-etl")]);
    const noOut = await ap(["import", "tardis", TARDIS[0]!]);
    expect([noOut.code, noOut.stderr]).toEqual([2, expect.stringContaining("--out FILE is required")]);
    const json = join(DATA, "coinbase-exchange/matches.json");
    const wrong = await ap(["import", "tardis", json, "--out", join(tmp, "x.bin")]);
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining(`${json}:1: the first line is not a tardis.dev CSV header`)]);
  });

  it("imports ethereum-etl logs with a pool cache and block times", async () => {
    const rpc = join(DATA, "evm/polygon.uniswap_logs.rpc.jsonl");
    const pools: Record<string, unknown> = {
      "0x4a35582a710e1f4b2030a3f826da20bfb6703c09": { kind: "v2", venue: 400, token0: "0x0000000000000000000000000000000000000001", token1: "0x0000000000000000000000000000000000000002", decimals0: 18, decimals1: 6, fee: 3000 },
    };
    const cache = join(tmp, "pools.json");
    writeFileSync(cache, JSON.stringify(pools));
    const blocks = join(tmp, "blocks.jsonl"); // ethereum-etl export_blocks shape (fields trimmed)
    writeFileSync(blocks, '{"number": 13572468, "hash": "0x93f6", "timestamp": 1619433047, "transaction_count": 120}\n');
    const out = join(tmp, "poly.bin");
    const r = await ap(["import", "ethereum-etl", rpc, "--chain", "polygon", "--pool-cache", cache, "--blocks", blocks, "--out", out]);
    expect(r.stderr).toMatch(/polygon\.uniswap_logs\.rpc\.jsonl:3: pool 0x\S+ has no metadata/); // the V3 pool is not in the cache
    expect(r.stderr).toContain("(ethereum-etl): 3 rows → 2 messages, 1 bad");
    expect(r.code).toBe(1);
    const msgs = readRecording(new Uint8Array(readFileSync(out)));
    expect(msgs.map((m) => m.tlvs[0]!.name)).toEqual(["PoolSync", "PoolSwap"]);
    expect(msgs.map((m) => [m.header.timestamp, (m.tlvs[0] as { blockTimestamp: bigint }).blockTimestamp, m.header.source]))
      .toEqual([[1_619_433_047_000_000_000n, 1_619_433_047_000_000_000n, 4], [1_619_433_047_000_000_000n, 1_619_433_047_000_000_000n, 4]]);
    expect(r.stderr).toContain("blocks.jsonl (blocks): 1 rows → 0 messages, 0 bad");
  });
});

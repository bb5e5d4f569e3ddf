/**
 * `ap capture`, `ap normalize` and `ap adapter` as processes (spawned through the runtime under test).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { parseCaptureText } from "../../adapters/common/capture.ts";
import { replayCapture } from "../../adapters/common/replay.ts";
import { CollectingSink } from "../../adapters/common/sink.ts";
import { loadVenue } from "../../adapters/registry.ts";
import { BinanceSim } from "../../adapters/sim/binance.ts";
import { CoinbaseSim } from "../../adapters/sim/coinbase.ts";
import { StandInServer } from "../../adapters/sim/server.ts";
import { StreamFramer, concat, decodeMessage } from "../../protocol/mod.ts";
import { IS_DENO } from "./helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "ap-adapters-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

function ap(args: string[], timeoutMs = 60_000): Promise<Run> {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [cmd, pre] = IS_DENO ? [deno!.execPath(), ["run", "-A", "main.ts"]] : [process.execPath, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    let err = "";
    child.stdout.on("data", (c: Uint8Array) => out.push(c));
    child.stderr.on("data", (c: Uint8Array) => (err += new TextDecoder().decode(c)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish in ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: concat(out), stderr: err });
    });
  });
}

function frames(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  new StreamFramer().push(bytes, (b, o, l) => out.push(b.slice(o, o + l)));
  return out;
}

describe("ap normalize", () => {
  it("writes exactly the messages the in-process replay builds (binary), and JSON lines with --json", async () => {
    const file = "fixtures/captures/kraken.sim.jsonl";
    const bin = await ap(["normalize", "kraken", file]);
    expect(bin.code, bin.stderr).toBe(0);
    expect(bin.stderr).toMatch(/parse errors 0/);
    const sink = new CollectingSink();
    const venue = await loadVenue("kraken");
    await replayCapture(await venue.create({ sink, anySymbol: true }), parseCaptureText(readFileSync(join(ROOT, file), "utf8")));
    expect(bin.stdout).toEqual(concat(sink.messages));
    const json = await ap(["normalize", "kraken", file, "--json", "--quiet"]);
    expect(json.code).toBe(0);
    const lines = new TextDecoder().decode(json.stdout).trim().split("\n").map((l) => JSON.parse(l) as { header: { sequence: string }; tlvs: { name: string }[] });
    expect(lines.length).toBe(sink.messages.length);
    expect(lines[0]!.header.sequence).toBe("1");
    expect(new Set(lines.map((l) => l.tlvs[0]!.name))).toEqual(new Set(["Trade", "Quote", "OrderBook"]));
  });

  it("fails clearly on a missing file (1) and an unknown venue (2)", async () => {
    const missing = await ap(["normalize", "coinbase", join(dir, "nope.jsonl")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.jsonl/);
    const unknown = await ap(["normalize", "bitfake", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown venue "bitfake"; known: coinbase, binance, kraken/);
  });
});

describe("ap capture and ap adapter", () => {
  it("records a live session from a stand-in, which then normalises", async () => {
    const venue = await StandInServer.start(new CoinbaseSim(21), { stepMs: 10 });
    try {
      const out = join(dir, "cb.jsonl");
      const run = await ap(["capture", "coinbase", "--out", out, "--ws-url", venue.wsUrl, "--symbols", "BTC-USD", "--max-frames", "40"]);
      expect(run.code, run.stderr).toBe(0);
      const events = parseCaptureText(readFileSync(out, "utf8"));
      expect(events[0]!.kind).toBe("connect");
      expect(events[1]!.kind).toBe("sent");
      expect(JSON.parse(events[1]!.data!)).toMatchObject({ type: "subscribe", product_ids: ["BTC-USD"] });
      expect(events.filter((e) => e.kind === "recv").length).toBeGreaterThanOrEqual(40);
      const norm = await ap(["normalize", "coinbase", out]);
      expect(norm.code).toBe(0);
      expect(frames(norm.stdout).length).toBeGreaterThan(0);
    } finally {
      await venue.close();
    }
  });

  it("replays a capture at (sped-up) recorded pace into a file", async () => {
    const out = join(dir, "replay.bin");
    const run = await ap(["adapter", "binance", "--replay", "fixtures/captures/binance.sim.jsonl", "--speed", "100", "--out", out, "--metrics-every", "0"]);
    expect(run.code, run.stderr).toBe(0);
    const msgs = frames(readFileSync(out));
    expect(msgs.length).toBeGreaterThan(100);
    const final = JSON.parse(run.stderr.split("\n").find((l) => l.includes('"final":true'))!) as { metrics: { parseErrors: number; published: number } };
    expect(final.metrics.parseErrors).toBe(0);
    expect(final.metrics.published).toBe(msgs.length);
    expect(decodeMessage(msgs[0]!).header.source).toBe(1);
  });

  it("runs live against a stand-in for a while and stops cleanly", async () => {
    const venue = await StandInServer.start(new BinanceSim(22), { stepMs: 10 });
    try {
      const out = join(dir, "live.jsonl");
      const run = await ap(["adapter", "binance", "--ws-url", `${venue.wsUrl}/stream`, "--rest-url", venue.restUrl, "--symbols", "BTCUSDT",
        "--duration", "2", "--json", "--out", out, "--metrics-every", "0", "--set", "bookIntervalMs=0"]);
      expect(run.code, run.stderr).toBe(0);
      const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { tlvs: { name: string; instrument: { symbol: string } }[] });
      expect(lines.length).toBeGreaterThan(10);
      expect(lines.every((l) => l.tlvs[0]!.instrument.symbol === "BTC/USDT")).toBe(true);
      expect(run.stderr).toMatch(/stopped \(duration\)/);
    } finally {
      await venue.close();
    }
  });
});

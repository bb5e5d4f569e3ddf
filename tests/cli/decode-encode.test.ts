/**
 * `ap decode` / `ap encode` end to end: the real CLI spawned as a child process (tsx under Node, deno
 * under Deno, so each runtime's own code path is what runs), on real files and pipes.
 */

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, decodeMessage, equals } from "../../protocol/mod.ts";
import { FIXTURE, fixtureStream } from "./messages.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const SPAWN_TIMEOUT_MS = 30_000;

interface Run {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs `ap <args…>` with `stdin` piped in (closed empty when absent). */
function ap(args: readonly string[], stdin?: Uint8Array): Promise<Run> {
  const [cmd, pre] = deno ? [deno.execPath(), ["run", "-A", "main.ts"]] : [process.execPath, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish within ${SPAWN_TIMEOUT_MS} ms`));
    }, SPAWN_TIMEOUT_MS);
    child.stdout.on("data", (c: Uint8Array) => out.push(c));
    child.stderr.on("data", (c: Uint8Array) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: concat(out), stderr: new TextDecoder().decode(concat(err)) });
    });
    child.stdin.on("error", () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(stdin ?? new Uint8Array(0));
  });
}

function lines(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  return text.length === 0 ? [] : text.replace(/\n$/, "").split("\n");
}

/** Flips one bit of a copy of `bytes`. */
function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 0x10;
  return copy;
}

describe("ap decode / ap encode (spawned CLI)", { timeout: 120_000 }, () => {
  let dir: string;
  const { bytes: fixture, starts } = fixtureStream();
  // 200 copies of the fixture: a stream of several 64 KiB read chunks, so messages straddle chunk edges.
  const big = concat(Array.from({ length: 200 }, () => fixture));
  const file = (name: string, data: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ap-cli-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips every TLV type: decode --json FILE | encode (stdin) is byte-identical", async () => {
    expect(big.length).toBeGreaterThan(3 * 64 * 1024);
    const decoded = await ap(["decode", "--json", file("big.bin", big)]);
    expect(decoded.stderr).toBe("");
    expect(decoded.code).toBe(0);
    const jsonLines = lines(decoded.stdout);
    expect(jsonLines).toHaveLength(200 * FIXTURE.length);
    // Every registered type plus the unregistered one appears, in the §7 JSON form.
    const first = jsonLines.slice(0, FIXTURE.length).map((l) => JSON.parse(l) as { header: Record<string, unknown>; tlvs: { type: number; name: string }[] });
    const types = new Set(first.flatMap((m) => m.tlvs.map((t) => t.type)));
    for (const t of [1, 2, 3, 4, 5, 6, 7, 19, 20, 21, 22, 23, 40, 41, 42, 43, 44, 80, 81, 82, 83, 84, 85]) expect(types).toContain(t);
    expect(first[0]!.header).toEqual({
      magic: 0xdeadbeef, version: 1, relayDomain: 1, source: 3, sequence: "1", timestamp: "1764000000123456789",
      payloadSize: 42 + 18, checksum: decodeMessage(fixture).header.checksum,
    });
    expect(first[0]!.tlvs[0]).toMatchObject({ name: "Trade", price: "3000012345678", instrument: { symbol: "BTC/USD", venue: 102 } });

    const encoded = await ap(["encode"], decoded.stdout);
    expect(encoded.stderr).toBe("");
    expect(encoded.code).toBe(0);
    expect(encoded.stdout.length).toBe(big.length);
    expect(equals(encoded.stdout, big)).toBe(true);
  });

  it("decodes stdin (-) into human lines with exact decimals and instruments", async () => {
    const r = await ap(["decode", "-"], fixture);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(FIXTURE.length);
    expect(out[0]).toBe(
      "seq=1 src=3 market-data 2025-11-24T16:00:00.123456789Z Trade BTC/USD@coinbase side=1 flags=0 price=30000.12345678 " +
        "size=0.01 execTimestamp=2025-11-24T16:00:00.123456784Z | Heartbeat serviceId=3 state=2 uptimeSeconds=42 lastSequence=0",
    );
    expect(out[1]).toContain("Quote ETH/USDT@binance bidPrice=3000.12 bidSize=1.5 askPrice=3000.13 askSize=-0.00000001");
    expect(out[1]).toContain("| Unknown(type=19) hex=010203fa");
    expect(out[2]).toContain("bids=[0.00001@30000,0.00002@29999,");
    expect(out[7]).toContain('Hello role=3 serviceId=80 token="s3cret ✓" | Subscribe types=[1,2,4]');
  });

  it("stops at a corrupt checksum in the 3rd message: exit 1, kind and stream offset, first two messages printed", async () => {
    const corrupt = flip(fixture, starts[2]! + 40); // a payload byte of message 3
    const r = await ap(["decode", file("corrupt.bin", corrupt)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ap decode: ChecksumMismatch at byte ${starts[2]! + 28} \\(message 3 at byte ${starts[2]}\\): checksum 0x[0-9a-f]{8} ≠ computed 0x[0-9a-f]{8}\\n$`));
    const out = lines(r.stdout);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^seq=1 src=3 /);
    expect(out[1]).toMatch(/^seq=2 src=1 /);

    // --no-checksum accepts the same stream.
    const lenient = await ap(["decode", "--no-checksum", "--json", file("corrupt.bin", corrupt)]);
    expect(lenient.code).toBe(0);
    expect(lines(lenient.stdout)).toHaveLength(FIXTURE.length);
  });

  it("reports bad magic at the exact stream offset of the 4th message", async () => {
    const r = await ap(["decode", "--json", file("magic.bin", flip(fixture, starts[3]!))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ap decode: BadMagic at byte ${starts[3]} (message 4): magic is 0xdeadbeff, expected 0xdeadbeef\n`);
    expect(lines(r.stdout)).toHaveLength(3);
  });

  it("reports a truncated tail at EOF with the start of the incomplete message", async () => {
    const cut = fixture.subarray(0, starts[5]! + 45);
    const r = await ap(["decode", file("cut.bin", cut)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ap decode: Truncated at byte ${starts[5]} (message 6): the stream ends 45 bytes into this message\n`);
    expect(lines(r.stdout)).toHaveLength(5);
  });

  it("names the line and field path of a bad JSON line, after writing the lines before it", async () => {
    const good = await ap(["decode", "--json", file("fixture.bin", fixture)]);
    const json = lines(good.stdout);
    const bad = JSON.parse(json[2]!) as { tlvs: Record<string, unknown>[] };
    bad.tlvs[0]!.bookTimestamp = "yesterday";
    const input = [json[0], "", json[1], JSON.stringify(bad), json[3]].join("\n") + "\n";
    const r = await ap(["encode", "-"], new TextEncoder().encode(input));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ap encode: line 4: tlvs[0].bookTimestamp must be an integer as a decimal string, got "yesterday"\n');
    expect(equals(r.stdout, fixture.subarray(0, starts[2]))).toBe(true);
  });

  it("prints help with exit 0 and rejects an unknown command with exit 2", async () => {
    const [help, decodeHelp, unknown] = await Promise.all([ap(["--help"]), ap(["decode", "--help"]), ap(["nonsense"])]);
    expect(help.code).toBe(0);
    expect(new TextDecoder().decode(help.stdout)).toMatch(/decode\s+binary Protocol V2 stream/);
    expect(new TextDecoder().decode(help.stdout)).toMatch(/encode\s+JSON lines/);
    expect(decodeHelp.code).toBe(0);
    expect(new TextDecoder().decode(decodeHelp.stdout)).toContain("usage: ap decode [FILE|-] [--json] [--no-checksum]");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "nonsense"');
  });
});

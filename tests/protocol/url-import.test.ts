/**
 * protocol/ is importable straight from a URL by Deno — proof that it imports nothing outside itself and
 * needs no package manager. The repository is served over HTTP on 127.0.0.1 as `text/plain` (a plain
 * file server; Deno then goes by the `.ts` extension), a Deno child process imports
 * `http://127.0.0.1:PORT/protocol/mod.ts` with `--check=all` (remote modules type-checked too) and
 * round-trips a Trade; the server's log shows every module fetched came from protocol/.
 */

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeMessage, pairInstrument, toHex } from "../../protocol/mod.ts";
import { denoBinary } from "../setup/deno-binary.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Serves files under ROOT as text/plain and records every path requested. */
function startServer(requested: string[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    requested.push(path);
    const file = resolve(ROOT, "." + path);
    if (!file.startsWith(ROOT + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

const TRADE = {
  type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", 102), side: 1, flags: 0,
  price: 3_000_012_345_678n, size: 3_600_000n, execTimestamp: 1_700_000_000_123_456_789n,
} as const;
const META = { relayDomain: 1, source: 3, sequence: 1n, timestamp: 1_700_000_000_200_000_000n };

describe("protocol/ imported from a URL by Deno", () => {
  const requested: string[] = [];
  let server: http.Server;
  let work: string;

  beforeAll(async () => {
    server = await startServer(requested);
    work = mkdtempSync(join(tmpdir(), "ap-url-import-"));
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(work, { recursive: true, force: true });
  });

  it("round-trips a Trade using only modules fetched from /protocol/", async () => {
    const { port } = server.address() as AddressInfo;
    const script = join(work, "round-trip.ts");
    writeFileSync(script, `
import { decodeMessage, encodeMessage, formatDecimal, formatInstrument, pairInstrument, toHex, type TradeTlv } from "http://127.0.0.1:${port}/protocol/mod.ts";
const bytes = encodeMessage(
  { relayDomain: 1, source: 3, sequence: 1n, timestamp: 1700000000200000000n },
  [{ type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", 102), side: 1, flags: 0,
     price: 3000012345678n, size: 3600000n, execTimestamp: 1700000000123456789n }],
);
const trade = decodeMessage(bytes).tlvs[0] as TradeTlv;
console.log(JSON.stringify({
  hex: toHex(bytes), instrument: formatInstrument(trade.instrument), price: formatDecimal(trade.price),
  size: formatDecimal(trade.size), runtime: typeof (globalThis as { Deno?: unknown }).Deno,
}));
`);
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((done) => {
      execFile(
        denoBinary(),
        ["run", "--no-config", "--check=all", "--allow-net=127.0.0.1", `--allow-import=127.0.0.1:${port}`, script],
        { env: { ...process.env, DENO_DIR: join(work, "deno-dir"), NO_COLOR: "1" }, timeout: 120_000, cwd: work },
        (error, out, err) => done({ stdout: out, stderr: err, code: error ? (typeof error.code === "number" ? error.code : -1) : 0 }),
      );
    });
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({
      hex: toHex(encodeMessage(META, [TRADE])), // byte-identical to this runtime's encoding
      instrument: "BTC/USD@coinbase",
      price: "30000.12345678",
      size: "0.036",
      runtime: "object",
    });
    expect(requested).toContain("/protocol/mod.ts");
    expect(requested.filter((p) => !p.startsWith("/protocol/"))).toEqual([]);
    expect(requested.every((p) => p.endsWith(".ts"))).toBe(true);
  }, 150_000);
});

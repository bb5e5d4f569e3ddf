/**
 * The relay client imported from a URL by Deno, no package manager: the repository is served over HTTP on
 * 127.0.0.1 with `content-type: application/typescript` for `.ts`, a Deno child process (`--no-config`,
 * type-checked, network limited to 127.0.0.1) imports `relay/client/mod.ts` and `protocol/mod.ts` from
 * it, connects to a relay this test runs, subscribes, publishes a Trade by name and decodes what comes
 * back. The server's log shows which modules were fetched: only protocol/, relay/ and core/ (never
 * npm packages, the server, runtime/ or app/).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import { relaySocketPath } from "../../relay/wire/socket-paths.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { startTestRelay } from "../relay/helpers.ts";
import { denoBinary, ROOT } from "./helpers.ts";

const requested: string[] = [];
let server: http.Server;
let work: string;
let relay: RelayServer | undefined;

/** Serves files under ROOT; `.ts` as application/typescript. */
function serve(): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    requested.push(p);
    const file = path.resolve(ROOT, "." + p);
    if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": file.endsWith(".ts") ? "application/typescript; charset=utf-8" : "application/octet-stream" }).end(fs.readFileSync(file));
  });
  return new Promise((ok, fail) => {
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => ok(s));
  });
}

beforeAll(async () => {
  server = await serve();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "ap-deno-client-"));
  relay = await startTestRelay(work, { domain: RelayDomain.MarketData, socketPath: relaySocketPath(work, RelayDomain.MarketData) });
});

afterAll(async () => {
  await relay?.close();
  await new Promise<void>((done) => server.close(() => done()));
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the relay client imported from a URL by Deno", () => {
  it("connects, subscribes, publishes a Trade by name and decodes it, with only protocol/, relay/ and core/ modules fetched", async () => {
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const script = path.join(work, "client.ts");
    fs.writeFileSync(script, `
import { connect } from "${base}/relay/client/mod.ts";
import { formatDecimal, formatInstrument, type TradeTlv } from "${base}/protocol/mod.ts";
const md = await connect("market-data", { runtimeDir: ${JSON.stringify(work)} });
const sub = md.subscribe({ types: ["Trade"] });
await sub.ready;
const timer = setInterval(() => md.publish({ name: "Trade", instrument: { symbol: "ETH/USD", venue: "kraken", assetType: "Spot" },
  side: 1, flags: 0, price: 300012345678n, size: 150000000n, execTimestamp: 1700000000000000000n }), 50);
for await (const msg of sub) {
  const t: TradeTlv = msg.tlv();
  console.log(JSON.stringify({ type: msg.type, instrument: formatInstrument(t.instrument), price: formatDecimal(t.price),
    json: msg.toJSON().tlvs[0], runtime: typeof (globalThis as { Deno?: unknown }).Deno }));
  break;
}
clearInterval(timer);
await md.close();
`);
    // Deno 2.9 asks for net access to a Unix socket too: `unix:<path>` beside the loopback host.
    const args = ["run", "--no-config", "--check", `--allow-net=127.0.0.1,unix:${relaySocketPath(work, RelayDomain.MarketData)}`, `--allow-import=127.0.0.1:${port}`,
      `--allow-read=${work}`, `--allow-write=${work}`, "--allow-env", script];
    const child = spawn(denoBinary(), args, { cwd: work, env: { ...process.env, DENO_DIR: path.join(work, "deno-dir"), NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    clearTimeout(timer);
    expect({ code, stderr: code === 0 ? "" : stderr.slice(-4000) }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toMatchObject({
      type: "Trade", instrument: "ETH/USD@kraken", price: "3000.12345678", runtime: "object",
      json: { name: "Trade", price: "300012345678", size: "150000000", instrument: { symbol: "ETH/USD", venue: 101 } },
    });
    expect(requested).toContain("/relay/client/mod.ts");
    expect(requested).toContain("/relay/transport/deno.ts"); // Deno's own sockets, chosen by the entry
    expect(requested.filter((p) => !/^\/(protocol|relay\/(client|wire|transport)|core)\/[\w-]+\.ts$/.test(p))).toEqual([]);
  }, 180_000);
});

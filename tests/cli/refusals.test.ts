/**
 * `ap replay` / `ap publish` as real processes against a real relay: they print what the relay refused,
 * per reason, suggest --restamp, and exit 1 when nothing got through; the relay commands find the relay
 * in the runtime directory the way `ap start` placed it (--runtime-dir, ALPHAPULSE_RUNTIME_DIR, --config).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMessage, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import { startRelayServer, type RelayServer } from "../../relay/server/server.ts";
import { relayRuntimeDir } from "../../cli/relay-options.ts";
import { runtimePaths } from "../../runtime/paths.ts";
import { silentLogger } from "../../core/log.ts";
import { client, Role, tempDir, tsCommand } from "../relay/helpers.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const MAIN = path.join(ROOT, "main.ts");

function trades(source: number, from: number, n: number): Uint8Array {
  const parts = Array.from({ length: n }, (_, i) => encodeMessage({
    relayDomain: RelayDomain.MarketData, source, sequence: BigInt(from + i), timestamp: 1_700_000_000_000_000_000n + BigInt(from + i) * 1_000_000n,
  }, [{
    type: TlvType.Trade, name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1, flags: 0,
    price: 6_000_000_000_000n, size: 1_000_000n, execTimestamp: 0n,
  }]));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function ap(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cmd, argv } = tsCommand(MAIN, args);
  const childEnv: Record<string, string | undefined> = { ...process.env, ALPHAPULSE_RUNTIME_DIR: undefined, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: childEnv as NodeJS.ProcessEnv });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => child.on("close", (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

let env: { dir: string; cleanup: () => void };
let server: RelayServer;
let owner: RelayClient;
let recording: string;

beforeEach(async () => {
  env = tempDir();
  // Where `ap start` puts the market-data relay of a system whose runtime directory is env.dir.
  server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath: runtimePaths(env.dir).relaySocket(RelayDomain.MarketData), logger: silentLogger });
  owner = await client(server.socketPath, 3, Role.Publisher);
  owner.publish(trades(3, 1, 1).slice());
  await owner.flush();
  expect(await owner.judged(1, 20_000)).toBe(true);
  recording = path.join(env.dir, "rec.bin");
  fs.writeFileSync(recording, trades(3, 2, 40));
});

afterEach(async () => {
  await owner.close();
  await server.close();
  env.cleanup();
});

describe("publishers hear refusals (real processes)", () => {
  it("ap replay of a source another connection publishes: every refusal printed as sourceOwned, --restamp suggested, exit 1", async () => {
    const r = await ap(["replay", recording, "--to", "market-data", "--speed", "max", "--runtime-dir", env.dir]);
    expect(r.stderr).toContain("40 messages sent");
    expect(r.stderr).toContain("the relay accepted 0 of 40 and refused 40");
    expect(r.stderr).toMatch(/sourceOwned 40 /);
    expect(r.stderr).toContain("--restamp");
    expect(r.code).toBe(1);
    expect(server.relay.metrics.drops.sourceOwned).toBe(40);
  }, 90_000);

  it("ap replay --restamp gets through (exit 0); ap publish of the recording is refused (exit 1, found through ALPHAPULSE_RUNTIME_DIR)", async () => {
    const ok = await ap(["replay", recording, "--to", "market-data", "--speed", "max", "--restamp", "91"], { ALPHAPULSE_RUNTIME_DIR: env.dir });
    expect(ok.stderr).toContain("the relay accepted 40 of 40");
    expect(ok.code).toBe(0);
    const pub = await ap(["publish", "market-data", recording], { ALPHAPULSE_RUNTIME_DIR: env.dir });
    expect(pub.stderr).toContain("ap publish: the relay accepted 0 of 40 and refused 40");
    expect(pub.stderr).toMatch(/sourceOwned 40 /);
    expect(pub.code).toBe(1);
  }, 90_000);

  it("ap subscribe finds the relay through ALPHAPULSE_RUNTIME_DIR, and --runtime-dir wins over it", async () => {
    const bogus = path.join(env.dir, "nowhere");
    const sub = ap(["subscribe", "market-data", "--json", "--count", "2", "--runtime-dir", env.dir], { ALPHAPULSE_RUNTIME_DIR: bogus });
    const viaEnv = ap(["subscribe", "market-data", "--json", "--count", "2"], { ALPHAPULSE_RUNTIME_DIR: env.dir });
    const end = Date.now() + 60_000;
    while (server.relay.metrics.subscribers < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(server.relay.metrics.subscribers).toBe(2);
    owner.publish(trades(3, 2, 2).slice(0, 74));
    owner.publish(trades(3, 3, 1));
    for (const r of [await sub, await viaEnv]) {
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { header: { source: number; sequence: string } });
      expect(lines.map((l) => [l.header.source, l.header.sequence])).toEqual([[3, "2"], [3, "3"]]);
    }
  }, 90_000);
});

describe("relayRuntimeDir", () => {
  it("takes --runtime-dir, else ALPHAPULSE_RUNTIME_DIR, else the --config file's runtimeDir, else the default", async () => {
    const config = path.join(env.dir, "system.yaml");
    fs.writeFileSync(config, `runtimeDir: ${JSON.stringify(path.join(env.dir, "from-config"))}\nservices: []\n`);
    expect(await relayRuntimeDir({ "runtime-dir": "/a", config }, { ALPHAPULSE_RUNTIME_DIR: "/b" })).toBe("/a");
    expect(await relayRuntimeDir({ config }, { ALPHAPULSE_RUNTIME_DIR: "/b" })).toBe("/b");
    expect(await relayRuntimeDir({ config }, {})).toBe(path.join(env.dir, "from-config"));
    expect(await relayRuntimeDir({}, {})).toBe(runtimePaths("").dir);
    await expect(relayRuntimeDir({ config: path.join(env.dir, "missing.yaml") }, {})).rejects.toThrow(/--config .*missing\.yaml/);
  });
});

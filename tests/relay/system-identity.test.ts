/**
 * Issue 14, finding 5, through a whole system started like `ap start` (supervised processes, a run key
 * made by the supervisor): on the market-data relay's Unix socket a Hello claiming the Coinbase adapter's
 * id 3 — without a token, or with the tools' token — is refused and counted; a tool with the tools'
 * token cannot publish the live adapter's source; the adapter's feed keeps flowing to a subscriber with
 * no Gap; the relay reports itself degraded on `/health`. The tools' token is a 0600 file beside the
 * sockets, and the run key is in no file.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetType, encodeMessage, pairAssetId, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { createLogger, silentLogger } from "../../core/log.ts";
import { callControl } from "../../runtime/control/channel.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { firstType, headerOf, rawPeer, Role, sleep, until } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-identity-"));
let system: RunningSystem;

function attack(sequence: bigint): Uint8Array {
  return encodeMessage({ relayDomain: RelayDomain.MarketData, source: 3, sequence, timestamp: BigInt(Date.now()) * 1_000_000n }, [{
    type: TlvType.Trade, name: "Trade", instrument: { assetId: pairAssetId("BTC", "USD"), venue: Venue.Coinbase, assetType: AssetType.Spot },
    side: 1, flags: 0, price: 1n, size: 1n, execTimestamp: 0n,
  }]);
}

/** The market-data relay's status in `GET /health`. */
async function relayHealth(): Promise<string | undefined> {
  const body = await (await fetch(`${system.apiUrl}/health`)).json() as { dependencies: { name: string; status: string }[] };
  return body.dependencies.find((d) => d.name === "relay-market-data")?.status;
}

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "error";
  const replay = path.join(ROOT, "fixtures/demo/coinbase.sim.jsonl");
  const config = parseConfig([
    `runtimeDir: ${path.join(dir, "run")}`,
    "api: { port: 0 }",
    "supervisor: { initialBackoffMs: 50 }",
    "services:",
    "  - name: adapter-coinbase",
    "    kind: adapter",
    "    serviceId: 3",
    `    options: { venue: coinbase, replay: ${JSON.stringify(replay)}, speed: 5 }`,
  ].join("\n"), AppConfigSchema, {});
  system = await startSystem(config, { mainPath: path.join(ROOT, "main.ts"), log: createLogger("test-supervisor", { level: "error" }) });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a system started with identities", () => {
  it("refuses a forged Hello claiming the Coinbase adapter's id; the feed keeps flowing with no Gap", async () => {
    const tokenFile = path.join(system.paths.dir, TOOLS_TOKEN_FILE);
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    const toolsToken = fs.readFileSync(tokenFile, "utf8").trim();
    const socket = system.paths.relaySocket(RelayDomain.MarketData);

    const sub = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 90, role: Role.Subscriber, token: toolsToken, logger: silentLogger,
    });
    const seqs: bigint[] = [];
    const gaps: Uint8Array[] = [];
    sub.onMessage((bytes, offset, length) => {
      const m = bytes.slice(offset, offset + length);
      if (firstType(m) === TlvType.Gap) gaps.push(m);
      else if (headerOf(m).source === 3) seqs.push(headerOf(m).sequence);
    });
    const tool = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 91, role: Role.Publisher, token: toolsToken, logger: silentLogger,
    });
    try {
      await until(() => seqs.length >= 5, 60_000, "the adapter's feed");
      const upBy = Date.now() + 30_000;
      while (await relayHealth() !== "up" && Date.now() < upBy) await sleep(200);
      expect(await relayHealth()).toBe("up");

      for (const token of ["", toolsToken]) {
        const forger = await rawPeer(socket, { serviceId: 3, role: Role.Publisher, token });
        forger.conn.write([attack((1n << 63n) - 1n)]);
        await Promise.race([forger.closed, sleep(10_000)]);
        expect(forger.isClosed()).toBe(true);
      }
      tool.publish(attack((1n << 63n) - 1n)); // a tool may not publish the live adapter's source
      await tool.flush();

      const after = seqs.length;
      await until(() => seqs.length >= after + 20, 60_000, "20 more messages after the forgeries");
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1n);
      expect(gaps).toEqual([]);

      const text = String(await callControl(system.paths.controlSocket("relay-market-data"), "metrics"));
      const metric = (name: string, reason: string): number =>
        Number(new RegExp(`alphapulse_relay_${name}\\{domain="market-data"${reason ? `,reason="${reason}"` : ""}\\} (\\d+)`).exec(text)?.[1] ?? NaN);
      expect(metric("disconnects_total", "auth")).toBe(2);
      expect(metric("dropped_total", "sourceOwned")).toBe(1);
      expect(metric("dropped_total", "duplicate")).toBe(0);
      expect(metric("gaps_sent_total", "")).toBe(0);

      // The refusals alert: the relay reports itself degraded, and /health says so.
      const end = Date.now() + 20_000;
      while (await relayHealth() !== "degraded" && Date.now() < end) await sleep(200);
      expect(await relayHealth()).toBe("degraded");
    } finally {
      await tool.close(200);
      await sub.close(200);
    }
  }, 120_000);

  it("gives the run key to the relays only: no other service's environment, no file in the runtime directory", () => {
    const environ = (name: string): string => {
      const pid = system.services().find((x) => x.name === name)?.pid;
      if (pid == null) throw new Error(`${name} has no pid`);
      return fs.readFileSync(`/proc/${pid}/environ`, "utf8");
    };
    const key = /ALPHAPULSE_RELAY_KEY=([^\0]+)/.exec(environ("relay-market-data"))?.[1];
    expect(key?.length).toBeGreaterThanOrEqual(43);
    for (const name of ["adapter-coinbase", "api"]) {
      expect(environ(name)).not.toContain("ALPHAPULSE_RELAY_KEY");
      expect(environ(name)).toContain("ALPHAPULSE_SERVICE_TOKEN=ap1:");
    }
    for (const name of fs.readdirSync(system.paths.dir)) {
      const p = path.join(system.paths.dir, name);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p, "utf8")).not.toContain(key!);
    }
  });
});

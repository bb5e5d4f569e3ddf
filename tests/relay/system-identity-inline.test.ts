/**
 * The identities of an inline system (`ap start --inline`: every service in this process): services get
 * their identity in-process, the API and status reporters use the process's identity (the run key) for
 * their relay clients, the tools' token works, a Hello without a token is refused — and after the stop
 * this process presents no identity any more.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { processTokenFor, TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { createLogger, silentLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { headerOf, rawPeer, Role, sleep, until } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-identity-inline-"));
let system: RunningSystem | undefined;

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "error";
  const replay = path.join(ROOT, "fixtures/demo/coinbase.sim.jsonl");
  const config = parseConfig([
    `runtimeDir: ${path.join(dir, "run")}`,
    "api: { port: 0 }",
    "services:",
    "  - name: adapter-coinbase",
    "    kind: adapter",
    "    serviceId: 3",
    `    options: { venue: coinbase, replay: ${JSON.stringify(replay)}, speed: 5 }`,
  ].join("\n"), AppConfigSchema, {});
  system = await startSystem(config, { mainPath: path.join(ROOT, "main.ts"), inline: true, log: createLogger("test-supervisor", { level: "error" }) });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an inline system with identities", () => {
  it("authenticates its own services and the tools, refuses a tokenless Hello, and forgets its key when stopped", async () => {
    const s = system!;
    const socket = s.paths.relaySocket(RelayDomain.MarketData);
    const token = fs.readFileSync(path.join(s.paths.dir, TOOLS_TOKEN_FILE), "utf8").trim();
    const sub = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 92, role: Role.Subscriber, token, logger: silentLogger,
    });
    const seqs: bigint[] = [];
    sub.onMessage((b, o, l) => {
      const h = headerOf(b.subarray(o, o + l));
      if (h.source === 3) seqs.push(h.sequence);
    });
    try {
      await until(() => seqs.length >= 5, 60_000, "the adapter's feed");
      const forger = await rawPeer(socket, { serviceId: 3, role: Role.Publisher, token: "" });
      await Promise.race([forger.closed, sleep(10_000)]);
      expect(forger.isClosed()).toBe(true);
      // The API's relay clients (given no token) authenticated with the process's identity: it hears
      // the relays' status reports.
      let status: string | undefined;
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        const body = await (await fetch(`${s.apiUrl}/health`)).json() as { dependencies: { name: string; status: string }[] };
        status = body.dependencies.find((d) => d.name === "relay-system")?.status;
        if (status === "up") break;
        await sleep(200);
      }
      expect(status).toBe("up");
      expect(processTokenFor(60)).toMatch(/^ap1:60-60:/);
    } finally {
      await sub.close(200);
    }
    await s.stop();
    system = undefined;
    expect(processTokenFor(60)).toBe("");
    expect(fs.existsSync(path.join(s.paths.dir, TOOLS_TOKEN_FILE))).toBe(false);
  }, 120_000);
});

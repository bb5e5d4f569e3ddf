/**
 * The threads deployment (`supervisor.deployment: threads`, `ap start --threads`): the embedded demo
 * with every service in a worker thread of this process, reaching the relays over shared-memory rings.
 * The API answers and lists every service running in this process; trades reach the strategies and
 * their signals appear; a worker that throws under load ends alone and is restarted by the supervisor
 * while the stream flows on; a hung worker is found by the ping watch and restarted; one that leaks past
 * its heap limit ends alone and is restarted (Node; Deno logs that it cannot limit a thread); a relay worker
 * that dies is replaced and re-wired; the relays' Unix sockets still serve outside tools (`ap subscribe`,
 * a subscriber with the tools token); and `--inline --threads` is a usage error.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { startCommand } from "../../cli/start.ts";
import { createLogger, silentLogger } from "../../core/log.ts";
import { platform } from "../../core/platform.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import type { ServiceStatus } from "../../runtime/supervisor.ts";
import { ThreadFault } from "../../runtime/threads/link-messages.ts";
import { headerOf, Role } from "../relay/helpers.ts";
import { ROOT, runAp } from "./ap-process.ts";
import { until } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-threads-"));
const supervisorLines: string[] = [];
const serviceLines: string[] = [];
let system: RunningSystem | undefined;
/** Messages per source id seen on the market-data and signal relays' Unix sockets. */
const seen = { market: new Map<number, number>(), signal: new Map<number, number>() };
const clients: RelayClient[] = [];

/** The service the leak test runs out of heap. */
const LEAKER = "strategy-arbitrage";

const count = (m: Map<number, number>, source: number): number => m.get(source) ?? 0;
const total = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const status = (name: string): ServiceStatus => system!.services().find((s) => s.name === name)!;

async function subscribe(domain: RelayDomain, into: Map<number, number>): Promise<void> {
  const token = readFileSync(join(system!.paths.dir, TOOLS_TOKEN_FILE), "utf8").trim();
  const c = await RelayClient.connect({
    endpoint: { kind: "unix", path: system!.paths.relaySocket(domain) }, domain, serviceId: 91 + clients.length, role: Role.Subscriber, token,
    logger: silentLogger, waitForRelay: true,
  });
  c.onMessage((b, o, l) => {
    const h = headerOf(b.subarray(o, o + l));
    into.set(h.source, (into.get(h.source) ?? 0) + 1);
  });
  clients.push(c);
}

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "warn";
  const text = readFileSync(join(ROOT, "config/default.yaml"), "utf8");
  const config = parseConfig(text, AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: join(dir, "run"), ALPHAPULSE_STATE_DIR: join(dir, "state"), ALPHAPULSE_PORT: "0" });
  const prev = process.cwd();
  process.chdir(ROOT); // the demo's capture paths are relative to the project
  try {
    system = await startSystem({
      ...config,
      // Every worker's heap limited (generously), the arbitrage strategy's to 160 MiB for the leak below.
      services: config.services.map((x) => (x.name === LEAKER ? { ...x, heapLimitMb: 160 } : x)),
      supervisor: { ...config.supervisor, deployment: "threads", initialBackoffMs: 100, threads: { pingIntervalMs: 500, hungAfterMs: 8_000 }, heapLimitMb: 2048 },
    }, {
      mainPath: join(ROOT, "main.ts"), apiTimeoutMs: 150_000,
      log: createLogger("test-supervisor", { level: "info", write: (line) => void supervisorLines.push(line) }),
      childOutput: (_service, text) => void serviceLines.push(text),
    });
  } finally {
    process.chdir(prev);
  }
  await subscribe(RelayDomain.MarketData, seen.market);
  await subscribe(RelayDomain.Signal, seen.signal);
}, 180_000);

afterAll(async () => {
  if (process.env.AP_THREADS_DEBUG) (await import("node:fs")).writeFileSync(process.env.AP_THREADS_DEBUG, [...supervisorLines, "----", ...serviceLines].join(""));
  for (const c of clients) await c.close(200).catch(() => {});
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the threads deployment of the demo", () => {
  it("answers on the API: healthy, and /services lists every service running in this process", async () => {
    const s = system!;
    expect(s.deployment).toBe("threads");
    await until("health ok", async () => ((await fetch(`${s.apiUrl}/health`)).status === 200 ? true : undefined), 120_000, 200);
    const list = await (await fetch(`${s.apiUrl}/services`, { headers: { authorization: `Bearer ${s.token}` } })).json() as ServiceStatus[];
    expect(list.map((x) => x.name)).toEqual([
      "relay-market-data", "relay-signal", "relay-execution", "relay-system", "adapter-binance", "adapter-kraken", "adapter-coinbase",
      "adapter-polygon", "strategy-arbitrage", "strategy-momentum", "execution", "api",
    ]);
    for (const x of list) expect({ name: x.name, state: x.state, pid: x.pid }).toEqual({ name: x.name, state: "running", pid: process.pid });
  }, 150_000);

  it("carries trades to the strategies over rings: signals appear on the signal relay's Unix socket", async () => {
    await until("trades from three venues", async () => ([1, 2, 3].every((src) => count(seen.market, src) > 0) ? true : undefined), 90_000, 200);
    await until("a strategy's signal", async () => (count(seen.signal, 20) + count(seen.signal, 21) > 0 ? true : undefined), 90_000, 200);
  }, 200_000);

  it("serves `ap subscribe` on a relay's Unix socket", async () => {
    const r = await runAp(["subscribe", "market-data", "--runtime-dir", system!.paths.dir, "--json", "--count", "5"], {}, 90_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(typeof JSON.parse(l)).toBe("object");
  }, 120_000);

  it("a worker that throws under load ends alone: restarted with backoff, its neighbours and the stream go on", async () => {
    const others = system!.services().filter((s) => s.name !== "adapter-binance");
    expect(system!.injectFault("adapter-binance", ThreadFault.Throw)).toBe(true);
    const marketBefore = count(seen.market, 2) + count(seen.market, 3);
    const binance = await until("adapter-binance restarted", async () => {
      const s = status("adapter-binance");
      return s.state === "running" && s.restarts === 1 ? s : undefined;
    }, 90_000, 100);
    expect(binance.lastExit).toEqual({ code: 1, signal: null });
    expect(supervisorLines.some((l) => l.includes("fault injected") && l.includes("adapter-binance"))).toBe(true);
    // Its neighbours were never restarted, and the other venues' trades kept arriving.
    for (const o of others) expect({ name: o.name, restarts: status(o.name).restarts }).toEqual({ name: o.name, restarts: o.restarts });
    await until("the other venues flowing on", async () => (count(seen.market, 2) + count(seen.market, 3) > marketBefore + 20 ? true : undefined), 60_000, 200);
    const binanceBefore = count(seen.market, 1);
    await until("the restarted adapter publishing again", async () => (count(seen.market, 1) > binanceBefore ? true : undefined), 90_000, 200);
  }, 200_000);

  it("a hung worker is found by the ping watch, ended and restarted", async () => {
    const before = status("strategy-momentum").restarts;
    expect(system!.injectFault("strategy-momentum", ThreadFault.Hang)).toBe(true);
    const s = await until("strategy-momentum restarted", async () => {
      const x = status("strategy-momentum");
      return x.state === "running" && x.restarts === before + 1 ? x : undefined;
    }, 90_000, 100);
    expect(s.lastExit).toEqual({ code: null, signal: "SIGKILL" });
    expect(supervisorLines.some((l) => l.includes("hung") && l.includes("strategy-momentum"))).toBe(true);
    await until("health ok", async () => ((await fetch(`${system!.apiUrl}/health`)).status === 200 ? true : undefined), 90_000, 200);
  }, 200_000);

  it("a worker that leaks past its heap limit ends alone and is restarted (Node); Deno says the limit is not enforced", async () => {
    if (platform().runtime === "deno") {
      // Deno's web Worker has no per-thread heap limit: leaking there would end this whole process.
      expect(supervisorLines.some((l) => l.includes("heap limits are not enforced for worker threads"))).toBe(true);
      return;
    }
    const others = system!.services().filter((s) => s.name !== LEAKER);
    const before = status(LEAKER).restarts;
    expect(system!.injectFault(LEAKER, ThreadFault.Leak)).toBe(true);
    const s = await until(`${LEAKER} restarted`, async () => {
      const x = status(LEAKER);
      return x.state === "running" && x.restarts === before + 1 ? x : undefined;
    }, 90_000, 100);
    expect(s.lastExit).toEqual({ code: 1, signal: null });
    const line = supervisorLines.find((l) => l.includes("reached its heap limit") && l.includes(LEAKER));
    expect(line).toContain("160");
    for (const o of others) expect({ name: o.name, restarts: status(o.name).restarts }).toEqual({ name: o.name, restarts: o.restarts });
    await until("health ok", async () => ((await fetch(`${system!.apiUrl}/health`)).status === 200 ? true : undefined), 90_000, 200);
  }, 200_000);

  it("a relay worker that dies is replaced and re-wired: the adapters reach the new one over fresh rings", async () => {
    const before = status("relay-market-data").restarts;
    expect(system!.injectFault("relay-market-data", ThreadFault.Throw)).toBe(true);
    await until("relay-market-data restarted", async () => {
      const x = status("relay-market-data");
      return x.state === "running" && x.restarts === before + 1 ? true : undefined;
    }, 90_000, 100);
    const after = { 2: count(seen.market, 2), 3: count(seen.market, 3) };
    // The Unix-socket subscriber reconnects by itself; the adapters' clients reconnect over the re-wired rings.
    await until("two venues publishing through the new relay", async () => (count(seen.market, 2) > after[2] && count(seen.market, 3) > after[3] ? true : undefined), 120_000, 200);
    expect(total(seen.market)).toBeGreaterThan(0);
  }, 200_000);

  it("stops gracefully: every worker stopped", async () => {
    for (const c of clients.splice(0)) await c.close(200).catch(() => {});
    const t0 = Date.now();
    await system!.stop();
    const ms = Date.now() - t0;
    const list = system!.services();
    expect(list.every((s) => s.pid === null && s.state === "stopped")).toBe(true);
    // Each worker stopped its service and answered (exit 0), none had to be ended at the deadline.
    expect(list.filter((s) => s.lastExit?.code !== 0).map((s) => ({ name: s.name, exit: s.lastExit, ms }))).toEqual([]);
    system = undefined;
  }, 60_000);
});

describe("ap start --inline --threads", () => {
  it("is a usage error (exit 2)", async () => {
    await expect(startCommand.run({ args: ["--inline", "--threads"] })).rejects.toMatchObject({ name: "CommandError", exitCode: 2 });
  });
});

/**
 * Circuit breakers and cache headers through the API of a RUNNING system (the demo started as `ap start`
 * does, services as processes): `GET /circuit-breakers` lists the breaker of every adapter and strategy,
 * one tuned to trip on the demo's own message rate shows open (and its adapter reports the drops), a
 * reset through `POST /circuit-breakers/:name/reset` closes it, an unknown name is 404 and no token is 401.
 * Every JSON answer — data, refusals and errors alike — carries `cache-control: no-store`.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { createLogger } from "../../core/log.ts";
import type { CircuitBreakerStatus } from "../../runtime/circuit-breaker.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { until } from "../runtime/helpers.ts";

/** adapter-coinbase's breaker: more than one message in a second opens it (reason: rate), for ten minutes; a reset closes it at once. */
const TRIGGER = { maxMessagesPerSecond: 1, windowMs: 1_000, openMs: 600_000, halfOpenProbes: 1, recoveryMs: 0 };

let dir: string;
let system: RunningSystem;
let auth: { authorization: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ap-breakers-"));
  process.env.ALPHAPULSE_LOG_LEVEL = "error";
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const config = parseConfig(readFileSync(join(root, "config/default.yaml"), "utf8"), AppConfigSchema, {
    ALPHAPULSE_RUNTIME_DIR: join(dir, "run"), ALPHAPULSE_PORT: "0",
  });
  const services = config.services.map((s) =>
    s.name === "adapter-coinbase" ? { ...s, options: { ...(s.options as Record<string, unknown>), breaker: TRIGGER } } : s);
  const prev = process.cwd();
  process.chdir(root); // the demo's capture paths are relative to the project
  try {
    system = await startSystem({ ...config, services, supervisor: { ...config.supervisor, initialBackoffMs: 100 } }, {
      mainPath: join(root, "main.ts"), log: createLogger("breakers-test", { level: "error" }),
    });
  } finally {
    process.chdir(prev);
  }
  auth = { authorization: `Bearer ${system.token}` };
}, 120_000);

afterAll(async () => {
  await system?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const get = (path: string, headers: Record<string, string> = auth) => fetch(`${system.apiUrl}${path}`, { headers });
const breakers = async (): Promise<CircuitBreakerStatus[]> => (await (await get("/circuit-breakers")).json()) as CircuitBreakerStatus[];

describe("GET /circuit-breakers and POST /circuit-breakers/:name/reset on a running system", () => {
  it("list every adapter's and strategy's breaker; the tripped one is open, and its adapter drops what it gets", async () => {
    const open = await until("adapter-coinbase's breaker open in /circuit-breakers", async () => {
      const list = await breakers();
      const names = list.map((b) => b.name).sort();
      const b = list.find((x) => x.name === "adapter-coinbase");
      return names.length === 6 && b?.state === "open" ? { names, b, list } : undefined;
    }, 90_000, 250);
    expect(open.names).toEqual([
      "adapter-binance", "adapter-coinbase", "adapter-kraken", "adapter-polygon", "strategy-arbitrage", "strategy-momentum",
    ]);
    expect(open.b.openedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(open.list.filter((b) => b.name !== "adapter-coinbase").every((b) => b.state === "closed")).toBe(true);
    // The open breaker drops the adapter's output: its dropped counter grows, the others' breakers stay closed.
    const metric = async () => {
      const text = await (await get("/metrics")).text();
      const line = text.split("\n").find((l) => l.startsWith("alphapulse_adapter_breaker_dropped_total") && l.includes('adapter="adapter-coinbase"'));
      return line === undefined ? undefined : Number(line.split(" ").at(-1));
    };
    const first = await until("adapter-coinbase's breaker_dropped_total", metric, 30_000, 250);
    await until("more dropped by adapter-coinbase's breaker", async () => ((await metric())! > first ? true : undefined), 60_000, 250);
  }, 150_000);

  it("a reset closes the breaker; an unknown name is 404, no token 401", async () => {
    const before = (await breakers()).find((b) => b.name === "adapter-coinbase")!;
    expect(before.state).toBe("open");
    const bare = await fetch(`${system.apiUrl}/circuit-breakers/adapter-coinbase/reset`, { method: "POST" });
    expect(bare.status).toBe(401);
    expect(((await breakers()).find((b) => b.name === "adapter-coinbase")!).state).toBe("open");
    const r = await fetch(`${system.apiUrl}/circuit-breakers/adapter-coinbase/reset`, { method: "POST", headers: auth });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, breaker: "adapter-coinbase" });
    // Closed by the reset: it reads closed, or — the demo's rate being above the limit — it opened again since
    // (a later openedAt), which only a closed breaker can do (an open one stays open for ten minutes).
    const after = (await breakers()).find((b) => b.name === "adapter-coinbase")!;
    expect(after.state === "closed" || Date.parse(after.openedAt!) > Date.parse(before.openedAt!), JSON.stringify([before, after])).toBe(true);
    const unknown = await fetch(`${system.apiUrl}/circuit-breakers/no-such-breaker/reset`, { method: "POST", headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "not found", message: expect.stringContaining("no-such-breaker") });
  }, 60_000);
});

describe("cache-control: no-store", () => {
  it("is on every JSON answer: data routes, the token refusal, a 404 and a 400", async () => {
    const answers: [string, Response][] = [];
    for (const path of ["/health", "/stats", "/services", "/strategies", "/portfolio", "/kill-switch", "/risk/limits", "/circuit-breakers", "/stream/clients"]) {
      answers.push([`GET ${path}`, await get(path)]);
    }
    answers.push(["GET /portfolio without the token", await get("/portfolio", {})]);
    answers.push(["POST unknown breaker", await fetch(`${system.apiUrl}/circuit-breakers/nope/reset`, { method: "POST", headers: auth })]);
    answers.push(["PUT /risk/limits malformed", await fetch(`${system.apiUrl}/risk/limits`, {
      method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: "{",
    })]);
    const statuses = new Set<number>();
    for (const [what, r] of answers) {
      expect(r.headers.get("content-type"), what).toMatch(/^application\/json/);
      expect(r.headers.get("cache-control"), what).toBe("no-store");
      statuses.add(r.status);
      await r.body?.cancel();
    }
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404]));
    // Not JSON: /metrics keeps its own headers (text for Prometheus, which does not cache).
    const metrics = await get("/metrics");
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    await metrics.body?.cancel();
  }, 60_000);
});

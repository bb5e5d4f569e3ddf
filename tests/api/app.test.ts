import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { platform } from "../../core/platform.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import { MemoryControlPlane } from "./memory-control-plane.ts";

const TOKEN = "t0ken-for-tests";
let server: HttpServerHandle;
let base: string;
const control = new MemoryControlPlane();
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve(
    (app, upgradeWebSocket) => void createApiApp(control, { token: TOKEN, upgradeWebSocket, hosts: { host: "127.0.0.1", port: () => server?.port } }, app),
    { hostname: "127.0.0.1", port: 0 },
  );
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
});

describe("control API over real HTTP", () => {
  it("serves /health without a token, 503 when degraded", async () => {
    const ok = await fetch(`${base}/health`);
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe("ok");
    control.degraded = true;
    const bad = await fetch(`${base}/health`);
    control.degraded = false;
    expect(bad.status).toBe(503);
    expect((await bad.json()).dependencies[0].status).toBe("down");
  });

  it("serves Prometheus text at /metrics without a token", async () => {
    const r = await fetch(`${base}/metrics`);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await r.text()).toContain("alphapulse_up 1");
  });

  it("rejects missing and wrong tokens with 401", async () => {
    const none = await fetch(`${base}/services`);
    expect(none.status).toBe(401);
    expect((await none.json()).reason).toBe("missing bearer token");
    const wrong = await fetch(`${base}/services`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).reason).toBe("wrong token");
  });

  it("serves /stats, /strategies and /portfolio behind the token", async () => {
    expect((await fetch(`${base}/stats`)).status).toBe(401);
    const stats = await (await fetch(`${base}/stats`, { headers: auth })).json();
    expect(stats[0]).toMatchObject({ name: "relay-market-data", messagesPerSecond: 1000, p99Micros: 40 });
    expect(await (await fetch(`${base}/strategies`, { headers: auth })).json()).toEqual([{ name: "momentum", enabled: true, up: true }]);
    const portfolio = await (await fetch(`${base}/portfolio`, { headers: auth })).json();
    expect(portfolio.positions[0]).toMatchObject({ instrument: { symbol: "BTC/USD", venue: "coinbase", venueId: 102, assetType: "spot" } });
  });

  it("lists services and maps unknown names to 404", async () => {
    const r = await fetch(`${base}/services`, { headers: auth });
    expect(await r.json()).toEqual([{ name: "relay-market-data", kind: "relay", pid: 42, state: "running", restarts: 0, uptime: 5 }]);
    expect((await fetch(`${base}/services/relay-market-data/restart`, { method: "POST", headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/services/ghost/restart`, { method: "POST", headers: auth })).status).toBe(404);
  });

  it("answers a bad action with 400 and the valibot path", async () => {
    const r = await fetch(`${base}/services/relay-market-data/explode`, { method: "POST", headers: auth });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: "bad request", path: "action" });
  });

  it("engages and releases the kill switch", async () => {
    const on = await fetch(`${base}/kill-switch`, { method: "POST", headers: auth });
    expect(await on.json()).toMatchObject({ tradingState: "HALTED" });
    const off = await fetch(`${base}/kill-switch`, { method: "DELETE", headers: auth });
    expect(await off.json()).toMatchObject({ tradingState: "ACTIVE" });
  });

  it("validates PUT /risk/limits and reports the issue path", async () => {
    const bad = await fetch(`${base}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ maxOrderNotional: "5e3" }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).path).toBe("maxOrderNotional");
    const good = await fetch(`${base}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ maxOrderNotional: "250.5" }) });
    expect(await good.json()).toMatchObject({ maxOrderNotional: "250.5", maxOpenOrders: 100 });
  });

  it("rejects a bad /stream query with 400", async () => {
    const r = await fetch(`${base}/stream?domain=nope`, { headers: auth });
    expect(r.status).toBe(400);
    expect((await r.json()).path).toBe("domain");
  });

  it("streams live messages over a WebSocket", async () => {
    const WS: typeof WebSocket = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket ?? ((await import("ws")).default as unknown as typeof WebSocket);
    const ws = new WS(`ws://127.0.0.1:${server.port}/stream?domain=market-data&types=1,2&token=${TOKEN}`);
    const received: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onerror = () => reject(new Error("websocket error"));
      ws.onopen = async () => {
        const end = Date.now() + 5_000;
        while (control.listeners.size === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        for (const l of control.listeners) l({ header: { sequence: "1" }, tlvs: [{ type: 1, name: "Trade" }] });
      };
      ws.onmessage = (e) => {
        received.push(JSON.parse(String(e.data)));
        resolve();
      };
    });
    ws.close();
    expect(received).toEqual([{ header: { sequence: "1" }, tlvs: [{ type: 1, name: "Trade" }] }]);
    const end = Date.now() + 5_000;
    while (control.listeners.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(control.listeners.size).toBe(0);
  });
});

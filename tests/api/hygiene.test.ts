/**
 * Finding 8 of issue 14 and token hygiene, over real HTTP on 127.0.0.1: bounded bodies, only JSON
 * objects without `__proto__`/`constructor` keys, risk limits within sane ranges (`1e23` refused), the
 * `?token=` query only on the `/stream` upgrade, and the `Host`/`Origin` check (DNS rebinding) on every
 * route including `/health` and `/metrics`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { platform } from "../../core/platform.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import { MemoryControlPlane } from "./memory-control-plane.ts";
import { rawHttp } from "./raw-http.ts";
import { openRawWs } from "./raw-ws.ts";

const TOKEN = "hygiene-test-token";
const control = new MemoryControlPlane();
let server: HttpServerHandle;
let port: number;
let host: string;

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve((app, upgradeWebSocket) => void createApiApp(control, {
    token: TOKEN, upgradeWebSocket, maxBodyBytes: 16 * 1024,
    hosts: { host: "127.0.0.1", port: () => server?.port, extraHosts: ["alphapulse.lan", "proxy.lan:8443"] },
  }, app), { hostname: "127.0.0.1", port: 0 });
  port = server.port;
  host = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await server?.close();
});

const bearer = { authorization: `Bearer ${TOKEN}` };
const put = (body: string) => rawHttp(port, "PUT", "/risk/limits", { host, ...bearer, "content-type": "application/json" }, body);

describe("request bodies", () => {
  it("refuses bodies over the limit on every route with 413", async () => {
    const big = JSON.stringify({ maxPosition: "1", pad: "x".repeat(20_000) });
    expect((await put(big)).status).toBe(413);
    expect((await rawHttp(port, "POST", "/kill-switch", { host, ...bearer }, "x".repeat(20_000))).status).toBe(413);
    expect(control.state).toBe("ACTIVE");
    expect((await rawHttp(port, "POST", "/services/relay-market-data/restart", { host, ...bearer }, "x".repeat(20_000))).status).toBe(413);
  });

  it("refuses [], null, scalars and non-JSON with 400", async () => {
    for (const body of ["[]", "null", "5", '"text"', "true", "{", ""]) {
      const r = await put(body);
      expect([body, r.status]).toEqual([body, 400]);
      expect(JSON.parse(r.body).path).toBe("body");
    }
  });

  it("refuses __proto__, constructor and prototype keys at any depth with 400", async () => {
    const cases: [string, string][] = [
      ['{"__proto__": {"maxOpenOrders": 1}}', "__proto__"],
      ['{"maxPosition": "1", "constructor": {"prototype": {}}}', "constructor"],
      ['{"positionLimits": {"__proto__": "1"}}', "positionLimits.__proto__"],
    ];
    for (const [body, path] of cases) {
      const r = await put(body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ error: "bad request", path });
    }
    expect(({} as Record<string, unknown>).maxOpenOrders).toBeUndefined();
  });
});

describe("risk limits ranges", () => {
  it("refuses out-of-range and non-finite values naming the field", async () => {
    const cases: [Record<string, unknown> | string, string][] = [
      [{ maxOpenOrders: 1e23 }, "maxOpenOrders"], [{ maxOpenOrders: 100_001 }, "maxOpenOrders"], [{ maxOpenOrders: -1 }, "maxOpenOrders"],
      [{ maxOpenOrders: 1.5 }, "maxOpenOrders"], [{ maxOpenOrders: "20" }, "maxOpenOrders"],
      ['{"maxOpenOrders": 1e400}', "maxOpenOrders"],
      [{ maxPosition: 1e23 }, "maxPosition"], [{ maxPosition: "1e23" }, "maxPosition"], [{ maxPosition: "10000000001" }, "maxPosition"],
      [{ maxPosition: "-1" }, "maxPosition"], [{ maxPosition: "1.123456789" }, "maxPosition"], [{ maxPosition: "NaN" }, "maxPosition"],
      [{ maxOrderNotional: "Infinity" }, "maxOrderNotional"], [{ dailyLossLimit: "0x10" }, "dailyLossLimit"],
      [{ positionLimits: { "BTC/USD@coinbase": "1e30" } }, "positionLimits.BTC/USD@coinbase"],
      [{ maxOrdersPerSecond: 2_000_000 }, "maxOrdersPerSecond"], [{ maxDataAgeMs: 0 }, "maxDataAgeMs"],
      [{ maxFutureSkewMs: 1e23 }, "maxFutureSkewMs"], [{ noSuchLimit: 1 }, "noSuchLimit"],
    ];
    const before = JSON.stringify(await control.riskLimits());
    for (const [body, path] of cases) {
      const r = await put(typeof body === "string" ? body : JSON.stringify(body));
      expect([body, r.status]).toEqual([body, 400]);
      expect([body, JSON.parse(r.body).path]).toEqual([body, path]);
    }
    expect(JSON.stringify(await control.riskLimits())).toBe(before);
  });

  it("accepts values within range", async () => {
    const limits = { maxOpenOrders: 10_000, maxPosition: "5.5", maxOrderNotional: 50_000, dailyLossLimit: "10000000000", positionLimits: { "BTC/USD@coinbase": "2.12345678" } };
    const r = await put(JSON.stringify(limits));
    expect(r.status).toBe(200);
    // The answer is every limit in force, in the same form (a number given for a size comes back as its text).
    expect(JSON.parse(r.body)).toMatchObject({ ...limits, maxOrderNotional: "50000" });
  });
});

describe("the token", () => {
  it("is refused from the query string on every route but the /stream upgrade", async () => {
    for (const [method, path] of [["GET", "/services"], ["GET", "/kill-switch"], ["POST", "/kill-switch"], ["DELETE", "/kill-switch"], ["GET", "/stream/clients"], ["PUT", "/risk/limits"]] as const) {
      const r = await rawHttp(port, method, `${path}?token=${TOKEN}`, { host }, method === "PUT" ? "{}" : "");
      expect([method, path, r.status]).toEqual([method, path, 401]);
      expect(JSON.parse(r.body).reason).toMatch(/only on \/stream/);
    }
    expect(control.state).toBe("ACTIVE");
    const ws = await openRawWs(port, `/stream?domain=market-data&token=${TOKEN}`);
    expect(ws.status).toBe(101);
    ws.close();
    expect((await openRawWs(port, "/stream?domain=market-data&token=wrong")).status).toBe(401);
    expect((await openRawWs(port, "/stream?domain=market-data")).status).toBe(401);
  });

  it("works as a bearer header", async () => {
    expect((await rawHttp(port, "POST", "/kill-switch", { host, ...bearer })).status).toBe(200);
    expect(control.state).toBe("HALTED");
    expect((await rawHttp(port, "DELETE", "/kill-switch", { host, ...bearer })).status).toBe(200);
    expect(control.state).toBe("ACTIVE");
  });
});

describe("Host and Origin", () => {
  it("answers the API's own names and refuses others with 421, /health and /metrics included", async () => {
    for (const name of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `alphapulse.lan:${port}`, "proxy.lan:8443"]) {
      expect([name, (await rawHttp(port, "GET", "/health", { host: name })).status]).toEqual([name, 200]);
    }
    for (const path of ["/health", "/metrics", "/kill-switch", "/"]) {
      for (const name of [`evil.example:${port}`, "evil.example", `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, "proxy.lan:8444"]) {
        const r = await rawHttp(port, "GET", path, { host: name, ...bearer });
        expect([path, name, r.status]).toEqual([path, name, 421]);
      }
    }
    // without a Host at all: Node's HTTP server answers 400 itself, Deno lets the API answer 421
    expect([400, 421]).toContain((await rawHttp(port, "GET", "/health", {})).status);
  });

  it("refuses a foreign Origin with 403, on requests and WebSocket upgrades", async () => {
    expect((await rawHttp(port, "GET", "/health", { host, origin: `http://localhost:${port}` })).status).toBe(200);
    for (const origin of ["http://evil.example", `http://evil.example:${port}`, "null", `file://localhost:${port}`]) {
      const r = await rawHttp(port, "POST", "/kill-switch", { host, origin, ...bearer });
      expect([origin, r.status]).toEqual([origin, 403]);
      expect((await openRawWs(port, `/stream?domain=market-data&token=${TOKEN}`, { origin })).status).toBe(403);
    }
    expect(control.state).toBe("ACTIVE");
    const ok = await openRawWs(port, `/stream?domain=market-data&token=${TOKEN}`, { origin: `http://127.0.0.1:${port}` });
    expect(ok.status).toBe(101);
    ok.close();
  });
});

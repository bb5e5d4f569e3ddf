/**
 * Finding 2 of issue 14: a `/stream` to a stopped relay used to end the API process (an async WebSocket
 * open handler rejected with nobody to catch it); five put it in a crash loop. Real processes: `ap start`
 * of a small system, the signal relay stopped through the API, then five `/stream?domain=signal`
 * upgrades — each answered 502 for itself, the API's pid unchanged, the kill switch answering.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystemProcess, until, type StartedSystem } from "./processes.ts";
import { rawHttp } from "./raw-http.ts";
import { openRawWs } from "./raw-ws.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-sf-"));
const TOKEN = "stream-failure-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let system: StartedSystem;
let port: number;

interface Svc { name: string; pid: number | null; state: string; restarts: number }
const services = async () => (await (await fetch(`${system.url}/services`, { headers: auth })).json()) as Svc[];
const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(await (await fetch(`${system.url}/metrics`)).text())?.[1]);

beforeAll(async () => {
  system = await startSystemProcess(dir, join(dir, "run"), TOKEN);
  port = Number(new URL(system.url).port);
  await until("every service running", async () => ((await services()).every((s) => s.state === "running") ? true : undefined));
  await until("the execution service answering", async () => ((await fetch(`${system.url}/kill-switch`, { headers: auth })).status === 200 ? true : undefined));
}, 150_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("a /stream whose relay is down", () => {
  it("is a 502 for that request only: API pid unchanged, kill switch answering", async () => {
    const apiBefore = (await services()).find((s) => s.name === "api")!;
    expect((await fetch(`${system.url}/services/relay-signal/stop`, { method: "POST", headers: auth })).status).toBe(200);
    expect((await services()).find((s) => s.name === "relay-signal")!.state).toBe("stopped");

    const attempts = await Promise.all(Array.from({ length: 5 }, () => openRawWs(port, `/stream?domain=signal&token=${TOKEN}`)));
    for (const a of attempts) {
      expect(a.status).toBe(502);
      // Deno answers the route's JSON; @hono/node-ws answers a refused upgrade with its status line only
      if (a.body) expect(JSON.parse(a.body)).toMatchObject({ error: "bad gateway", message: expect.stringMatching(/stream of domain "signal" unavailable/) });
    }
    // and again, one after the other (each a fresh upstream attempt)
    for (let i = 0; i < 5; i++) expect((await openRawWs(port, `/stream?domain=signal&token=${TOKEN}`)).status).toBe(502);

    const kill = await fetch(`${system.url}/kill-switch`, { headers: auth });
    expect(kill.status).toBe(200);
    expect(await kill.json()).toMatchObject({ tradingState: "ACTIVE" });
    await new Promise((r) => setTimeout(r, 1_000)); // a crash would show by now
    const apiAfter = (await services()).find((s) => s.name === "api")!;
    expect(apiAfter.pid).toBe(apiBefore.pid);
    expect(apiAfter.restarts).toBe(apiBefore.restarts);
    expect(await metric("alphapulse_api_stream_upstream_failures_total")).toBeGreaterThanOrEqual(2);
    expect(await metric("alphapulse_api_unhandled_rejections_total")).toBe(0);
    expect(await metric("alphapulse_api_stream_clients")).toBe(0);

    // another domain streams meanwhile, and the signal stream opens again once its relay is back
    const market = await openRawWs(port, `/stream?domain=market-data&token=${TOKEN}`);
    expect(market.status).toBe(101);
    expect((await fetch(`${system.url}/services/relay-signal/start`, { method: "POST", headers: auth })).status).toBe(200);
    const signal = await until("signal stream open again", async () => {
      const ws = await openRawWs(port, `/stream?domain=signal&token=${TOKEN}`);
      return ws.status === 101 ? ws : undefined;
    }, 30_000, 250);
    signal.close();
    market.close();
    await until("stream clients gone", async () => ((await metric("alphapulse_api_stream_clients")) === 0 ? true : undefined), 10_000);
  }, 120_000);

  it("survives the relay stopping under open streams and clients that vanish mid-upgrade", async () => {
    const apiBefore = (await services()).find((s) => s.name === "api")!;
    const open = await Promise.all(Array.from({ length: 5 }, () => openRawWs(port, `/stream?domain=signal&token=${TOKEN}`)));
    expect(open.map((w) => w.status)).toEqual([101, 101, 101, 101, 101]);
    expect((await fetch(`${system.url}/services/relay-signal/restart`, { method: "POST", headers: auth })).status).toBe(200);
    // upgrade requests dropped right after they were sent
    const { connect } = await import("node:net");
    await Promise.all(Array.from({ length: 20 }, () => new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write(`GET /stream?domain=signal&token=${TOKEN} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n`);
        const reset = (s as unknown as { resetAndDestroy?: () => void }).resetAndDestroy;
        if (reset) reset.call(s);
        else s.destroy();
      });
      s.on("error", () => {});
      s.on("close", () => resolve());
    })));
    for (const w of open) w.destroy();
    await new Promise((r) => setTimeout(r, 1_000));
    const kill = await fetch(`${system.url}/kill-switch`, { method: "POST", headers: auth });
    expect(await kill.json()).toMatchObject({ tradingState: "HALTED" });
    expect(await (await fetch(`${system.url}/kill-switch`, { method: "DELETE", headers: auth })).json()).toMatchObject({ tradingState: "ACTIVE" });
    const apiAfter = (await services()).find((s) => s.name === "api")!;
    expect([apiAfter.pid, apiAfter.restarts]).toEqual([apiBefore.pid, apiBefore.restarts]);
    expect(await metric("alphapulse_api_unhandled_rejections_total")).toBe(0);
    await until("stream places given back", async () => ((await metric("alphapulse_api_stream_clients")) === 0 ? true : undefined), 20_000);
  }, 120_000);
});

describe("the same system, hostile requests (finding 8)", () => {
  it("refuses maxOpenOrders 1e23, [] and __proto__ bodies, query tokens on the kill switch and foreign hosts", async () => {
    const host = `127.0.0.1:${port}`;
    const json = { host, ...auth, "content-type": "application/json" };
    const before = await (await fetch(`${system.url}/risk/limits`, { headers: auth })).json();
    for (const body of ['{"maxOpenOrders": 1e23}', "[]", "null", '{"__proto__": {"maxOpenOrders": 1}}', '{"maxPosition": "1e23"}']) {
      expect([body, (await rawHttp(port, "PUT", "/risk/limits", json, body)).status]).toEqual([body, 400]);
    }
    expect((await rawHttp(port, "PUT", "/risk/limits", json, JSON.stringify({ pad: "x".repeat(100_000) }))).status).toBe(413);
    expect(await (await fetch(`${system.url}/risk/limits`, { headers: auth })).json()).toEqual(before);
    const ok = await rawHttp(port, "PUT", "/risk/limits", json, '{"maxOpenOrders": 15}');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).maxOpenOrders).toBe(15);

    for (const method of ["POST", "DELETE", "GET"]) expect((await rawHttp(port, method, `/kill-switch?token=${TOKEN}`, { host })).status).toBe(401);
    expect(await (await fetch(`${system.url}/kill-switch`, { headers: auth })).json()).toMatchObject({ tradingState: "ACTIVE" });
    for (const path of ["/health", "/metrics", "/"]) {
      expect([path, (await rawHttp(port, "GET", path, { host: `rebind.evil.example:${port}` })).status]).toEqual([path, 421]);
    }
    expect((await rawHttp(port, "GET", "/health", { host: `localhost:${port}`, origin: "http://rebind.evil.example" })).status).toBe(403);
    expect([200, 503]).toContain((await rawHttp(port, "GET", "/health", { host: `localhost:${port}` })).status);
  }, 60_000);
});

/**
 * `GET /history` over real HTTP on 127.0.0.1 (the control plane in memory): the API holds the
 * market-data, signal and execution upstreams open with no `/stream` client (retrying one that fails),
 * records what passes, and serves it in PROTOCOL §7 JSON behind the token; a `/stream` client that comes
 * and goes leaves the held upstream open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import type { StreamListener } from "../../api/control-plane.ts";
import { platform } from "../../core/platform.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import type { StreamHub } from "../../api/stream-hub.ts";
import { MemoryControlPlane } from "./memory-control-plane.ts";
import { until } from "./processes.ts";
import { openRawWs } from "./raw-ws.ts";

const TOKEN = "history-test-token";

/** The memory control plane with one listener set per domain, whose first `signal` upstream fails. */
class DomainControlPlane extends MemoryControlPlane {
  readonly byDomain = new Map<string, Set<StreamListener>>();
  /** Domains whose relay is away (the subscription reconnecting). */
  readonly away = new Set<string>();
  signalFailures = 1;
  override async stream(domain: string, types: readonly number[], listener: StreamListener) {
    if (domain === "signal" && this.signalFailures > 0) {
      this.signalFailures--;
      this.streamOpens.set("signal-failed", (this.streamOpens.get("signal-failed") ?? 0) + 1);
      throw new Error("connect ENOENT signal.sock");
    }
    const stop = await super.stream(domain, types, listener);
    const set = this.byDomain.get(domain) ?? new Set();
    this.byDomain.set(domain, set);
    set.add(listener);
    return Object.assign(() => {
      set.delete(listener);
      return stop();
    }, { connected: () => !this.away.has(domain) });
  }
  publish(domain: string, json: unknown) {
    for (const l of this.byDomain.get(domain) ?? []) l(json);
  }
}

const control = new DomainControlPlane();
let server: HttpServerHandle;
let hub: StreamHub;

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve((app, upgradeWebSocket) => {
    hub = createApiApp(control, {
      token: TOKEN, upgradeWebSocket, hosts: { host: "127.0.0.1", port: () => server?.port }, history: { perFeed: 2 },
    }, app).hub;
  }, { hostname: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  hub?.close();
  await server?.close();
});

const get = async (path: string, token: string | null = TOKEN) => {
  const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.status, type: r.headers.get("content-type"), body: await r.json() as any };
};
const trade = (seq: number, price: string) =>
  ({ header: { source: 3, sequence: String(seq) }, tlvs: [{ type: 1, instrument: { symbol: "BTC/USD" }, price }] });
const fill = (seq: number) => ({ header: { source: 41, sequence: String(seq) }, tlvs: [{ type: 42, orderId: String(seq) }] });

describe("GET /history", () => {
  it("holds the history domains open with no client, retrying an upstream that failed", async () => {
    await until("market-data and execution held", async () =>
      (control.byDomain.get("market-data")?.size === 1 && control.byDomain.get("execution")?.size === 1 ? true : undefined), 10_000, 10);
    expect(hub.clientCount).toBe(0);
    expect(control.streamOpens.get("signal-failed")).toBe(1);
    await until("signal reopened after its failure", async () => (control.byDomain.get("signal")?.size === 1 ? true : undefined), 15_000, 50);
    expect(hub.heldDomains.sort()).toEqual(["execution", "market-data", "signal"]);
    expect(control.byDomain.has("system")).toBe(false);
  });

  it("serves what passed, in §7 JSON, with the last sequence per source, behind the token", async () => {
    control.publish("market-data", trade(1, "100"));
    control.publish("market-data", trade(2, "101"));
    for (let i = 1; i <= 5; i++) control.publish("execution", fill(i));

    const md = await get("/history?domain=market-data");
    expect(md.status).toBe(200);
    expect(md.type).toMatch(/^application\/json/);
    expect(md.body).toEqual({ domain: "market-data", sources: { 3: "2" }, messages: [trade(2, "101")] });
    const ex = await get("/history?domain=execution&types=42");
    expect(ex.body.messages).toEqual([fill(4), fill(5)]);
    expect((await get("/history?domain=execution&types=40")).body.messages).toEqual([]);

    expect((await get("/history?domain=market-data", null)).status).toBe(401);
    expect((await get("/history?domain=market-data", "wrong")).status).toBe(401);
    const bad = await get("/history?domain=nope");
    expect(bad.status).toBe(400);
    expect(bad.body.where).toBe("query");
    const system = await get("/history?domain=system");
    expect(system.status).toBe(404);
    expect(system.body.message).toMatch(/no history of domain "system"/);
  });

  it("keeps a held upstream open when a /stream client comes and goes", async () => {
    const opensBefore = control.streamOpens.get("execution");
    const ws = await openRawWs(server.port, `/stream?domain=execution&token=${TOKEN}`);
    expect(ws.status).toBe(101);
    await until("attached", async () => (hub.clientCount === 1 && hub.clients().length === 1 ? true : undefined), 10_000, 10);
    control.publish("execution", fill(6));
    await until("delivered live", async () => (ws.frames === 1 ? true : undefined), 10_000, 10);
    ws.close();
    await until("client gone", async () => (hub.clientCount === 0 ? true : undefined), 10_000, 10);
    expect(control.byDomain.get("execution")?.size).toBe(1);
    expect(control.streamOpens.get("execution")).toBe(opensBefore);
    control.publish("execution", fill(7));
    expect((await get("/history?domain=execution")).body.messages.map((m: any) => m.header.sequence)).toEqual(["6", "7"]);
  });

  it("refuses a new /stream client with 502 while a held upstream's relay is away, and serves it once back", async () => {
    const failures = hub.counters.upstreamFailures;
    control.away.add("signal");
    const refused = await openRawWs(server.port, `/stream?domain=signal&token=${TOKEN}`);
    expect(refused.status).toBe(502);
    expect(hub.counters.upstreamFailures).toBe(failures + 1);
    expect(hub.clientCount).toBe(0);
    expect(control.byDomain.get("signal")?.size).toBe(1); // still held, for the history
    control.away.delete("signal");
    const ok = await openRawWs(server.port, `/stream?domain=signal&token=${TOKEN}`);
    expect(ok.status).toBe(101);
    ok.close();
    await until("client gone", async () => (hub.clientCount === 0 ? true : undefined), 10_000, 10);
  });
});

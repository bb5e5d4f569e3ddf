/**
 * The `/stream` hub over real HTTP and WebSockets on 127.0.0.1 (the control plane in memory): one
 * upstream per domain whatever the number of clients, each message encoded once and filtered per
 * client, the upstream closed when the last client leaves, the cap answered 503, a failing upstream 502.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { platform } from "../../core/platform.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import type { StreamHub } from "../../api/stream-hub.ts";
import { MemoryControlPlane } from "./memory-control-plane.ts";
import { until } from "./processes.ts";
import { openRawWs } from "./raw-ws.ts";

const TOKEN = "hub-test-token";
const control = new MemoryControlPlane();
let server: HttpServerHandle;
let hub: StreamHub;

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve((app, upgradeWebSocket) => {
    hub = createApiApp(control, { token: TOKEN, upgradeWebSocket, maxStreamClients: 4, hosts: { host: "127.0.0.1", port: () => server?.port } }, app).hub;
  }, { hostname: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await server?.close();
});

const open = (query: string) => openRawWs(server.port, `/stream?${query}&token=${TOKEN}`);
const publish = (types: number[], seq: number) => {
  for (const l of control.listeners) l({ header: { sequence: String(seq) }, tlvs: types.map((type) => ({ type })) });
};

describe("stream hub", () => {
  it("shares one upstream per domain, encodes each message once and filters per client", async () => {
    const all = await open("domain=market-data");
    const trades = await open("domain=market-data&types=1");
    const books = await open("domain=market-data&types=3,4");
    expect([all.status, trades.status, books.status]).toEqual([101, 101, 101]);
    await until("clients attached", async () => (hub.clients().length === 3 ? true : undefined), 10_000, 10);
    expect(control.streamOpens.get("market-data")).toBe(1);
    expect(control.listeners.size).toBe(1);
    const encodedBefore = hub.counters.encoded;
    publish([1], 1);
    publish([3], 2);
    publish([2], 3);
    await until("frames delivered", async () => (all.frames === 3 && trades.frames === 1 && books.frames === 1 ? true : undefined), 10_000, 10);
    expect(hub.counters.encoded - encodedBefore).toBe(3);
    expect(JSON.parse(trades.first!)).toEqual({ header: { sequence: "1" }, tlvs: [{ type: 1 }] });
    expect(JSON.parse(books.first!)).toEqual({ header: { sequence: "2" }, tlvs: [{ type: 3 }] });

    all.close();
    trades.close();
    await until("two left", async () => (hub.clients().length === 1 ? true : undefined), 10_000, 10);
    expect(control.listeners.size).toBe(1);
    books.close();
    await until("upstream closed with the last client", async () => (control.listeners.size === 0 && hub.upstreamCount === 0 ? true : undefined), 10_000, 10);
  });

  it("answers 503 past the cap and gives places back when clients leave", async () => {
    const first = await Promise.all([0, 1, 2, 3].map(() => open("domain=signal")));
    expect(first.map((w) => w.status)).toEqual([101, 101, 101, 101]);
    const over = await open("domain=execution");
    expect(over.status).toBe(503);
    first[0]!.destroy();
    await until("a place free again", async () => (hub.clientCount === 3 ? true : undefined), 10_000, 10);
    const again = await open("domain=execution");
    expect(again.status).toBe(101);
    for (const w of [...first, again]) w.close();
    await until("all gone", async () => (hub.clientCount === 0 && control.listeners.size === 0 ? true : undefined), 10_000, 10);
  });

  it("answers 502 when the upstream cannot be opened, 426 to a plain GET, and recovers", async () => {
    control.streamError = new Error("connect ENOENT signal.sock");
    const failed = await Promise.all([0, 1, 2].map(() => open("domain=signal")));
    expect(failed.map((w) => w.status)).toEqual([502, 502, 502]);
    expect(hub.clientCount).toBe(0);
    expect(hub.upstreamCount).toBe(0);
    control.streamError = undefined;
    const plain = await fetch(`http://127.0.0.1:${server.port}/stream?domain=signal`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(plain.status).toBe(426);
    const ok = await open("domain=signal");
    expect(ok.status).toBe(101);
    ok.close();
    await until("gone", async () => (hub.clientCount === 0 ? true : undefined), 10_000, 10);
  });
});

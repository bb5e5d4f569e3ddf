/**
 * The API's readable JSON over real HTTP (the API app on a real port, an in-memory control plane that
 * answers as the execution service does, × 10^8): instruments with symbol and venue, exact decimal
 * amounts with their currency, P&L per quote currency with a total only when no conversion is needed,
 * and one form for GET and PUT of every writable resource.
 *
 * @module
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { readableInstrument } from "../../api/readable/instrument.ts";
import { readablePortfolio } from "../../api/readable/portfolio.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import { platform } from "../../core/platform.ts";
import { pairAssetId } from "../../protocol/mod.ts";
import { MEMORY_PORTFOLIO, MemoryControlPlane } from "./memory-control-plane.ts";

const TOKEN = "t0ken-for-readable";
const auth = { authorization: `Bearer ${TOKEN}` };
const control = new MemoryControlPlane();
let server: HttpServerHandle;
let base: string;

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

const get = async (path: string) => (await fetch(`${base}${path}`, { headers: auth })).json();

/** Every string of a JSON value with its path. */
function strings(x: unknown, path = ""): [string, string][] {
  if (typeof x === "string") return [[path, x]];
  if (Array.isArray(x)) return x.flatMap((y, i) => strings(y, `${path}[${i}]`));
  if (x !== null && typeof x === "object") return Object.entries(x).flatMap(([k, y]) => strings(y, path ? `${path}.${k}` : k));
  return [];
}

describe("readable JSON", () => {
  it("/portfolio names each instrument and gives exact amounts with their currency", async () => {
    const p = await get("/portfolio");
    expect(p.positions[0]).toEqual({
      instrument: { symbol: "BTC/USD", venue: "coinbase", venueId: 102, assetId: pairAssetId("BTC", "USD").toString(), assetType: "spot" },
      quantity: { amount: "0.0677", currency: "BTC" },
      averagePrice: { amount: "116775.49024589", currency: "USD" },
      mark: { amount: "116661.565", currency: "USD" },
      realized: { amount: "1", currency: "USD" },
      unrealized: { amount: "-0.25", currency: "USD" },
      fees: { amount: "0.02", currency: "USD" },
    });
    expect(p.positions[1]).toMatchObject({ instrument: { symbol: "ETH/USDT", venue: "binance" }, quantity: { amount: "-1.5521", currency: "ETH" }, mark: null });
    // No scaled integer reaches people: long digit strings are ids only.
    const long = strings(p).filter(([, s]) => /^-?\d{7,}$/.test(s)).map(([path]) => path);
    expect(long.every((path) => /assetId$/.test(path))).toBe(true);
  });

  it("/portfolio gives P&L per quote currency and no total across currencies without a rate", async () => {
    const p = await get("/portfolio");
    expect(p.pnl).toEqual([
      { currency: "USD", realized: { amount: "1", currency: "USD" }, unrealized: { amount: "-0.25", currency: "USD" }, fees: { amount: "0.02", currency: "USD" }, net: { amount: "0.73", currency: "USD" }, positions: 1 },
      { currency: "USDT", realized: { amount: "0.5", currency: "USDT" }, unrealized: { amount: "0", currency: "USDT" }, fees: { amount: "0.01", currency: "USDT" }, net: { amount: "0.49", currency: "USDT" }, positions: 1 },
    ]);
    expect(p.total).toBeNull();
    expect(p.totalNote).toMatch(/USD, USDT .*no conversion rate/);
    expect(p.totals).toEqual({ fills: 4, roundTrips: 2, wins: 1, winRate: 0.5, slippageBps: 1.5 });
  });

  it("a portfolio in one quote currency has a total that says no conversion was applied", () => {
    const one = readablePortfolio({ ...MEMORY_PORTFOLIO, positions: [MEMORY_PORTFOLIO.positions[0]] }) as { total: unknown; totalNote: string };
    expect(one.total).toEqual({
      currency: "USD", realized: { amount: "1", currency: "USD" }, unrealized: { amount: "-0.25", currency: "USD" }, fees: { amount: "0.02", currency: "USD" },
      net: { amount: "0.73", currency: "USD" }, slippageCost: { amount: "0.01", currency: "USD" }, conversion: "none",
    });
    expect(one.totalNote).toMatch(/every position is quoted in USD/);
  });

  it("a venue the protocol does not name is shown as @<id>; tokens have no pair symbol", () => {
    expect(readableInstrument({ assetId: pairAssetId("BTC", "USD"), venue: 4321, assetType: 1 })).toMatchObject({ symbol: "BTC/USD", venue: "@4321", venueId: 4321 });
    // The imported-history venues of PROTOCOL §6 have names.
    expect(readableInstrument({ assetId: pairAssetId("BTC", "USDT"), venue: 104, assetType: 2 })).toMatchObject({ symbol: "BTC/USDT", venue: "binancefutures", venueId: 104 });
    expect(readableInstrument({ assetId: "42", venue: 200, assetType: 50 })).toEqual({ symbol: null, venue: "ethereum", venueId: 200, assetId: "42", assetType: "token" });
  });

  it("/risk/limits answers sizes and money as decimal text in whole units", async () => {
    expect(await get("/risk/limits")).toEqual({
      maxPosition: "1000000", positionLimits: {}, maxOrderNotional: "1000", maxOpenOrders: 100, maxOrdersPerSecond: 50, dailyLossLimit: "100000",
      maxDataAgeMs: 5000, maxFutureSkewMs: 1000,
    });
  });
});

describe("one form for GET and PUT", () => {
  it("PUT /risk/limits with the GET's answer is a no-op (every writable route)", async () => {
    const put = (body: unknown) => fetch(`${base}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    // A limit set first, so the body has a per-instrument limit and fractions too.
    expect((await put({ maxPosition: "5.5", positionLimits: { "BTC/USD@coinbase": "0.25" }, maxOrderAgeMs: 750 })).status).toBe(200);
    const before = await get("/risk/limits");
    expect(before).toMatchObject({ maxPosition: "5.5", positionLimits: { "BTC/USD@coinbase": "0.25" }, maxOrderAgeMs: 750 });
    const r = await put(before);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(before);
    expect(await get("/risk/limits")).toEqual(before);
    // A PUT built from the GET's number means that number: "5" is five, not 5e-8.
    expect(await (await put({ maxPosition: "5" })).json()).toMatchObject({ maxPosition: "5" });
    expect(String((control.limits as { maxPosition: bigint }).maxPosition)).toBe("500000000");
  });
});

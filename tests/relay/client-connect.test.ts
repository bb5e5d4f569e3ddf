/**
 * The client API for people (relay/client/connect.ts via mod.ts): `connect(domain, {runtimeDir|url|token})`
 * finds relays placed the way `ap start` places them (`<runtimeDir>/<domain>.sock`), `subscribe({types})`
 * yields typed zero-copy views whose `toJSON()` is the PROTOCOL §7 form, `publish` takes TLVs by name and
 * fills the header, names and numbers are both accepted, and every misuse is a typed ClientError.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeMessage, messageToJson, pairInstrument, RelayDomain, TlvType, Venue, type TradeTlv } from "../../protocol/mod.ts";
import { ClientError, connect, relaySocketPath, type AlphaPulseClient } from "../../relay/client/mod.ts";
import { RelayKey, TOOLS_RANGE, TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { runtimePaths } from "../../runtime/paths.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { startTestRelay, tempDir } from "./helpers.ts";

let env: ReturnType<typeof tempDir>;
const relays: RelayServer[] = [];
const clients: AlphaPulseClient[] = [];

beforeEach(() => {
  env = tempDir();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
  env.cleanup();
});

async function relay(domain: RelayDomain, extra: Parameters<typeof startTestRelay>[1] = {}): Promise<RelayServer> {
  const r = await startTestRelay(env.dir, { domain, socketPath: relaySocketPath(env.dir, domain), ...extra });
  relays.push(r);
  return r;
}

async function open(...args: Parameters<typeof connect>): Promise<AlphaPulseClient> {
  const c = await connect(...args);
  clients.push(c);
  return c;
}

const TRADE = {
  name: "Trade", instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Spot" }, side: 1, flags: 0,
  price: 6_000_012_345_678n, size: 3_600_000n, execTimestamp: 1_700_000_000_123_456_789n,
} as const;

/** Publishes `publish()` every 50 ms until `iterator` yields, then returns what it yielded (messages before the Subscribe took effect are not for it). */
async function firstReceived<T>(iterator: AsyncIterator<T>, publish: () => void, timeoutMs = 20_000): Promise<T> {
  const next = iterator.next();
  const timer = setInterval(publish, 50);
  publish();
  try {
    const r = await Promise.race([next, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`nothing received within ${timeoutMs} ms`)), timeoutMs))]);
    if (r.done) throw new Error("subscription ended");
    return r.value;
  } finally {
    clearInterval(timer);
  }
}

describe("connect(): finding the relay", () => {
  it("the socket path rule is the runtime's: relaySocketPath(dir, d) equals runtimePaths(dir).relaySocket(d) for every domain", () => {
    for (const d of [1, 2, 3, 4] as const) expect(relaySocketPath("/run/x", d)).toBe(runtimePaths("/run/x").relaySocket(d));
    expect(relaySocketPath("/run/x", RelayDomain.Signal)).toBe("/run/x/signal.sock");
  });

  it("by runtimeDir, by ALPHAPULSE_RUNTIME_DIR and by url, by name or number; nothing there is ClientError Unreachable naming the socket", async () => {
    await relay(RelayDomain.MarketData);
    expect((await open("market-data", { runtimeDir: env.dir })).where).toBe(`unix:${path.join(env.dir, "market-data.sock")}`);
    expect((await open(1, { url: `unix://${path.join(env.dir, "market-data.sock")}` })).domain).toBe("market-data");
    const saved = process.env.ALPHAPULSE_RUNTIME_DIR;
    process.env.ALPHAPULSE_RUNTIME_DIR = env.dir;
    try {
      expect((await open("market-data")).where).toBe(`unix:${path.join(env.dir, "market-data.sock")}`);
    } finally {
      if (saved === undefined) delete process.env.ALPHAPULSE_RUNTIME_DIR;
      else process.env.ALPHAPULSE_RUNTIME_DIR = saved;
    }
    const err = await connect("signal", { runtimeDir: env.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).kind).toBe("Unreachable");
    expect((err as ClientError).message).toContain(path.join(env.dir, "signal.sock"));
  });

  it("bad names are ClientError BadArgument saying what is allowed", async () => {
    const bad = async (f: () => unknown): Promise<ClientError> => {
      try {
        await f();
      } catch (e) {
        return e as ClientError;
      }
      throw new Error("did not throw");
    };
    const e1 = await bad(() => connect("market_data" as never, { runtimeDir: env.dir }));
    expect([e1.kind, e1.message]).toEqual(["BadArgument", expect.stringContaining('"market-data"')]);
    const e2 = await bad(() => connect("market-data", { url: "http://127.0.0.1:1" }));
    expect(e2.message).toContain("scheme http:");
    await relay(RelayDomain.MarketData);
    const c = await open("market-data", { runtimeDir: env.dir });
    expect((await bad(() => c.subscribe({ types: ["Trades" as never] }))).message).toContain('types[0] "Trades"');
    expect((await bad(() => c.subscribe({ types: ["MomentumSignal"] }))).message).toContain("does not travel on the market-data relay");
    expect((await bad(() => c.publish({ name: "Trade", price: 1n } as never))).kind).toBe("BadArgument");
  });

  it("reads the system's tools token from the runtime directory (a relay with identities accepts the publish)", async () => {
    const key = RelayKey.generate();
    await relay(RelayDomain.MarketData, { identityKey: key });
    fs.writeFileSync(path.join(env.dir, TOOLS_TOKEN_FILE), key.tokenForRange(TOOLS_RANGE.lo, TOOLS_RANGE.hi) + "\n", { mode: 0o600 });
    const c = await open("market-data", { runtimeDir: env.dir });
    c.publish(TRADE);
    expect(await c.report(15_000)).toEqual({ published: 1, accepted: 1, refused: {} });
  });
});

describe("subscribe() and publish()", () => {
  it("a Trade published by name arrives as a typed view: fields, header, toJSON() = the §7 form of its bytes, no copy", async () => {
    await relay(RelayDomain.MarketData);
    const pub = await open("market-data", { runtimeDir: env.dir, serviceId: 91 });
    const sub = (await open("market-data", { runtimeDir: env.dir })).subscribe({ types: ["Trade"] });
    await sub.ready;
    const msg = await firstReceived(sub[Symbol.asyncIterator](), () => pub.publish(TRADE));
    expect([msg.domain, msg.type, msg.source]).toEqual(["market-data", "Trade", 91]);
    expect(msg.sequence).toBeGreaterThanOrEqual(1n);
    const trade: TradeTlv = msg.tlv();
    expect(trade).toMatchObject({ type: TlvType.Trade, price: TRADE.price, size: TRADE.size, instrument: pairInstrument("BTC", "USD", Venue.Coinbase) });
    const json = JSON.parse(JSON.stringify(msg));
    expect(json).toEqual(JSON.parse(JSON.stringify(messageToJson(decodeMessage(msg.bytes)))));
    expect(json.tlvs[0]).toMatchObject({ name: "Trade", price: "6000012345678", instrument: { symbol: "BTC/USD", venue: Venue.Coinbase } });
    expect(msg.bytes.buffer.byteLength).toBeGreaterThanOrEqual(msg.bytes.length); // a view into the received chunk
    await sub.close();
  });

  it("numbers work where names do; sequences count from 1 per source; the relay's report counts what it accepted", async () => {
    await relay(RelayDomain.Signal);
    const c = await open(RelayDomain.Signal, { runtimeDir: env.dir });
    const signal = { type: TlvType.MomentumSignal, instrument: pairInstrument("ETH", "USD", Venue.Kraken), direction: -1, windowSeconds: 30, momentumBps: -7, referencePrice: 300_000_000_000n };
    expect(c.publish({ tlvs: [{ name: "MomentumSignal", ...signal }] })).toBe(1n);
    expect(c.publish({ name: "MomentumSignal", ...signal })).toBe(2n);
    expect(c.publish({ tlvs: [{ name: "MomentumSignal", ...signal }], source: 92 })).toBe(1n);
    expect(await c.report(15_000)).toEqual({ published: 3, accepted: 3, refused: {} });
  });
});

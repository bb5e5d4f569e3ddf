/**
 * Every misuse of the people's client API (relay/client/mod.ts) is a typed ClientError saying what, where
 * and why: bad service ids, URLs, domains, roles, TLV types and field values; a TCP URL without a token; a
 * tools token that cannot be read; bytes of another domain or failing validation; use after close. Also the
 * paths that are not errors: the full JSON form, an empty tools token, the per-user default directory, a
 * subscription closed before it is read, a TLV without a decodable first TLV type name.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, HEADER_SIZE, HeaderOffset, messageToJson, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import { platform } from "../../core/platform.ts";
import { ClientError, connect, endpointOf, ReceivedMessage, toDomain, toRole, toTlvType, type AlphaPulseClient } from "../../relay/client/mod.ts";
import { resolveTarget } from "../../relay/client/connect.ts";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { defaultSocketDir, relaySocketPath } from "../../relay/wire/socket-paths.ts";
import { TRANSPORT, type Transport } from "../../relay/transport/types.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { startTestRelay, tempDir } from "./helpers.ts";

let env: ReturnType<typeof tempDir>;
let relay: RelayServer | undefined;
const clients: AlphaPulseClient[] = [];

beforeEach(() => {
  env = tempDir();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay?.close();
  relay = undefined;
  env.cleanup();
});

/** The ClientError `f` throws or rejects with (fails the test otherwise). */
async function refusal(f: () => unknown): Promise<ClientError> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof ClientError)) throw new Error(`expected a ClientError, got ${String(e)}`);
    return e;
  }
  throw new Error("expected a ClientError, nothing was thrown");
}

async function open(): Promise<AlphaPulseClient> {
  relay = await startTestRelay(env.dir, { socketPath: relaySocketPath(env.dir, RelayDomain.MarketData) });
  const c = await connect("market-data", { runtimeDir: env.dir, serviceId: 91 });
  clients.push(c);
  return c;
}

const quote = (): Uint8Array => encodeMessage({ relayDomain: RelayDomain.MarketData, source: 91, sequence: 1n, timestamp: 0n }, [{
  type: TlvType.Quote, name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken),
  bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n,
}]);

describe("where to connect", () => {
  it("refuses service ids outside 0–65535 and a TCP URL without a token", async () => {
    const t = await platform().load(TRANSPORT);
    for (const serviceId of [-1, 65_536, 1.5]) {
      const e = await refusal(() => resolveTarget(RelayDomain.MarketData, { serviceId, url: "unix:///x.sock" }, t));
      expect([e.kind, e.message]).toEqual(["BadArgument", `serviceId ${serviceId} must be an integer 0–65535`]);
    }
    const e = await refusal(() => resolveTarget(RelayDomain.MarketData, { url: "tcp://127.0.0.1:7000" }, t));
    expect(e.message).toBe("url tcp://127.0.0.1:7000: a TCP relay requires a token (option token)");
    expect(resolveTarget(RelayDomain.MarketData, { url: "tls://127.0.0.1:7000", token: "t" }, t).endpoint).toEqual({ kind: "tcp", host: "127.0.0.1", port: 7000, tls: {} });
  });

  it("reads URLs of the three schemes and says what is wrong with any other", async () => {
    expect(endpointOf("unix:///run/a%20b.sock")).toEqual({ kind: "unix", path: "/run/a b.sock" });
    expect(endpointOf("tcp://[::1]:5000")).toEqual({ kind: "tcp", host: "::1", port: 5000 });
    expect(endpointOf("tls://relay.example:5001", "PEM")).toEqual({ kind: "tcp", host: "relay.example", port: 5001, tls: { ca: "PEM" } });
    expect((await refusal(() => endpointOf("not a url"))).message).toBe('url "not a url" is not a URL: use unix:///path.sock, tcp://host:port or tls://host:port');
    expect((await refusal(() => endpointOf("tcp://127.0.0.1"))).message).toBe("url tcp://127.0.0.1: needs a host and a port");
    expect((await refusal(() => endpointOf("unix:"))).message).toBe("url unix:: no socket path");
    expect((await refusal(() => endpointOf("ws://h:1"))).message).toBe("url ws://h:1: scheme ws: is not one of unix:, tcp:, tls:");
  });

  it("without runtimeDir or the environment, looks in the per-user default directory; an empty tools token is none", async () => {
    const t = await platform().load(TRANSPORT);
    const r = resolveTarget(RelayDomain.Signal, {}, t, {});
    expect(r.where).toBe(`unix:${path.join(defaultSocketDir(), "signal.sock")}`);
    fs.writeFileSync(path.join(env.dir, TOOLS_TOKEN_FILE), "\n");
    expect(resolveTarget(RelayDomain.Signal, { runtimeDir: env.dir }, t, {}).token).toBeUndefined();
    expect(resolveTarget(RelayDomain.Signal, {}, t, { ALPHAPULSE_RUNTIME_DIR: env.dir }).where).toBe(`unix:${env.dir}/signal.sock`);
  });

  it("a tools token that exists but cannot be read is ClientError Unreachable naming the file", async () => {
    const t = await platform().load(TRANSPORT);
    fs.mkdirSync(path.join(env.dir, TOOLS_TOKEN_FILE)); // a directory: reading it fails with EISDIR
    const e = await refusal(() => resolveTarget(RelayDomain.MarketData, { runtimeDir: env.dir }, t));
    expect(e.kind).toBe("Unreachable");
    expect(e.message).toContain(`cannot read the tools token ${path.join(env.dir, TOOLS_TOKEN_FILE)}: `);
  });

  it("a transport given in the options is used instead of the runtime's", async () => {
    const base = await platform().load(TRANSPORT);
    let connects = 0;
    const counting: Transport = { name: "counting", listen: (e, on) => base.listen(e, on), connect: (e) => (connects++, base.connect(e)) };
    relay = await startTestRelay(env.dir, { socketPath: relaySocketPath(env.dir, RelayDomain.MarketData) });
    const c = await connect("market-data", { runtimeDir: env.dir, transport: counting });
    clients.push(c);
    expect(connects).toBe(1);
  });
});

describe("names", () => {
  it("domains, roles and TLV types by name or number; anything else is BadArgument saying what is allowed", async () => {
    expect([toDomain(2), toDomain("execution")]).toEqual([2, 3]);
    expect((await refusal(() => toDomain(9 as never))).message).toContain('domain 9 is not a relay domain: use "market-data"');
    expect([toRole(2), toRole("both"), toRole("publisher")]).toEqual([2, 3, 1]);
    expect((await refusal(() => toRole(7 as never))).message).toBe('role 7 is not a Hello role: use "publisher", "subscriber" or "both" (or 1–3)');
    expect((await refusal(() => toRole("reader" as never))).kind).toBe("BadArgument");
    expect(toTlvType(TlvType.Trade)).toBe(TlvType.Trade);
    expect((await refusal(() => toTlvType(250, "types[3]"))).message).toContain("types[3] 250 is not a registered TLV type");
  });
});

describe("publish() and subscribe()", () => {
  it("bytes of another domain, bytes that fail validation and fields that do not parse are BadArgument saying why", async () => {
    const c = await open();
    // A Heartbeat may ride on any domain: sound, but for the Signal relay.
    const heartbeat = encodeMessage({ relayDomain: RelayDomain.Signal, source: 91, sequence: 1n, timestamp: 0n }, [
      { type: TlvType.Heartbeat, name: "Heartbeat", serviceId: 91, state: 2, uptimeSeconds: 1, lastSequence: 1n },
    ]);
    expect((await refusal(() => c.publish(heartbeat))).message).toBe("publish: the message is for relay domain 2, this client is on market-data");
    const bad = quote();
    bad[HeaderOffset.magic] = 0;
    expect((await refusal(() => c.publish(bad))).message).toMatch(/^publish: /);
    const badAsset = await refusal(() => c.publish({ name: "Trade", instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Bond" }, side: 1, flags: 0, price: 1n, size: 1n, execTimestamp: 0n } as never));
    expect(badAsset.message).toContain('assetType "Bond" is not one of');
    const badField = await refusal(() => c.publish({ name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1, flags: 0, price: "lots", size: 1n, execTimestamp: 0n } as never));
    expect([badField.kind, badField.message.startsWith("publish: ")]).toEqual(["BadArgument", true]);
    expect(await c.report(15_000)).toEqual({ published: 0, accepted: 0, refused: {} });
  });

  it("takes encoded bytes as they are and the full JSON form with a header", async () => {
    const c = await open();
    expect(c.publish(quote())).toBe(1n);
    const json = JSON.parse(JSON.stringify(messageToJson(decodeMessage(quote()))));
    json.header.sequence = "2";
    expect(c.publish(json)).toBe(2n);
    expect(c.publish({ tlvs: [{ name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken), bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n }], sequence: 3n, timestamp: 7n })).toBe(3n);
    expect(await c.report(15_000)).toEqual({ published: 3, accepted: 3, refused: {} });
  });

  it("after close(), publish and subscribe are ClientError Closed naming the relay; close twice is fine", async () => {
    const c = await open();
    const sub = c.subscribe();
    await sub.ready;
    await c.close();
    await c.close();
    const e = await refusal(() => c.publish(quote()));
    expect([e.kind, e.message]).toEqual(["Closed", `publish: the client of unix:${relaySocketPath(env.dir, RelayDomain.MarketData)} is closed`]);
    expect((await refusal(() => c.subscribe())).message).toMatch(/^subscribe: the client of .* is closed$/);
  });

  it("a subscription closed before it is read ends at once; one whose relay is gone rejects ready with Unreachable", async () => {
    const c = await open();
    const sub = c.subscribe({ types: ["Trade"] });
    await sub.close();
    expect(await sub[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    await relay!.close();
    relay = undefined;
    const orphan = c.subscribe();
    const e = await orphan.ready.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(ClientError);
    expect((e as ClientError).kind).toBe("Unreachable");
    expect((e as ClientError).message).toContain("no market-data relay answers at unix:");
    await orphan.close();
  });

  it("a received message without a TLV says so when asked for its type", async () => {
    const empty = quote().slice(0, HEADER_SIZE);
    new DataView(empty.buffer).setUint32(HeaderOffset.payloadSize, 0, true);
    const e = await refusal(() => new ReceivedMessage(empty).type);
    expect(e.message).toBe("message 91#1 has no TLV");
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMessage, HeaderOffset, MessageBuilder, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import { encodeSubscribe } from "../../relay/wire/control.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { platform } from "../../core/platform.ts";
import { TRANSPORT } from "../../relay/transport/types.ts";
import { client, collector, firstType, headerOf, IS_DENO, leaveStaleSocket, rawPeer, Role, sleep, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

let env: { dir: string; cleanup: () => void };
let server: RelayServer;

beforeEach(async () => {
  env = tempDir();
  server = await startTestRelay(env.dir);
});

afterEach(async () => {
  await server.close();
  env.cleanup();
});

function quote(source: number, seq: bigint, domain: number = RelayDomain.MarketData): Uint8Array {
  return encodeMessage({ relayDomain: domain, source, sequence: seq, timestamp: 0n }, [{
    type: TlvType.Quote, name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken),
    bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n,
  }]);
}

describe("relay", () => {
  it("uses this runtime's own transport", async () => {
    expect((await platform().load(TRANSPORT)).name).toBe(IS_DENO ? "deno" : "node");
  });

  // Delivery, type filters, no echo and the refusal of invalid messages run over every transport in
  // transports-relay.test.ts.
  it("never replaces a path that is not a socket", async () => {
    const fs = await import("node:fs");
    const plain = `${env.dir}/plain.sock`;
    fs.writeFileSync(plain, "x");
    await expect(startTestRelay(env.dir, { socketPath: plain })).rejects.toThrow(/not a socket/);
    expect(fs.readFileSync(plain, "utf8")).toBe("x");
  });

  it("closes only the offender on garbage, oversize headers and a missing Hello", async () => {
    const sub = await client(server.socketPath, 61, Role.Subscriber);
    const col = collector(sub);
    const pub = await client(server.socketPath, 8, Role.Publisher);
    await until(() => server.relay.metrics.subscribers === 1, 2000, "subscriber");
    const src = new TradeSource(8);
    pub.publish(src.next(0));
    await col.waitFor(1);

    const garbage = await rawPeer(server.socketPath, { serviceId: 9, role: Role.Publisher });
    const junk = new Uint8Array(200);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 37 + 11) & 0xff;
    garbage.conn.write([junk]);

    const oversize = await rawPeer(server.socketPath, { serviceId: 10, role: Role.Publisher });
    const big = new MessageBuilder(256).begin(RelayDomain.MarketData, 10).finish().slice();
    new DataView(big.buffer).setUint32(HeaderOffset.payloadSize, 2 * 1024 * 1024, true);
    oversize.conn.write([big]);

    const noHello = await rawPeer(server.socketPath);
    noHello.conn.write([new TradeSource(11).next(0).slice()]);

    await Promise.all([garbage.closed, oversize.closed, noHello.closed]);
    const m = server.relay.metrics;
    expect(m.errors.BadMagic).toBeGreaterThanOrEqual(1);
    expect(m.errors.TooLarge).toBe(1);
    expect(m.disconnects.framing).toBe(2);
    expect(m.disconnects.noHello).toBe(1);

    pub.publish(src.next(1));
    await col.waitFor(2);
    expect(headerOf(col.messages[1]!).sequence).toBe(2n);
    expect(sub.connected && pub.connected).toBe(true);
    await Promise.all([sub.close(), pub.close()]);
  });

  it("survives random bytes from many connections (property)", async () => {
    const fc = await import("fast-check");
    const sub = await client(server.socketPath, 61, Role.Subscriber);
    const col = collector(sub);
    const pub = await client(server.socketPath, 12, Role.Publisher);
    await until(() => server.relay.metrics.subscribers === 1, 2000, "subscriber");
    const src = new TradeSource(12);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 600 }), async (hello, bytes) => {
        const peer = await rawPeer(server.socketPath, hello ? { serviceId: 13, role: Role.Both } : undefined);
        peer.conn.write([bytes]);
        pub.publish(src.next(sent++));
        await col.waitFor(sent, 3000);
        peer.conn.close(true);
        await peer.closed;
      }),
      { numRuns: 40 },
    );
    expect(col.messages.length).toBe(sent);
    await Promise.all([sub.close(), pub.close()]);
  });

  it("requires Hello within the time limit and refuses a bad role", async () => {
    const peer = await rawPeer(server.socketPath, { serviceId: 1, role: 7 });
    await peer.closed;
    expect(server.relay.metrics.disconnects.noHello).toBe(1);
  });

  it("lets Subscribe change the filter on a live connection", async () => {
    const peer = await rawPeer(server.socketPath, { serviceId: 70, role: Role.Subscriber });
    peer.conn.write([encodeSubscribe(RelayDomain.MarketData, 70, [TlvType.Quote])]);
    const pub = await client(server.socketPath, 14, Role.Publisher);
    await until(() => server.relay.metrics.subscribers === 1, 2000, "subscriber");
    await sleep(50);
    pub.publish(new TradeSource(14).next(0));
    pub.publish(quote(15, 1n));
    await until(() => peer.messages.length >= 1, 3000, "quote");
    await sleep(50);
    expect(peer.messages.map(firstType)).toEqual([TlvType.Quote]);
    peer.conn.close();
    await pub.close();
  });

  it("refuses to start on a socket a live relay answers, and replaces a stale one", async () => {
    await expect(startTestRelay(env.dir)).rejects.toThrow(/already answers/);
    const dir2 = tempDir();
    try {
      // A process that listened on the socket and was killed leaves the file behind.
      const path = `${dir2.dir}/relay.sock`;
      await leaveStaleSocket(path);
      const fs = await import("node:fs");
      expect(fs.lstatSync(path).isSocket()).toBe(true);
      const second = await startTestRelay(dir2.dir);
      expect((fs.statSync(path).mode & 0o777).toString(8)).toBe("600");
      const c = await client(second.socketPath, 1, Role.Publisher);
      expect(c.connected).toBe(true);
      await c.close();
      await second.close();
    } finally {
      dir2.cleanup();
    }
  });

  it("counts data from a subscriber-only connection as notPublisher", async () => {
    const peer = await rawPeer(server.socketPath, { serviceId: 71, role: Role.Subscriber });
    peer.conn.write([quote(71, 1n)]);
    await until(() => server.relay.metrics.drops.notPublisher === 1, 2000, "notPublisher drop");
    expect(peer.isClosed()).toBe(false);
    peer.conn.close();
  });
});


/**
 * The client's suite over every transport of tests/relay/transports.ts, from one set of test bodies: the
 * people's API of relay/client/mod.ts (connect, subscribe, publish by name, the relay's report), a
 * RelayClient's reconnect after its link is cut (publisher and subscriber, nothing lost), and a publisher
 * that buffers while disconnected, drops its oldest past the buffer, counts them and sends the rest.
 */
import { afterEach, describe, expect, it } from "vitest";
import { pairInstrument, TlvType, Venue, type TradeTlv } from "../../protocol/mod.ts";
import { connect, type AlphaPulseClient } from "../../relay/client/mod.ts";
import { collector, firstType, headerOf, Role, TradeSource, until } from "./helpers.ts";
import { startCase, TRANSPORT_CASES, type RelayFixture } from "./transports.ts";

const fixtures: RelayFixture[] = [];
const people: AlphaPulseClient[] = [];

afterEach(async () => {
  await Promise.all(people.splice(0).map((c) => c.close()));
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

const TRADE = {
  name: "Trade", instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Spot" }, side: 1, flags: 0,
  price: 6_000_012_345_678n, size: 3_600_000n, execTimestamp: 1_700_000_000_123_456_789n,
} as const;

/** Bytes of one TradeSource message (the outgoing buffer is sized in them). */
const TRADE_BYTES = 74;

describe.each(TRANSPORT_CASES)("client over $name", (transportCase) => {
  async function start(): Promise<RelayFixture> {
    const f = await startCase(transportCase);
    fixtures.push(f);
    return f;
  }

  it("connect(), subscribe() and publish() of relay/client/mod.ts: a Trade by name arrives as a typed view, the report counts it", async () => {
    const f = await start();
    const pub = await connect("market-data", { ...f.connectOptions(), serviceId: 91 });
    people.push(pub);
    const subscriber = await connect("market-data", f.connectOptions());
    people.push(subscriber);
    const sub = subscriber.subscribe({ types: ["Trade"] });
    await sub.ready;
    await until(() => f.server.relay.metrics.subscribers >= 1, 10_000, "subscriber");
    const iterator = sub[Symbol.asyncIterator]();
    const next = iterator.next();
    expect(pub.publish(TRADE)).toBe(1n);
    const r = await Promise.race([next, new Promise<never>((_, fail) => setTimeout(() => fail(new Error("no Trade within 20 s")), 20_000))]);
    expect(r.done).toBe(false);
    const msg = r.value!;
    expect([msg.domain, msg.type, msg.source, msg.sequence]).toEqual(["market-data", "Trade", 91, 1n]);
    const trade: TradeTlv = msg.tlv();
    expect(trade).toMatchObject({ type: TlvType.Trade, price: TRADE.price, size: TRADE.size, instrument: pairInstrument("BTC", "USD", Venue.Coinbase) });
    expect(await pub.report(15_000)).toEqual({ published: 1, accepted: 1, refused: {} });
    await sub.close();
  });

  it("a RelayClient reconnects after its link is cut; publisher and subscriber lose nothing", async () => {
    const f = await start();
    const sub = await f.client(61, Role.Subscriber);
    const col = collector(sub);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const pub = await f.client(1, Role.Publisher);
    const src = new TradeSource(1);
    for (let i = 0; i < 100; i++) pub.publish(src.next(i));
    await col.waitFor(100, 20_000);

    f.link.drop();
    await until(() => !sub.connected && !pub.connected, 10_000, "both to notice the cut");
    for (let i = 100; i < 200; i++) pub.publish(src.next(i)); // held by the publisher while disconnected
    f.link.open();
    await until(() => sub.connected && pub.connected, 20_000, "both to reconnect");
    await pub.flush();
    for (let i = 200; i < 300; i++) pub.publish(src.next(i));
    await col.waitFor(300, 20_000);
    const trades = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
    expect(trades).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i + 1)));
    expect(sub.stats.lost).toBe(0);
    expect(pub.stats.droppedOutgoing).toBe(0);
    expect(sub.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(pub.stats.reconnects).toBeGreaterThanOrEqual(1);
    await Promise.all([sub.close(), pub.close()]);
  });

  it("a publisher buffers while disconnected, drops its oldest past the buffer and counts them, then sends the rest", async () => {
    const f = await start();
    const sub = await f.client(61, Role.Subscriber);
    const col = collector(sub);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const pub = await f.client(1, Role.Publisher, { outBufferBytes: TRADE_BYTES * 100, resendBytes: 0 });
    await until(() => f.link.accepted === 2, 10_000, "publisher accepted");
    const pubIndex = 1;
    f.link.drop([pubIndex]);
    await until(() => !pub.connected, 10_000, "disconnect noticed");
    const src = new TradeSource(1);
    for (let i = 0; i < 250; i++) pub.publish(src.next(i));
    pub.flushBatch();
    expect(pub.stats.published).toBe(250);
    expect(pub.stats.droppedOutgoing).toBe(150);
    expect(pub.queuedBytes).toBe(TRADE_BYTES * 100);
    f.link.open();
    await until(() => pub.connected, 20_000, "publisher reconnect");
    await pub.flush();
    // The 100 newest arrive (the 150 dropped never reached the relay).
    await until(() => col.messages.filter((m) => firstType(m) === TlvType.Trade).length === 100, 20_000, "the buffered 100");
    const seqs = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(151 + i)));
    expect(sub.connected).toBe(true);
    await Promise.all([sub.close(), pub.close()]);
  });
});

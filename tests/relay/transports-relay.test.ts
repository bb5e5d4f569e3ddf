/**
 * The relay's suite over every transport of tests/relay/transports.ts, from one set of test bodies:
 * delivery to every subscriber in per-source order, type filters and no echo, refusal of invalid messages
 * (counted, connection kept), RetransmitRequest answered exactly, a slow subscriber's oldest dropped with
 * a Gap (reason 2), a stalled subscriber that never blocks a fast one and is disconnected after the limit,
 * and a reconnecting subscriber caught up on what it missed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AssetType, encodeMessage, GapReason, HeaderOffset, MessageBuilder, pairAssetId, pairInstrument, RelayDomain, Side, TlvType, Venue } from "../../protocol/mod.ts";
import type { RelayServerOptions } from "../../relay/server/server.ts";
import { encodeRetransmitRequest } from "../../relay/wire/control.ts";
import { collector, firstType, headerOf, Role, sleep, tradeSequencesBySource, TradeSource, until } from "./helpers.ts";
import { startCase, TRANSPORT_CASES, type RelayFixture } from "./transports.ts";

const fixtures: RelayFixture[] = [];

afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

function quote(source: number, seq: bigint): Uint8Array {
  return encodeMessage({ relayDomain: RelayDomain.MarketData, source, sequence: seq, timestamp: 0n }, [{
    type: TlvType.Quote, name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken),
    bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n,
  }]);
}

function gapOf(m: Uint8Array): { source: number; reason: number; from: bigint; to: bigint } {
  const dv = new DataView(m.buffer, m.byteOffset + 34);
  return { source: dv.getUint16(0, true), reason: dv.getUint8(2), from: dv.getBigUint64(8, true), to: dv.getBigUint64(16, true) };
}

describe.each(TRANSPORT_CASES)("relay over $name", (transportCase) => {
  async function start(options: Partial<RelayServerOptions> = {}): Promise<RelayFixture> {
    const f = await startCase(transportCase, options);
    fixtures.push(f);
    return f;
  }

  it("delivers every message to every subscriber, in per-source order", async () => {
    const f = await start();
    const subs = await Promise.all([1, 2, 3].map((i) => f.client(60 + i, Role.Subscriber)));
    const cols = subs.map(collector);
    await until(() => f.server.relay.metrics.subscribers === 3, 10_000, "subscribers");
    const pubs = await Promise.all([1, 2].map((i) => f.client(i, Role.Publisher)));
    const srcs = [new TradeSource(1), new TradeSource(2)];
    const N = 2000;
    for (let i = 0; i < N; i++) {
      pubs[0]!.publish(srcs[0]!.next(i));
      pubs[1]!.publish(srcs[1]!.next(i));
    }
    await Promise.all(cols.map((c) => c.waitFor(2 * N, 20_000)));
    for (const c of cols) {
      expect(c.messages.length).toBe(2 * N);
      const last = new Map<number, bigint>();
      for (const m of c.messages) {
        const h = headerOf(m);
        expect(h.sequence).toBe((last.get(h.source) ?? 0n) + 1n);
        last.set(h.source, h.sequence);
      }
      expect(last.get(1)).toBe(BigInt(N));
      expect(last.get(2)).toBe(BigInt(N));
    }
    expect(f.server.relay.metrics.messagesIn).toBeGreaterThanOrEqual(2 * N);
    expect(f.server.relay.metrics.messagesOut).toBe(3 * 2 * N);
    await Promise.all([...subs, ...pubs].map((c) => c.close()));
  });

  it("applies type filters and does not echo a connection's own messages", async () => {
    const f = await start();
    const trades = await f.client(61, Role.Subscriber, { types: [TlvType.Trade] });
    const quotes = await f.client(62, Role.Subscriber, { types: [TlvType.Quote] });
    const both = await f.client(5, Role.Both);
    const [ct, cq, cb] = [collector(trades), collector(quotes), collector(both)];
    await until(() => f.server.relay.metrics.subscribers === 3, 10_000, "subscribers");
    const src = new TradeSource(5);
    for (let i = 0; i < 10; i++) {
      both.publish(src.next(i));
      both.publish(quote(6, BigInt(i + 1)));
    }
    await ct.waitFor(10, 10_000);
    await cq.waitFor(10, 10_000);
    await sleep(100);
    expect(ct.messages.length).toBe(10);
    expect(ct.messages.every((m) => firstType(m) === TlvType.Trade)).toBe(true);
    expect(cq.messages.length).toBe(10);
    expect(cq.messages.every((m) => firstType(m) === TlvType.Quote)).toBe(true);
    expect(cb.messages.length).toBe(0);
    await Promise.all([trades, quotes, both].map((c) => c.close()));
  });

  it("drops wrong-domain messages, bad checksums and duplicates, counts them, and keeps the connection", async () => {
    // In-process publishers' checksums are verified only when asked (the next test); here every transport is.
    const f = await start({ verifyInProcessChecksum: true });
    const sub = await f.client(61, Role.Subscriber);
    const col = collector(sub);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const pub = await f.raw({ serviceId: 7, role: Role.Publisher });
    const good1 = quote(7, 1n);
    // A sound message of another domain (a Heartbeat may ride on any domain, so only the header is wrong).
    const wrongHeaderDomain = encodeMessage({ relayDomain: RelayDomain.Signal, source: 7, sequence: 2n, timestamp: 0n }, [
      { type: TlvType.Heartbeat, name: "Heartbeat", serviceId: 7, state: 2, uptimeSeconds: 1, lastSequence: 1n },
    ]);
    // A market-data header carrying an execution TLV (Cancel, type 43).
    const wrongType = encodeMessage({ relayDomain: RelayDomain.MarketData, source: 7, sequence: 3n, timestamp: 0n }, [
      { type: TlvType.Cancel, name: "Cancel", orderId: 1n, reason: 1, requestedAt: 0n },
    ]);
    const badSum = quote(7, 4n);
    badSum[HeaderOffset.checksum] = badSum[HeaderOffset.checksum]! ^ 0xff;
    const duplicate = quote(7, 1n);
    const good2 = quote(7, 5n);
    pub.conn.write([good1, wrongHeaderDomain, wrongType, badSum, duplicate, good2]);
    await col.waitFor(3, 10_000);
    await sleep(100);
    // 2–4 never reached subscribers: the client asks for them and the relay answers with a Gap.
    expect(col.messages.map((m) => [firstType(m), headerOf(m).sequence])).toEqual([[TlvType.Quote, 1n], [TlvType.Gap, 1n], [TlvType.Quote, 5n]]);
    expect(sub.stats.retransmitRequests).toBe(1);
    expect(sub.stats.lost).toBe(3);
    const m = f.server.relay.metrics;
    expect(m.drops.wrongDomain).toBe(2);
    expect(m.errors.TypeNotInDomain).toBe(1);
    expect(m.drops.invalid).toBe(1);
    expect(m.errors.ChecksumMismatch).toBe(1);
    expect(m.drops.duplicate).toBe(1);
    expect(pub.isClosed()).toBe(false);
    pub.conn.close();
    await sub.close();
  });

  it("verifies checksums across a medium; in-process publishers' only when asked", async () => {
    const sent = (seq: bigint): Uint8Array => {
      const m = quote(7, seq);
      m[HeaderOffset.checksum] = m[HeaderOffset.checksum]! ^ 0xff;
      return m;
    };
    for (const verifyInProcessChecksum of [false, true]) {
      const f = await start({ verifyInProcessChecksum });
      const sub = await f.client(61, Role.Subscriber, { types: [TlvType.Quote] });
      const col = collector(sub);
      await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
      const pub = await f.raw({ serviceId: 7, role: Role.Publisher });
      pub.conn.write([sent(1n), quote(7, 2n)]);
      const forwarded = transportCase.name === "inproc" && !verifyInProcessChecksum;
      await col.waitFor(forwarded ? 2 : 1, 10_000);
      await sleep(50);
      expect(col.messages.map((m) => headerOf(m).sequence)).toEqual(forwarded ? [1n, 2n] : [2n]);
      expect(f.server.relay.metrics.errors.ChecksumMismatch ?? 0).toBe(forwarded ? 0 : 1);
      pub.conn.close();
      await sub.close();
    }
  });

  it("answers a RetransmitRequest with the held messages, exactly", async () => {
    const f = await start();
    const pub = await f.raw({ serviceId: 3, role: Role.Publisher });
    const src = new TradeSource(3);
    pub.conn.write(Array.from({ length: 100 }, (_, i) => src.next(i + 1).slice()));
    await until(() => f.server.relay.metrics.messagesIn >= 101, 10_000, "messages in");
    const s = await f.raw({ serviceId: 64, role: Role.Subscriber });
    s.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 64, 3, 10n, 20n)]);
    await until(() => s.messages.length >= 11, 10_000, "retransmission");
    // A range reaching past the last sequence is answered up to the last one, without a Gap.
    s.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 64, 3, 95n, 500n)]);
    await until(() => s.messages.length >= 17, 10_000, "second retransmission");
    await sleep(50);
    expect(s.messages.map((m) => headerOf(m).sequence)).toEqual([
      ...Array.from({ length: 11 }, (_, i) => BigInt(10 + i)),
      ...Array.from({ length: 6 }, (_, i) => BigInt(95 + i)),
    ]);
    expect(s.messages.every((m) => headerOf(m).source === 3 && firstType(m) === TlvType.Trade)).toBe(true);
    expect(f.server.relay.metrics.retransmitRequests).toBe(2);
    s.conn.close();
    pub.conn.close();
  });

  it("drops a slow subscriber's oldest messages and tells it with a Gap (reason 2)", async () => {
    const f = await start({ subscriberQueueBytes: 16 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 60_000 });
    const slow = await f.raw({ serviceId: 62, role: Role.Subscriber }, 64 * 1024);
    slow.conn.pause();
    const pub = await f.client(1, Role.Publisher);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const src = new TradeSource(1);
    // Publish until the relay has dropped for the paused peer (however much its kernel buffers take — TCP's
    // grow to megabytes), then as much again.
    let sent = 0;
    const deadline = performance.now() + 30_000;
    while (f.server.relay.metrics.drops.slowConsumer === 0 && performance.now() < deadline) {
      for (let i = 0; i < 256; i++) pub.publish(src.next(sent++));
      await pub.flush();
    }
    for (let i = 0; i < 2000; i++) pub.publish(src.next(sent++));
    await pub.flush();
    const N = sent;
    await until(() => f.server.relay.metrics.messagesIn >= N + 1, 20_000, "relay to take everything");
    expect(f.server.relay.metrics.drops.slowConsumer).toBeGreaterThan(0);
    slow.conn.resume();
    await until(() => slow.messages.length > 0 && headerOf(slow.messages.at(-1)!).sequence === BigInt(N), 20_000, "last message");
    // Every sequence 1..N is either delivered or inside a Gap, in stream order, nothing twice.
    let next = 1n;
    let gaps = 0;
    for (const m of slow.messages) {
      if (firstType(m) === TlvType.Gap) {
        const gap = gapOf(m);
        expect(gap.source).toBe(1);
        expect(gap.reason).toBe(GapReason.SlowConsumer);
        expect(gap.from).toBe(next);
        next = gap.to + 1n;
        gaps++;
      } else {
        expect(headerOf(m).sequence).toBe(next);
        next++;
      }
    }
    expect(next).toBe(BigInt(N) + 1n);
    expect(gaps).toBeGreaterThan(0);
    expect(f.server.relay.metrics.gapsSent).toBe(gaps);
    slow.conn.close();
    await pub.close();
  }, 90_000);

  it("a subscriber's backlog behind the write window drains in full once it reads again, with nothing more published", async () => {
    // The relay hands a subscriber at most writeWindowBytes at a time and moves the next part when the
    // connection says it drained: every transport must say so, or the rest waits for the next publish.
    const f = await start({ subscriberQueueBytes: 64 * 1024 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 60_000 });
    const sub = await f.raw({ serviceId: 62, role: Role.Subscriber }, 64 * 1024);
    sub.conn.pause();
    const pub = await f.client(1, Role.Publisher);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const src = new TradeSource(1);
    const N = 20_000; // ~1.5 MB: hundreds of windows
    for (let i = 0; i < N; i++) pub.publish(src.next(i));
    await pub.flush();
    await until(() => f.server.relay.metrics.messagesIn >= N + 1, 20_000, "relay to take everything");
    sub.conn.resume();
    await until(() => sub.messages.length >= N, 30_000, `all ${N} queued messages without another publish`).catch((e: Error) => {
      throw new Error(`${e.message}: got ${sub.messages.length}`);
    });
    expect(sub.messages.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: N }, (_, i) => BigInt(i + 1)));
    expect(f.server.relay.metrics.drops.slowConsumer).toBe(0);
    sub.conn.close();
    await pub.close();
  }, 90_000);

  it("a stalled subscriber never blocks a fast one or the publisher; it is disconnected after the limit", async () => {
    const f = await start({ subscriberQueueBytes: 8 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 200 });
    const slow = await f.raw({ serviceId: 62, role: Role.Subscriber }, 64 * 1024);
    slow.conn.pause();
    const fast = await f.client(61, Role.Subscriber);
    let got = 0;
    fast.onMessage(() => void got++);
    const pub = await f.client(1, Role.Publisher);
    await until(() => f.server.relay.metrics.subscribers === 2, 10_000, "subscribers");
    const src = new TradeSource(1);
    let sent = 0;
    // Publish until the relay gives up on the stalled subscriber — however long a busy machine takes to fill
    // its buffers and queue and keep it overflowing for 200 ms — not for a fixed time.
    const deadline = performance.now() + 30_000;
    while (f.server.relay.metrics.disconnects.slowConsumer === 0 && performance.now() < deadline) {
      for (let i = 0; i < 100; i++) pub.publish(src.next(sent++));
      await sleep(5);
    }
    await pub.flush();
    await until(() => f.server.relay.metrics.disconnects.slowConsumer === 1, 10_000, "slow consumer disconnect");
    await until(() => got === sent, 20_000, "fast subscriber to get everything");
    // A paused stream notices nothing (as a paused socket): reading again, it meets the close.
    slow.conn.resume();
    await until(() => slow.isClosed(), 20_000, "the stalled peer to see its close");
    expect(f.server.relay.metrics.subscribers).toBe(1);
    expect(pub.stats.droppedOutgoing).toBe(0);
    await Promise.all([fast.close(), pub.close()]);
  }, 90_000);

  it("a reconnecting subscriber recovers what it missed, also of a source first seen after the drop", async () => {
    const f = await start();
    const sub = await f.client(60, Role.Subscriber, { reconnect: { initialMs: 20, maxMs: 50 } });
    const got = tradeSequencesBySource(sub);
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber");
    const subIndex = f.link.accepted - 1;
    const pub = await f.client(7, Role.Publisher);
    const builders = new Map([[7, new MessageBuilder(256)], [8, new MessageBuilder(256)]]);
    const send = async (source: number, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const b = builders.get(source)!.begin(RelayDomain.MarketData, source)
          .addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 1n, 1n, 0n);
        pub.publishFrom(b.bytes, 0, b.finishLength());
      }
      await pub.flush();
    };
    await send(7, 5);
    await until(() => (got.get(7)?.length ?? 0) === 5, 10_000, "first five");
    expect(got.get(7)).toEqual([1, 2, 3, 4, 5]);

    f.link.drop([subIndex]); // the subscriber's link goes away and cannot come back for now
    await until(() => f.server.relay.metrics.subscribers === 0, 10_000, "subscriber gone");
    await send(7, 3); // 6..8 of a source it knows
    await send(8, 5); // 1..5 of a source it has never seen
    await until(() => f.server.relay.metrics.messagesIn >= 14, 10_000, "relay to hold what the subscriber misses");
    f.link.open();
    await until(() => f.server.relay.metrics.subscribers === 1, 10_000, "subscriber back");
    await send(8, 2); // 6..7: the first of source 8 it sees
    await until(() => (got.get(8)?.length ?? 0) >= 7 && (got.get(7)?.length ?? 0) >= 8, 10_000, "catch-up");

    expect(got.get(7)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got.get(8)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sub.stats.lost).toBe(0);
    expect(sub.stats.reconnects).toBe(1);
    expect(pub.connected).toBe(true);
    await Promise.all([sub.close(), pub.close()]);
  });
});

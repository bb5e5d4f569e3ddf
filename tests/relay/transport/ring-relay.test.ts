/**
 * The relay and its client over each transport, from one parameterised set: the core cases of
 * tests/relay/relay.test.ts, retransmit.test.ts and backpressure.test.ts run over the Unix socket and
 * over the shared-memory ring (relay/transport/ring-transport.ts) and in-process (inproc.ts) with the same code, the relay and
 * the client unchanged: delivery and per-source order, type filters, Gap on a slow consumer,
 * RetransmitRequest answers, and a stalled subscriber that never blocks the fast one or the publisher.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMessage, GapReason, pairInstrument, RelayDomain, StreamFramer, TlvType, Venue } from "../../../protocol/mod.ts";
import { platform } from "../../../core/platform.ts";
import type { RelayClient } from "../../../relay/client/client.ts";
import type { RelayServer, RelayServerOptions } from "../../../relay/server/server.ts";
import { TRANSPORT, type Connection, type Endpoint, type Listener } from "../../../relay/transport/types.ts";
import { encodeHello, encodeRetransmitRequest } from "../../../relay/wire/control.ts";
import { client, collector, firstType, headerOf, Role, sleep, startTestRelay, tempDir, TradeSource, until, type RawPeer } from "../helpers.ts";

/** How a test reaches the relay: an endpoint for connects, `ringBytes` for a peer that should fill fast. */
interface Fixture {
  readonly server: RelayServer;
  endpoint(ringBytes?: number): Endpoint;
}

type Kind = "unix" | "ring" | "inproc";

let env: { dir: string; cleanup: () => void };
let server: RelayServer | undefined;
let ringListener: Listener | undefined;
let names = 0;

beforeEach(() => {
  env = tempDir();
});

afterEach(async () => {
  await ringListener?.close();
  ringListener = undefined;
  await server?.close();
  server = undefined;
  env.cleanup();
});

async function start(kind: Kind, options: Partial<RelayServerOptions> = {}): Promise<Fixture> {
  const s = await startTestRelay(env.dir, options);
  server = s;
  if (kind === "unix") return { server: s, endpoint: () => ({ kind: "unix", path: s.socketPath }) };
  const name = `relay-test-${names++}`;
  const t = await platform().load(TRANSPORT);
  if (kind === "inproc") {
    ringListener = await t.listen({ kind: "inproc", name }, (conn) => s.relay.attach(conn, { requireToken: false }));
    return { server: s, endpoint: () => ({ kind: "inproc", name }) };
  }
  ringListener = await t.listen({ kind: "ring", name }, (conn) => s.relay.attach(conn, { requireToken: false }));
  return { server: s, endpoint: (ringBytes) => ({ kind: "ring", name, ...(ringBytes ? { ringBytes } : {}) }) };
}

function sub(f: Fixture, id: number, role: number, extra: Parameters<typeof client>[3] = {}): Promise<RelayClient> {
  return client("", id, role, { endpoint: f.endpoint(), ...extra });
}

/** A raw peer (as helpers.ts rawPeer) over any endpoint. */
async function raw(endpoint: Endpoint, hello: { serviceId: number; role: number }): Promise<RawPeer> {
  const conn: Connection = await (await platform().load(TRANSPORT)).connect(endpoint);
  const framer = new StreamFramer();
  const messages: Uint8Array[] = [];
  let closedFlag = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  conn.setHandlers({
    data: (chunk) => framer.push(chunk, (b, o, l) => messages.push(b.slice(o, o + l))),
    close: () => {
      closedFlag = true;
      resolveClosed();
    },
  });
  conn.write([encodeHello(RelayDomain.MarketData, hello.serviceId, hello.role, "")]);
  return { conn, messages, closed, isClosed: () => closedFlag };
}

function quote(source: number, seq: bigint): Uint8Array {
  return encodeMessage({ relayDomain: RelayDomain.MarketData, source, sequence: seq, timestamp: 0n }, [{
    type: TlvType.Quote, name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken),
    bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n,
  }]);
}

describe.each(["unix", "ring", "inproc"] as const)("relay over %s", (kind) => {
  it("delivers every message to every subscriber, in per-source order", async () => {
    const f = await start(kind);
    const subs = await Promise.all([1, 2, 3].map((i) => sub(f, 60 + i, Role.Subscriber)));
    const cols = subs.map(collector);
    await until(() => f.server.relay.metrics.subscribers === 3, 5000, "subscribers");
    const pubs = await Promise.all([1, 2].map((i) => sub(f, i, Role.Publisher)));
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
    expect(f.server.relay.metrics.messagesOut).toBe(3 * 2 * N);
    await Promise.all([...subs, ...pubs].map((c) => c.close()));
  });

  it("applies type filters and does not echo a connection's own messages", async () => {
    const f = await start(kind);
    const trades = await sub(f, 61, Role.Subscriber, { types: [TlvType.Trade] });
    const quotes = await sub(f, 62, Role.Subscriber, { types: [TlvType.Quote] });
    const both = await sub(f, 5, Role.Both);
    const [ct, cq, cb] = [collector(trades), collector(quotes), collector(both)];
    await until(() => f.server.relay.metrics.subscribers === 3, 5000, "subscribers");
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

  it("answers a RetransmitRequest with the held messages, exactly", async () => {
    const f = await start(kind);
    const pub = await raw(f.endpoint(), { serviceId: 3, role: Role.Publisher });
    const src = new TradeSource(3);
    pub.conn.write(Array.from({ length: 100 }, (_, i) => src.next(i + 1).slice()));
    await until(() => f.server.relay.metrics.messagesIn >= 101, 10_000, "messages in");
    const s = await raw(f.endpoint(), { serviceId: 64, role: Role.Subscriber });
    s.conn.write([encodeRetransmitRequest(RelayDomain.MarketData, 64, 3, 10n, 20n)]);
    await until(() => s.messages.length >= 11, 10_000, "retransmission");
    await sleep(50);
    expect(s.messages.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: 11 }, (_, i) => BigInt(10 + i)));
    expect(f.server.relay.metrics.retransmitRequests).toBe(1);
    s.conn.close();
    pub.conn.close();
  });

  it("drops a slow subscriber's oldest messages and tells it with a Gap (reason 2)", async () => {
    const f = await start(kind, { subscriberQueueBytes: 16 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 60_000 });
    const slow = await raw(f.endpoint(64 * 1024), { serviceId: 62, role: Role.Subscriber });
    slow.conn.pause();
    const pub = await sub(f, 1, Role.Publisher);
    await until(() => f.server.relay.metrics.subscribers === 1, 5000, "subscriber");
    const src = new TradeSource(1);
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      pub.publish(src.next(i));
      if ((i & 255) === 255) await pub.flush();
    }
    await pub.flush();
    await until(() => f.server.relay.metrics.messagesIn >= N + 1, 20_000, "relay to take everything");
    expect(f.server.relay.metrics.drops.slowConsumer).toBeGreaterThan(0);
    slow.conn.resume();
    await until(() => slow.messages.length > 0 && headerOf(slow.messages.at(-1)!).sequence === BigInt(N), 20_000, "last message");
    let next = 1n;
    let gaps = 0;
    for (const m of slow.messages) {
      if (firstType(m) === TlvType.Gap) {
        const dv = new DataView(m.buffer, m.byteOffset + 34);
        expect(dv.getUint8(2)).toBe(GapReason.SlowConsumer);
        expect(dv.getBigUint64(8, true)).toBe(next);
        next = dv.getBigUint64(16, true) + 1n;
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
  }, 60_000);

  it("a stalled subscriber never blocks a fast one or the publisher; it is disconnected after the limit", async () => {
    const f = await start(kind, { subscriberQueueBytes: 8 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 200 });
    const slow = await raw(f.endpoint(64 * 1024), { serviceId: 62, role: Role.Subscriber });
    slow.conn.pause();
    const fast = await sub(f, 61, Role.Subscriber);
    let got = 0;
    fast.onMessage(() => void got++);
    const pub = await sub(f, 1, Role.Publisher);
    await until(() => f.server.relay.metrics.subscribers === 2, 5000, "subscribers");
    const src = new TradeSource(1);
    let sent = 0;
    const deadline = performance.now() + 20_000;
    while (f.server.relay.metrics.disconnects.slowConsumer === 0 && performance.now() < deadline) {
      for (let i = 0; i < 100; i++) pub.publish(src.next(sent++));
      await sleep(5);
    }
    await pub.flush();
    await until(() => f.server.relay.metrics.disconnects.slowConsumer === 1, 10_000, "slow consumer disconnect");
    await until(() => got === sent, 10_000, "fast subscriber to get everything");
    // A paused stream notices nothing (as a paused socket): reading again, it meets the close.
    slow.conn.resume();
    await until(() => slow.isClosed(), 10_000, "the stalled peer to see its close");
    expect(f.server.relay.metrics.subscribers).toBe(1);
    expect(pub.stats.droppedOutgoing).toBe(0);
    await Promise.all([fast.close(), pub.close()]);
  }, 60_000);
});

/**
 * Every message is delivered or dropped-and-counted exactly once over rings, when the relay sheds slow
 * subscribers (issue 19's accounting): a relay and a publisher in a worker thread, the relay with small
 * subscriber queues, two subscribers in this thread (which cannot keep up with a publisher that never
 * waits), so the relay's queues overflow and its writes to the rings back up and drain again and again
 * while the subscribers free room from another thread. Before the fix of ring-connection.ts (a drain fired
 * from inside `write` re-entered the relay's outbox, which wrote a batch twice) about every other run
 * here saw duplicates; `ring-connection.test.ts` pins that cause deterministically. Each subscriber must see every sequence once at most, the Trades it got plus the ranges
 * its Gap notices announce must be exactly what was published, and the relay's drop counters must be
 * exactly what the subscribers did not get — no more (a message counted twice), no less.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GapField, HEADER_SIZE, HeaderOffset, RelayDomain, TlvType, viewsOf } from "../../../protocol/mod.ts";
import { platform } from "../../../core/platform.ts";
import { silentLogger } from "../../../core/log.ts";
import { RelayClient, type RelayClientOptions } from "../../../relay/client/client.ts";
import { addRingRoute, removeRingRoute } from "../../../relay/transport/ring-transport.ts";
import { THREADS, type WorkerThread } from "../../../relay/transport/threads.ts";
import { gapValueAt } from "../../../relay/wire/control.ts";
import { Role, sleep, tempDir, TradeSource, until } from "../helpers.ts";

const RING = "accounting-market-data";
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface RelayCounts {
  drops: Record<string, number>;
  gapsSent: number;
  messagesOut: number;
}

/** Starts the relay worker; resolves once it listens on its ring and routes the ring here. */
async function startRelayThread(socketPath: string): Promise<{ thread: WorkerThread; port: MessagePort; counts(): Promise<RelayCounts>; publish(count: number): Promise<{ sent: number; dropped: number }> }> {
  const threads = await platform().load(THREADS);
  const { port1, port2 } = new MessageChannel();
  const thread = threads.start(new URL("./accounting-relay-thread.ts", import.meta.url), port2, "ring-accounting-relay");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the relay worker was not ready within 100 s")), 100_000);
    port1.onmessage = (e: MessageEvent) => {
      const m = e.data as { started?: boolean; ready?: boolean };
      if (m.started === true) port1.postMessage({ socketPath, name: RING, queueBytes: 64 * 1024, windowBytes: 4 * 1024 });
      if (m.ready === true) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  port1.onmessage = null;
  addRingRoute(RING, port1);
  // The route port now carries connect answers too: the worker's answers are told apart by their key.
  const ask = <T>(op: Record<string, unknown>, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the relay worker did not answer ${JSON.stringify(op)} within 120 s`)), 120_000);
      const on = (e: MessageEvent): void => {
        const m = e.data as Record<string, unknown>;
        if (m[key] === undefined) return;
        clearTimeout(timer);
        port1.removeEventListener("message", on);
        resolve(m[key] as T);
      };
      port1.addEventListener("message", on);
      port1.postMessage(op);
    });
  const counts = (): Promise<RelayCounts> => ask({ op: "metrics" }, "metrics");
  const publish = (count: number): Promise<{ sent: number; dropped: number }> => ask({ op: "publish", count }, "published");
  return { thread, port: port1, counts, publish };
}

function ringClient(serviceId: number, role: number, extra: Partial<RelayClientOptions> = {}): Promise<RelayClient> {
  return RelayClient.connect({ endpoint: { kind: "ring", name: RING, ringBytes: 32 * 1024 }, domain: RelayDomain.MarketData, serviceId, role, logger: silentLogger, ...extra });
}

/** What one subscriber saw of source 1: Trades (in order, each once) and the sequences its Gap notices announced. */
function tally(c: RelayClient): { trades: number; announced: number; outOfOrder: number } {
  const t = { trades: 0, announced: 0, outOfOrder: 0 };
  let last = 0n;
  c.onMessage((bytes, offset) => {
    const { u8, dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const gap = gapValueAt(u8, dv, base);
    if (gap >= 0) {
      const from = dv.getBigUint64(gap + GapField.fromSequence, true);
      const to = dv.getBigUint64(gap + GapField.toSequence, true);
      t.announced += Number(to - from + 1n);
      if (from <= last) t.outOfOrder++;
      last = to;
      return;
    }
    if (u8[base + HEADER_SIZE] !== TlvType.Trade) return;
    const seq = dv.getBigUint64(base + HeaderOffset.sequence, true);
    if (seq <= last) t.outOfOrder++;
    last = seq;
    t.trades++;
  });
  return t;
}

describe("ring accounting under slow-subscriber shedding", () => {
  it("published = delivered + dropped-and-counted, exactly, for every subscriber (no message counted twice)", async () => {
    const env = tempDir();
    cleanups.push(() => env.cleanup());
    cleanups.push(() => removeRingRoute(RING));
    const relay = await startRelayThread(`${env.dir}/md.sock`);
    cleanups.push(async () => {
      relay.port.close();
      await relay.thread.terminate();
    });
    // A filtered subscription has no gap recovery (no de-duplication): what the relay sends twice shows.
    const filtered = await ringClient(61, Role.Subscriber, { types: [TlvType.Trade] });
    const recovering = await ringClient(62, Role.Subscriber);
    const a = tally(filtered);
    const b = tally(recovering);
    cleanups.push(() => Promise.all([filtered.close(), recovering.close()]));
    await sleep(100);
    // The publisher runs in the relay's thread: the relay takes its bursts while these subscribers free
    // room in their rings from this thread — the interleaving of the threads deployment.
    const N = 150_000;
    const published = await relay.publish(N);
    expect(published).toEqual({ sent: N, dropped: 0 });
    const settled = (t: { trades: number; announced: number }): boolean => t.trades + t.announced >= N;
    await until(() => settled(a) && settled(b), 120_000, "both subscribers to account for every message")
      .catch((e: Error) => {
        throw new Error(`${e.message}: filtered ${JSON.stringify(a)}, recovering ${JSON.stringify(b)} of ${N}`);
      });
    await sleep(300);
    const r = await relay.counts();
    const dropped = Object.values(r.drops).reduce((x, y) => x + y, 0);
    // The overflow really happened, to both.
    expect(r.drops.slowConsumer).toBeGreaterThan(0);
    expect(a.announced).toBeGreaterThan(0);
    expect(b.announced).toBeGreaterThan(0);
    // Each subscriber: every sequence once, in order; delivered + announced = published.
    expect(a.outOfOrder).toBe(0);
    expect(b.outOfOrder).toBe(0);
    expect(a.trades + a.announced).toBe(N);
    expect(b.trades + b.announced).toBe(N);
    expect(recovering.stats.duplicates).toBe(0);
    expect(recovering.stats.lost).toBe(b.announced);
    expect(filtered.stats.gapNotices).toBeGreaterThan(0);
    // The relay counted exactly what they missed, once.
    expect(dropped).toBe(2 * N - a.trades - b.trades);
  }, 240_000);
});

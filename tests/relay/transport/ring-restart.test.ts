/**
 * The threads deployment's zero-loss guarantee, as `tests/relay/restart.test.ts` proves it for processes:
 * a relay running in a worker thread is terminated mid-stream and a new one started; a publisher and a
 * subscriber connected over shared-memory rings reconnect by themselves, and every message the
 * publisher's buffer held through the outage arrives, in order, exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TlvType } from "../../../protocol/mod.ts";
import { platform } from "../../../core/platform.ts";
import { RelayClient, type RelayClientOptions } from "../../../relay/client/client.ts";
import { addRingRoute, removeRingRoute } from "../../../relay/transport/ring-transport.ts";
import { THREADS, type WorkerThread } from "../../../relay/transport/threads.ts";
import { RelayDomain } from "../../../protocol/mod.ts";
import { silentLogger } from "../../../core/log.ts";
import { collector, firstType, headerOf, Role, sleep, steadyPublisher, tempDir, TradeSource, until } from "../helpers.ts";

const RING = "restart-market-data";
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts the relay worker; resolves once it listens on its socket and ring and routes the ring here. */
async function startRelayThread(socketPath: string): Promise<{ thread: WorkerThread; port: MessagePort }> {
  const threads = await platform().load(THREADS);
  const { port1, port2 } = new MessageChannel();
  const thread = threads.start(new URL("./relay-thread.ts", import.meta.url), port2, "ring-restart-relay");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the relay worker was not ready within 100 s")), 100_000);
    port1.onmessage = (e: MessageEvent) => {
      const m = e.data as { started?: boolean; ready?: boolean };
      if (m.started === true) port1.postMessage({ socketPath, name: RING });
      if (m.ready === true) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  port1.onmessage = null;
  addRingRoute(RING, port1);
  return { thread, port: port1 };
}

function ringClient(serviceId: number, role: number, extra: Partial<RelayClientOptions> = {}): Promise<RelayClient> {
  return RelayClient.connect({
    endpoint: { kind: "ring", name: RING }, domain: RelayDomain.MarketData, serviceId, role, logger: silentLogger,
    reconnect: { initialMs: 20, maxMs: 200 }, ...extra,
  });
}

describe("relay worker restart over rings", () => {
  it("a relay thread terminated mid-stream and started again: zero loss for a publisher whose outage fits its buffer", async () => {
    const env = tempDir();
    cleanups.push(() => env.cleanup());
    cleanups.push(() => removeRingRoute(RING));
    const socketPath = `${env.dir}/md.sock`;
    let relay = await startRelayThread(socketPath);
    cleanups.push(async () => {
      relay.port.close();
      await relay.thread.terminate();
    });
    const sub = await ringClient(61, Role.Subscriber);
    const col = collector(sub);
    const pub = await ringClient(1, Role.Publisher);
    cleanups.push(() => Promise.all([sub.close(), pub.close()]));
    await sleep(100);
    const steady = steadyPublisher(pub, new TradeSource(1));
    await steady.publishFor(400);
    const before = steady.sent;
    await relay.thread.terminate();
    relay.port.close();
    removeRingRoute(RING);
    // Both clients notice the relay thread is gone (its rings' liveness word, or the link closing).
    await until(() => !pub.connected && !sub.connected, 30_000, "both clients to see the relay thread gone");
    await steady.publishFor(300);
    expect(pub.connected).toBe(false);
    relay = await startRelayThread(socketPath);
    await steady.publishFor(300);
    await pub.flush();
    expect(steady.sent).toBeGreaterThan(before);
    await until(() => {
      const last = col.messages.at(-1);
      return last !== undefined && firstType(last) === TlvType.Trade && headerOf(last).sequence === BigInt(steady.sent);
    }, 60_000, `all ${steady.sent} messages`).catch((e: Error) => {
      const trades = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
      throw new Error(`${e.message}: got ${trades.length}, last ${trades.at(-1)}, sub ${JSON.stringify(sub.stats)}, pub ${JSON.stringify(pub.stats)}`);
    });
    await sleep(200);
    const seqs = col.messages.filter((m) => firstType(m) === TlvType.Trade).map((m) => headerOf(m).sequence);
    expect(seqs).toEqual(Array.from({ length: steady.sent }, (_, i) => BigInt(i + 1)));
    expect(pub.stats.droppedOutgoing).toBe(0);
    expect(sub.stats.lost).toBe(0);
    expect(pub.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(sub.stats.reconnects).toBeGreaterThanOrEqual(1);
  }, 240_000);
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GapReason, TlvType } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, firstType, headerOf, rawPeer, Role, sleep, spawnRelay, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

let env: { dir: string; cleanup: () => void };
let server: RelayServer | undefined;

beforeEach(() => {
  env = tempDir();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  env.cleanup();
});

/** Publishes `n` messages as fast as the client takes them; resolves when `received()` reaches `target`. */
async function pump(pub: RelayClient, src: TradeSource, n: number, received: () => number, target: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    pub.publish(src.next());
    if ((i & 1023) === 1023) {
      if (pub.queuedBytes > 1024 * 1024) await pub.flush();
      else await new Promise((r) => setTimeout(r, 0));
    }
  }
  await pub.flush();
  await until(() => received() >= target, 30_000, `${target} messages at the fast subscriber`);
  return performance.now() - start;
}

describe("back-pressure", () => {
  it("a stalled subscriber does not slow a fast one (≥ 90% of its rate alone)", async () => {
    // Two identical relays run as their own processes (`ap relay`), as in production. Relay B also has
    // a subscriber that never reads. This process feeds both the same stream, batch by batch, and a
    // fast subscriber on each measures its rate: the two rates are taken at the same moments, so the
    // load of a shared machine weighs on both alike, and their ratio is the verdict.
    const pathA = `${env.dir}/a.sock`;
    const pathB = `${env.dir}/b.sock`;
    const flags = ["--queue-bytes", String(64 * 1024), "--overflow-ms", "600000"];
    const [relayA, relayB] = await Promise.all([spawnRelay(pathA, flags), spawnRelay(pathB, flags)]);
    try {
      const fastA = await client(pathA, 61, Role.Subscriber);
      const fastB = await client(pathB, 61, Role.Subscriber);
      let gotA = 0;
      let gotB = 0;
      let doneA = 0;
      let doneB = 0;
      let target = 0;
      fastA.onMessage(() => {
        if (++gotA === target) doneA = performance.now();
      });
      fastB.onMessage(() => {
        if (++gotB === target) doneB = performance.now();
      });
      const pubA = await client(pathA, 1, Role.Publisher);
      const pubB = await client(pathB, 1, Role.Publisher);
      const stalled = await rawPeer(pathB, { serviceId: 62, role: Role.Subscriber });
      stalled.conn.pause();
      const srcA = new TradeSource(1);
      const srcB = new TradeSource(1);
      await sleep(100);
      const N = 10_000;
      const round = async (): Promise<[number, number]> => {
        target += N;
        const start = performance.now();
        for (let i = 0; i < N; i += 500) {
          for (let k = 0; k < 500; k++) pubA.publish(srcA.next());
          for (let k = 0; k < 500; k++) pubB.publish(srcB.next());
          if (pubA.queuedBytes + pubB.queuedBytes > 1024 * 1024) await Promise.all([pubA.flush(), pubB.flush()]);
          else await new Promise((r) => setTimeout(r, 0));
        }
        await until(() => gotA >= target && gotB >= target, 30_000, "both fast subscribers");
        return [(1000 * N) / (doneA - start), (1000 * N) / (doneB - start)];
      };
      // Warm-up (JIT) and filling B's stalled subscriber: its socket, the relay's write window and its
      // 64 KiB queue (together 500 kB at most; a round is 740 kB) overflow within the first round.
      for (let i = 0; i < 2; i++) await round();
      const alone: number[] = [];
      const withStalled: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [a, b] = await round();
        alone.push(a);
        withStalled.push(b);
      }
      const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
      const ratio = median(withStalled.map((b, i) => b / alone[i]!));
      console.log(`fast subscriber msgs/s alone ${alone.map(Math.round).join(",")}; beside a stalled peer ${withStalled.map(Math.round).join(",")}; median ratio ${ratio.toFixed(3)}`);
      expect(gotA).toBe(target);
      expect(gotB).toBe(target);
      expect(fastB.stats.lost).toBe(0);
      stalled.conn.close(true);
      await Promise.all([fastA.close(), fastB.close(), pubA.close(), pubB.close()]);
      const finalB = (await relayB.stop()) as { drops?: { slowConsumer: number }; disconnects?: { slowConsumer: number } } | undefined;
      expect(finalB?.drops?.slowConsumer).toBeGreaterThan(0);
      expect(finalB?.disconnects?.slowConsumer).toBe(0);
      expect(ratio).toBeGreaterThanOrEqual(0.9);
    } finally {
      await Promise.all([relayA.stop(), relayB.stop()]);
    }
  }, 120_000);

});

describe("accounting when a subscriber goes away", () => {
  it("counts the messages still queued for a subscriber that disconnects (none vanish uncounted)", async () => {
    server = await startTestRelay(env.dir, { subscriberQueueBytes: 8 * 1024 * 1024, overflowDisconnectMs: 600_000 });
    const stalled = await rawPeer(server.socketPath, { serviceId: 62, role: Role.Subscriber });
    stalled.conn.pause();
    const pub = await client(server.socketPath, 1, Role.Publisher);
    const src = new TradeSource(1);
    const N = 40_000; // ~3 MB: beyond the socket buffers and write window, within the 8 MiB queue
    for (let i = 0; i < N; i++) {
      pub.publish(src.next());
      if ((i & 1023) === 1023) await pub.flush();
    }
    await pub.flush();
    const m = server.relay.metrics;
    await until(() => m.messagesIn >= N, 10_000, "all messages in");
    await sleep(200);
    expect(m.drops.slowConsumer).toBe(0);
    stalled.conn.close(true);
    await until(() => m.drops.disconnected > 0, 10_000, "the abandoned backlog counted");
    // What was queued in the relay is counted; the rest had been handed to the socket before it closed.
    expect(m.drops.disconnected).toBeGreaterThan(N / 4);
    expect(m.drops.disconnected).toBeLessThanOrEqual(N);
    await pub.close();
  });
});

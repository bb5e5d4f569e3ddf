/**
 * A filtered subscription has no gap recovery (its sequences jump by design), so what the relay drops for
 * it must still be visible: every Gap notice is delivered to the handler and counted in
 * `stats.gapNotices`, and the strategy service adds what its inputs lost to its `dropped` figure.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TlvType } from "../../protocol/mod.ts";
import { platform } from "../../core/platform.ts";
import { silentLogger } from "../../core/log.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { TRANSPORT, type Connection, type Transport } from "../../relay/transport/types.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { client, firstType, Role, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

let env: ReturnType<typeof tempDir> | undefined;
let relay: RelayServer | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await relay?.close();
  relay = undefined;
  env?.cleanup();
});

describe("Gap notices on a filtered subscription", () => {
  it("are delivered and counted (stats.gapNotices) though gap recovery is off", async () => {
    env = tempDir();
    relay = await startTestRelay(env.dir, { subscriberQueueBytes: 16 * 1024, writeWindowBytes: 4096, overflowDisconnectMs: 60_000, localEndpoints: [{ kind: "inproc", name: "gap-notices" }] });
    const base = await platform().load(TRANSPORT);
    let held: Connection | undefined;
    // The platform transport, keeping the subscriber's connection so the test can stop reading it.
    const keeping: Transport = { name: base.name, listen: base.listen, connect: async (e) => (held = await base.connect(e)) };
    const sub = await RelayClient.connect({
      endpoint: { kind: "inproc", name: "gap-notices" }, transport: keeping, domain: RelayDomain.MarketData, serviceId: 62,
      role: Role.Subscriber, types: [TlvType.Trade], logger: silentLogger,
    });
    closers.push(() => sub.close());
    const seen: number[] = [];
    sub.onMessage((bytes, offset) => void seen.push(firstType(bytes.subarray(offset))));
    const pub = await client(relay.socketPath, 1, Role.Publisher);
    closers.push(() => pub.close());
    await until(() => relay!.relay.metrics.subscribers === 1, 10_000, "subscriber");
    held!.pause();
    const src = new TradeSource(1);
    let sent = 0;
    const deadline = performance.now() + 30_000;
    while (relay.relay.metrics.drops.slowConsumer === 0 && performance.now() < deadline) {
      for (let i = 0; i < 256; i++) pub.publish(src.next(sent++));
      await pub.flush();
    }
    expect(relay.relay.metrics.drops.slowConsumer).toBeGreaterThan(0);
    held!.resume();
    await until(() => sub.stats.gapNotices > 0, 20_000, "a Gap notice");
    await until(() => relay!.relay.metrics.gapsSent === sub.stats.gapNotices, 20_000, "every Gap the relay sent counted");
    expect(seen.filter((t) => t === TlvType.Gap).length).toBe(sub.stats.gapNotices);
    expect(sub.stats.lost).toBe(0); // no recovery with a filter: the count is of notices, not sequences
  }, 90_000);
});

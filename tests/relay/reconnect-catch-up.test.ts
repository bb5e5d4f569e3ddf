/**
 * A subscriber that loses its connection (here: a Unix-socket proxy between it and the relay that drops
 * and refuses connections for a while) gets back, in order, what it missed — also of a source it had
 * never seen before the drop: a source first seen mid-stream after a reconnect is caught up from its
 * start (before, its earlier messages were lost with no Gap: found by `ap bench stress`).
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AssetType, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { startRelayServer } from "../../relay/server/server.ts";
import { tradeSequencesBySource, unixProxy } from "./helpers.ts";

const until = async (what: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe("a subscriber's reconnect", () => {
  it("recovers what it missed, also of a source first seen after the drop", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-catch-up-"));
    const relayPath = path.join(dir, "md.sock");
    const proxyPath = path.join(dir, "proxy.sock");
    const server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath: relayPath, logger: silentLogger });
    const proxy = await unixProxy(proxyPath, relayPath);
    const clients: RelayClient[] = [];
    try {
      const sub = await RelayClient.connect({
        endpoint: { kind: "unix", path: proxyPath }, domain: 1, serviceId: 60, role: Role.Subscriber, logger: silentLogger,
        reconnect: { initialMs: 20, maxMs: 50 },
      });
      clients.push(sub);
      const got = tradeSequencesBySource(sub);
      await until(() => server.relay.metrics.subscribers === 1);
      const pub = await RelayClient.connect({ endpoint: { kind: "unix", path: relayPath }, domain: 1, serviceId: 7, role: Role.Publisher, logger: silentLogger });
      clients.push(pub);
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
      await until(() => (got.get(7)?.length ?? 0) === 5);
      expect(got.get(7)).toEqual([1, 2, 3, 4, 5]);

      await proxy.drop(); // the subscriber's link goes away and cannot come back for now
      await until(() => server.relay.metrics.subscribers === 0);
      await send(7, 3); // 6..8 of a source it knows
      await send(8, 5); // 1..5 of a source it has never seen
      await proxy.open();
      await until(() => server.relay.metrics.subscribers === 1);
      await send(8, 2); // 6..7: the first of source 8 it sees
      await until(() => (got.get(8)?.length ?? 0) >= 7 && (got.get(7)?.length ?? 0) >= 8);

      expect(got.get(7)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(got.get(8)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(sub.stats.lost).toBe(0);
      expect(sub.stats.reconnects).toBe(1);
    } finally {
      for (const c of clients) await c.close();
      await proxy.drop().catch(() => {});
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

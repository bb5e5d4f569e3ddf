import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AssetType, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { encodeGap, Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { startRelayServer } from "../../relay/server/server.ts";

/**
 * Found by `bench/fuzz-relay.ts` (issue 8): TLV types 80–99 belong to every domain and the relay treated
 * only Hello, Subscribe and RetransmitRequest as control, so a Gap TLV published by any publisher was
 * forwarded like data; every subscriber's relay client took it as the relay's notice and skipped the named
 * range of the named source — one forged Gap silenced another source. Now a relay forwards a Gap notice
 * only from the connection that publishes the source it names (a NATS bridge passing on an origin loss
 * does; tests/bridge covers that path), and counts the others as `badControl` drops.
 */
describe("a Gap notice forged by a publisher", () => {
  it("does not stop another source's messages from reaching subscribers, and is counted", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-forged-gap-"));
    const socketPath = path.join(dir, "md.sock");
    const server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath, logger: silentLogger });
    const endpoint = { kind: "unix" as const, path: socketPath };
    const clients: RelayClient[] = [];
    try {
      const sub = await RelayClient.connect({ endpoint, domain: 1, serviceId: 60, role: Role.Subscriber, logger: silentLogger });
      clients.push(sub);
      const got: number[] = [];
      sub.onMessage((bytes, offset) => {
        const dv = new DataView(bytes.buffer, bytes.byteOffset);
        if (dv.getUint16(offset + HeaderOffset.source, true) === 7) got.push(Number(dv.getBigUint64(offset + HeaderOffset.sequence, true)));
      });
      while (server.relay.metrics.subscribers < 1) await new Promise((r) => setTimeout(r, 5));
      const honest = await RelayClient.connect({ endpoint, domain: 1, serviceId: 7, role: Role.Publisher, logger: silentLogger });
      const forger = await RelayClient.connect({ endpoint, domain: 1, serviceId: 8, role: Role.Publisher, logger: silentLogger });
      clients.push(honest, forger);
      const b = new MessageBuilder(256);
      const trade = (): void => {
        b.begin(RelayDomain.MarketData, 7).addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 1n, 1n, 0n);
        honest.publishFrom(b.bytes, 0, b.finishLength());
      };
      for (let i = 0; i < 5; i++) trade();
      await honest.flush();
      const until = async (n: number): Promise<void> => {
        const end = Date.now() + 5000;
        while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      };
      await until(5);
      expect(got).toEqual([1, 2, 3, 4, 5]);
      // The forger publishes, under its own source and sequence, a Gap naming source 7, sequences 6 to 10^9.
      forger.publish(encodeGap(RelayDomain.MarketData, 8, 1n, BigInt(Date.now()) * 1_000_000n, 7, 1, 6n, 1_000_000_000n));
      await forger.flush();
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 5; i++) trade();
      await honest.flush();
      await until(10);
      expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(server.relay.metrics.snapshot().drops.badControl).toBe(1);
    } finally {
      for (const c of clients) await c.close(200);
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

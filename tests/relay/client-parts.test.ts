/**
 * The relay client's parts on their own edges: a handler that throws does not cost the connection (it
 * used to be taken for a bad stream and reconnected, losing the backlog), and a Gap notice reaching the
 * end of the u64 range does not wrap the source's expected sequence to 0.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AssetType, MessageBuilder, MessageView, pairAssetId, RelayDomain, Side, Venue, viewsOf } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { SourceSequencer } from "../../relay/client/sequencer.ts";
import { encodeGap, Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { startRelayServer } from "../../relay/server/server.ts";

function trade(b: MessageBuilder, source: number): Uint8Array {
  return b.begin(RelayDomain.MarketData, source).addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 1n, 1n, 0n).finish().slice();
}

describe("relay client parts", () => {
  it("keeps its connection when the message handler throws, and counts it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-client-parts-"));
    const socketPath = path.join(dir, "md.sock");
    const server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath, logger: silentLogger });
    const endpoint = { kind: "unix" as const, path: socketPath };
    const sub = await RelayClient.connect({ endpoint, domain: 1, serviceId: 60, role: Role.Subscriber, logger: silentLogger });
    const pub = await RelayClient.connect({ endpoint, domain: 1, serviceId: 7, role: Role.Publisher, logger: silentLogger });
    try {
      const got: bigint[] = [];
      const view = new MessageView();
      sub.onMessage((bytes, offset) => {
        const seq = view.wrap(bytes, offset).sequence;
        if (seq === 3n) throw new Error("application bug");
        got.push(seq);
      });
      while (server.relay.metrics.subscribers < 1) await new Promise((r) => setTimeout(r, 5));
      const b = new MessageBuilder(256);
      for (let i = 0; i < 6; i++) pub.publish(trade(b, 7));
      await pub.flush();
      const end = Date.now() + 5000;
      while (got.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual([1n, 2n, 4n, 5n, 6n]);
      expect(sub.stats.handlerErrors).toBe(1);
      expect(sub.stats.reconnects).toBe(0);
      expect(sub.stats.lost).toBe(0);
    } finally {
      await pub.close();
      await sub.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes a Gap notice to 2^64 − 1 as the end of the source, not as a wrap to sequence 0", () => {
    const delivered: bigint[] = [];
    const view = new MessageView();
    const stats = { duplicates: 0, gapsDetected: 0, lost: 0 };
    const seq = new SourceSequencer({
      deliver: (bytes, offset) => void delivered.push(view.wrap(bytes, offset).sequence),
      requestRetransmit: () => {}, stats, log: silentLogger,
    });
    const b = new MessageBuilder(256);
    const accept = (m: Uint8Array): void => seq.accept(m, 0, m.length, viewsOf(m).dv, m.byteOffset);
    accept(trade(b, 7));
    accept(trade(b, 7));
    const gap = encodeGap(RelayDomain.MarketData, 0, 1n, 0n, 7, 1, 3n, 0xffff_ffff_ffff_ffffn);
    seq.onGapNotice(viewsOf(gap).dv, gap.byteOffset + 34);
    accept(trade(b, 7)); // sequence 3: inside the range the relay gave up
    b.setSequence(1n);
    accept(b.begin(RelayDomain.MarketData, 7, 0).addTrade(1n, 1, 1, 1, 0, 1n, 1n, 0n).finish().slice()); // an old re-send
    expect(delivered).toEqual([1n, 2n]);
    expect(stats.duplicates).toBe(2);
  });

  it("holds back a copy of a message from a lent chunk while a gap before it is filled", () => {
    const stats = { duplicates: 0, gapsDetected: 0, lost: 0 };
    const view = new MessageView();
    const delivered: [bigint, number][] = [];
    const seq = new SourceSequencer({
      deliver: (bytes, offset) => void delivered.push([view.wrap(bytes, offset).sequence, bytes[offset + 40]!]),
      requestRetransmit: () => {}, stats, log: silentLogger,
    });
    const lentChunk = new Uint8Array(256);
    const b = new MessageBuilder(256);
    const acceptLent = (sequence: bigint): void => {
      const m = b.begin(RelayDomain.MarketData, 5).addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 1n, 1n, 0n).finish();
      new DataView(m.buffer, m.byteOffset).setBigUint64(8, sequence, true);
      lentChunk.set(m);
      lentChunk[40] = Number(sequence);
      seq.lent = true;
      seq.accept(lentChunk, 0, m.length, viewsOf(lentChunk).dv, lentChunk.byteOffset);
      lentChunk.fill(0xee); // the connection reads the next chunk into the same memory
    };
    acceptLent(1n);
    acceptLent(3n); // held back: 2 is missing
    acceptLent(2n); // fills the gap: 2, then the held 3
    expect(delivered).toEqual([[1n, 1], [2n, 2], [3n, 3]]);
  });
});

/**
 * Capture → normalize: a live session recorded by the common capture writer replays through the same
 * adapter code into the same messages (same TLVs, same order, same sequences), deterministically; the
 * committed SIMULATED fixtures normalize with the expected reorg/backfill behaviour; without pool
 * metadata, pool logs are counted and skipped.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeMessage, POOL_FLAG_REMOVED, type Message } from "../../../protocol/mod.ts";
import { parseCaptureText, type TextOut } from "../../../adapters/common/capture.ts";
import { CollectingSink } from "../../../adapters/common/sink.ts";
import { normalizeEvmCapture } from "../../../adapters/evm/normalize.ts";
import { PoolCache } from "../../../adapters/evm/pool-cache.ts";
import { SimChain } from "../../../adapters/evm/sim/chain.ts";
import { recordSimSession } from "../../../adapters/evm/sim/session.ts";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/evm/", import.meta.url));

function memoryOut(): TextOut & { text: () => string } {
  const parts: string[] = [];
  return { write: (t) => void parts.push(t), close: async () => {}, text: () => parts.join("") };
}

function truthCache(chain: "polygon" | "ethereum", seed: number): PoolCache {
  const sim = new SimChain({ chain, seed });
  const cache = new PoolCache();
  for (const p of sim.pools.values()) {
    cache.set(p.address, {
      kind: p.kind, venue: p.kind === "v2" ? 65000 : 65001, token0: p.token0.address, token1: p.token1.address,
      decimals0: p.token0.decimals, decimals1: p.token1.decimals, fee: p.kind === "v3" ? p.fee : 3000,
    });
  }
  return cache;
}

const tlvsOf = (msgs: Message[]): unknown[] => msgs.map((m) => m.tlvs);

describe("normalize an EVM capture", () => {
  it("replays a recorded live session (reconnects, backfills, reorgs, a malformed frame) into the live session's exact messages", async () => {
    const out = memoryOut();
    const live = new CollectingSink();
    const summary = await recordSimSession({ chain: "polygon", seed: 4, blocksPerPhase: 2, out, poolCache: truthCache("polygon", 4), sink: live });
    expect(summary.removedByNode).toBeGreaterThan(0);
    expect(summary.abandonedWhileDisconnected).toBeGreaterThan(0);
    const events = parseCaptureText(out.text());
    const replayed = new CollectingSink();
    const { metrics, summary: rs } = await normalizeEvmCapture(events, { chain: "polygon", poolCache: truthCache("polygon", 4), sink: replayed });
    expect(rs.connects).toBe(3);
    const a = live.messages.map((m) => decodeMessage(m));
    const b = replayed.messages.map((m) => decodeMessage(m));
    expect(b.length).toBe(a.length);
    expect(tlvsOf(b)).toEqual(tlvsOf(a));
    expect(b.map((m) => m.header.sequence)).toEqual(a.map((m) => m.header.sequence));
    expect(metrics.backfills).toBe(2);
    expect(metrics.retracted).toBe(summary.abandonedWhileDisconnected);
    expect(metrics.removed).toBe(summary.removedByNode + summary.abandonedWhileDisconnected);
    expect(metrics.parseErrors).toBe(1);
    // replay header times are the capture's: a second normalization gives the same bytes
    const again = new CollectingSink();
    await normalizeEvmCapture(events, { chain: "polygon", poolCache: truthCache("polygon", 4), sink: again });
    expect(again.messages).toEqual(replayed.messages);
  });

  for (const chain of ["polygon", "ethereum"] as const) {
    it(`the committed simulated ${chain} fixture normalizes: backfills, node removals and retractions, gap-free sequences`, async () => {
      const events = parseCaptureText(await readFile(`${FIXTURES}${chain}.sim.capture.jsonl`, "utf8"));
      const sink = new CollectingSink();
      const { metrics } = await normalizeEvmCapture(events, { chain, poolCache: `${FIXTURES}${chain}.sim.pool-cache.json`, sink });
      const msgs = sink.messages.map((m) => decodeMessage(m));
      expect(msgs.length).toBeGreaterThan(40);
      // One contiguous sequence per relay domain: pool messages on market data, GasPrice on execution.
      for (const domain of [1, 3]) {
        const seqs = msgs.filter((m) => m.header.relayDomain === domain).map((m) => m.header.sequence);
        expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
      }
      expect(msgs.some((m) => m.header.relayDomain === 3)).toBe(true);
      expect(metrics.backfills).toBe(2);
      expect(metrics.unknownPools).toBe(0);
      expect(metrics.retracted).toBeGreaterThan(0);
      expect(metrics.removed).toBeGreaterThan(metrics.retracted);
      expect(metrics.parseErrors).toBe(1);
      expect(metrics.gasPrices).toBeGreaterThan(5);
      const flagged = msgs.flatMap((m) => m.tlvs).filter((t) => "flags" in t && t.name.startsWith("Pool") && (t.flags & POOL_FLAG_REMOVED) !== 0);
      expect(flagged.length).toBe(metrics.removed);
      expect(metrics.swaps + metrics.syncs + metrics.mints + metrics.burns + metrics.retracted + metrics.gasPrices).toBe(msgs.length);
    });
  }

  it("without pool metadata, pool logs are counted as unknown and skipped; GasPrice still flows", async () => {
    const events = parseCaptureText(await readFile(`${FIXTURES}polygon.sim.capture.jsonl`, "utf8"));
    const sink = new CollectingSink();
    const { metrics } = await normalizeEvmCapture(events, { chain: "polygon", sink });
    expect(metrics.unknownPools).toBeGreaterThan(0);
    expect(metrics.swaps + metrics.syncs + metrics.mints + metrics.burns).toBe(0);
    expect(sink.messages.length).toBe(metrics.gasPrices);
  });
});

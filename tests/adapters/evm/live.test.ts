/**
 * The EVM adapter live, on the common task, against the simulated node over real sockets on 127.0.0.1:
 * normal flow, pool metadata fetched once then served from the cache file, reconnect → backfill with no
 * duplicate and no loss, reorgs (node `removed: true`, and a reorg missed while disconnected),
 * malformed notifications counted and skipped, newHeads → GasPrice, staleness, rate limits and
 * range-limited eth_getLogs.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChainId, POOL_FLAG_REMOVED, POOL_FLAG_V3, RelayDomain, SourceId, type GasPriceTlv, type Message, type PoolSwapTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { viemDecodePoolLog } from "../../../adapters/evm/abi.ts";
import { ETHEREUM_SOURCE_ID } from "../../../adapters/evm/chains.ts";
import { PoolCache } from "../../../adapters/evm/pool-cache.ts";
import { SIM_VENUE_V2, SIM_VENUE_V3, type SimBlock, type SimLog } from "../../../adapters/evm/sim/chain.ts";
import { SimNode } from "../../../adapters/evm/sim/node.ts";
import { posKey, simPoolCache, startAdapter, tempDir, waitFor, type Running } from "./helpers.ts";

type PoolTlv = Extract<Tlv, { name: "PoolSwap" | "PoolSync" | "PoolMint" | "PoolBurn" }>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
});

async function node(chain: "polygon" | "ethereum", seed: number, extra: Partial<Parameters<typeof SimNode.start>[0]> = {}): Promise<SimNode> {
  const n = await SimNode.start({ chain: { chain, seed, logsPerBlock: 6 }, ...extra });
  cleanups.push(() => n.close());
  return n;
}

/** An adapter whose pool cache already holds every simulated pool (so logs are emitted in arrival order). */
async function adapter(n: SimNode, chain: "polygon" | "ethereum", options: Parameters<typeof startAdapter>[2] = {}): Promise<Running> {
  const r = await startAdapter(n, chain, { poolCache: simPoolCache(n), ...options });
  cleanups.push(() => r.stop());
  return r;
}

function poolTlvs(messages: Message[]): PoolTlv[] {
  return messages.flatMap((m) => m.tlvs).filter((t): t is PoolTlv => t.name.startsWith("Pool"));
}

function gasTlvs(messages: Message[]): GasPriceTlv[] {
  return messages.flatMap((m) => m.tlvs).filter((t): t is GasPriceTlv => t.name === "GasPrice");
}

const logsOf = (blocks: SimBlock[]): SimLog[] => blocks.flatMap((b) => b.logs);

describe("EVM adapter live against the simulated node", () => {
  it("normal flow: every log becomes its TLV with exact values; heads become GasPrice; sequences are gap-free", async () => {
    const n = await node("polygon", 21);
    const r = await adapter(n, "polygon");
    const blocks = n.mine(6);
    const logs = logsOf(blocks);
    expect(logs.length).toBeGreaterThan(10);
    await waitFor(() => r.adapter.metrics.gasPrices === 6 && poolTlvs(r.decoded()).length === logs.length, "all logs and heads");
    const msgs = r.decoded();
    const pools = poolTlvs(msgs);
    expect(pools.map((t) => posKey(t.blockNumber, t.logIndex))).toEqual(logs.map((l) => posKey(l.blockNumber, l.logIndex)));
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i]!;
      const t = pools[i]!;
      const ref = viemDecodePoolLog(log);
      const pool = n.chain.pools.get(log.address)!;
      expect(t.pool).toBe(log.address);
      expect(t.venue).toBe(pool.kind === "v2" ? SIM_VENUE_V2 : SIM_VENUE_V3);
      expect(t.blockTimestamp).toBe(BigInt(parseInt(log.blockTimestamp!, 16)) * 1_000_000_000n);
      expect(t.flags & POOL_FLAG_REMOVED).toBe(0);
      const a = ref.args as Record<string, bigint>;
      if (ref.event === "UniswapV2.Sync") {
        expect(t.name).toBe("PoolSync");
        expect(t.name === "PoolSync" && [t.reserve0, t.reserve1]).toEqual([a.reserve0, a.reserve1]);
      } else if (ref.event.endsWith(".Swap")) {
        const s = t as PoolSwapTlv;
        const zeroIn = ref.event === "UniswapV2.Swap" ? a.amount0In! > 0n : a.amount0! > 0n;
        expect(s.tokenIn).toBe(zeroIn ? pool.token0.address : pool.token1.address);
        expect(s.tokenInDecimals).toBe(zeroIn ? pool.token0.decimals : pool.token1.decimals);
        if (ref.event === "UniswapV2.Swap") {
          expect([s.amountIn, s.amountOut]).toEqual(zeroIn ? [a.amount0In, a.amount1Out] : [a.amount1In, a.amount0Out]);
        } else {
          expect(s.flags & POOL_FLAG_V3).toBe(1);
          expect([s.amountIn, s.amountOut]).toEqual(zeroIn ? [a.amount0, -a.amount1!] : [a.amount1, -a.amount0!]);
          expect([s.sqrtPriceX96After, s.liquidityAfter, s.tickAfter]).toEqual([a.sqrtPriceX96, a.liquidity, Number(ref.args.tick)]);
        }
      } else {
        expect(t.name).toBe(ref.event.endsWith("Mint") ? "PoolMint" : "PoolBurn");
        const m = t as Extract<PoolTlv, { name: "PoolMint" | "PoolBurn" }>;
        expect([m.amount0, m.amount1]).toEqual([a.amount0, a.amount1]);
        if (ref.event.startsWith("UniswapV3")) expect([m.liquidity, m.tickLower, m.tickUpper]).toEqual([a.amount, Number(ref.args.tickLower), Number(ref.args.tickUpper)]);
      }
    }
    const gas = gasTlvs(msgs);
    expect(gas.map((g) => [g.chainId, g.blockNumber, g.baseFeeWei])).toEqual(blocks.map((b) => [ChainId.Polygon, BigInt(b.number), b.baseFeePerGas]));
    expect(gas.every((g) => g.priorityFeeWei > 20_000_000_000n && g.priorityFeeWei < 40_000_000_000n)).toBe(true);
    expect(msgs.filter((m) => m.tlvs[0]!.name === "GasPrice").every((m) => m.header.relayDomain === RelayDomain.Execution)).toBe(true);
    expect(msgs.filter((m) => m.tlvs[0]!.name !== "GasPrice").every((m) => m.header.relayDomain === RelayDomain.MarketData)).toBe(true);
    // One contiguous sequence per relay domain: pool messages on market data, GasPrice on execution.
    for (const domain of [1, 3]) {
      const seqs = msgs.filter((m) => m.header.relayDomain === domain).map((m) => m.header.sequence);
      expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
    }
    expect(msgs.some((m) => m.header.relayDomain === 3)).toBe(true);
    expect(msgs.every((m) => m.header.source === SourceId.Polygon)).toBe(true);
    expect(r.adapter.metrics.published).toBe(msgs.length);
  });

  it("pool metadata is fetched once with eth_call, written to the cache file, and a second start makes no eth_call", async () => {
    const n = await node("polygon", 22);
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const file = join(tmp.dir, "pool-cache.polygon.json");
    const first = await startAdapter(n, "polygon", { poolCache: await PoolCache.load(file) });
    const blocks: SimBlock[] = [];
    while (new Set(logsOf(blocks).map((l) => l.address)).size < n.chain.pools.size && blocks.length < 200) blocks.push(...n.mine(1));
    const seenPools = new Set(logsOf(blocks).map((l) => l.address));
    expect(seenPools.size).toBe(n.chain.pools.size); // includes the Algebra-style pool (fee from globalState())
    await waitFor(() => poolTlvs(first.decoded()).length === logsOf(blocks).length, "first session's logs");
    await first.stop();
    const calls = n.calls("eth_call");
    expect(calls).toBeGreaterThan(0);
    expect(first.adapter.metrics.metadataFetches).toBe(seenPools.size);
    const onDisk = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(onDisk).sort()).toEqual([...seenPools].sort());
    for (const [address, meta] of Object.entries(onDisk)) {
      const p = n.chain.pools.get(address)!;
      expect(meta).toEqual({
        kind: p.kind, venue: p.kind === "v2" ? SIM_VENUE_V2 : SIM_VENUE_V3, token0: p.token0.address, token1: p.token1.address,
        decimals0: p.token0.decimals, decimals1: p.token1.decimals, fee: p.kind === "v3" ? p.fee : 3000,
      });
    }
    const second = await startAdapter(n, "polygon", { poolCache: await PoolCache.load(file) });
    cleanups.push(() => second.stop());
    const more = n.mine(6).filter((b) => b.logs.every((l) => seenPools.has(l.address)));
    const expected = logsOf(more).length;
    await waitFor(() => second.adapter.metrics.gasPrices === 6 && poolTlvs(second.decoded()).length >= expected, "second session's messages");
    expect(n.calls("eth_call")).toBe(calls);
    expect(second.adapter.metrics.metadataFetches).toBe(0);
  });

  it("reconnect: backfills with eth_getLogs from the last block seen — no duplicate, no loss", async () => {
    const n = await node("ethereum", 23);
    const r = await adapter(n, "ethereum");
    const before = n.mine(3);
    await waitFor(() => poolTlvs(r.decoded()).length === logsOf(before).length && r.adapter.metrics.gasPrices === 3, "first blocks");
    n.dropConnections();
    const during = n.mine(5); // nobody is subscribed: only the backfill can deliver these
    await waitFor(() => r.adapter.metrics.backfills === 1, "backfill");
    const after = n.mine(2);
    const all = logsOf([...before, ...during, ...after]);
    await waitFor(() => poolTlvs(r.decoded()).length >= all.length && r.adapter.metrics.gasPrices >= 5, "every log once");
    const keys = poolTlvs(r.decoded()).map((t) => posKey(t.blockNumber, t.logIndex));
    expect(keys).toEqual(all.map((l) => posKey(l.blockNumber, l.logIndex)));
    expect(new Set(keys).size).toBe(keys.length);
    expect(n.calls("eth_getLogs")).toBeGreaterThanOrEqual(1);
    expect(r.adapter.metrics.duplicates).toBeGreaterThan(0); // the overlap re-read was dropped, not re-emitted
    expect(r.adapter.metrics.reconnects).toBeGreaterThanOrEqual(1);
    const msgs = r.decoded();
    expect(msgs.every((m) => m.header.source === ETHEREUM_SOURCE_ID)).toBe(true);
    expect(gasTlvs(msgs).every((g) => g.chainId === ChainId.Ethereum)).toBe(true);
  });

  it("reorg: the node's removed logs are emitted with the removed flag, then the new chain's logs", async () => {
    const n = await node("polygon", 24);
    const r = await adapter(n, "polygon");
    const first = n.mine(3);
    await waitFor(() => poolTlvs(r.decoded()).length === logsOf(first).length, "first blocks");
    const { removed, added } = n.reorg(1);
    expect(removed.length).toBeGreaterThan(0);
    const total = logsOf(first).length + removed.length + logsOf(added).length;
    await waitFor(() => poolTlvs(r.decoded()).length === total, "removed and new logs");
    const tail = poolTlvs(r.decoded()).slice(logsOf(first).length);
    const flagged = tail.slice(0, removed.length);
    expect(flagged.every((t) => (t.flags & POOL_FLAG_REMOVED) !== 0)).toBe(true);
    expect(flagged.map((t) => posKey(t.blockNumber, t.logIndex))).toEqual(removed.map((l) => posKey(l.blockNumber, l.logIndex)));
    expect(tail.slice(removed.length).every((t) => (t.flags & POOL_FLAG_REMOVED) === 0)).toBe(true);
    expect(r.adapter.metrics.removed).toBe(removed.length);
    expect(r.adapter.metrics.retracted).toBe(0);
  });

  it("a reorg missed while disconnected: the backfill retracts the abandoned logs and delivers the new ones", async () => {
    const n = await node("polygon", 25);
    const r = await adapter(n, "polygon");
    const first = n.mine(4);
    await waitFor(() => poolTlvs(r.decoded()).length === logsOf(first).length, "first blocks");
    n.dropConnections();
    const { removed, added } = n.reorg(2);
    await waitFor(() => r.adapter.metrics.backfills === 1, "backfill");
    const abandoned = removed.map((l) => posKey(l.blockNumber, l.logIndex));
    const retracted = poolTlvs(r.decoded()).filter((t) => (t.flags & POOL_FLAG_REMOVED) !== 0).map((t) => posKey(t.blockNumber, t.logIndex));
    expect(retracted.sort()).toEqual([...abandoned].sort());
    expect(r.adapter.metrics.retracted).toBe(removed.length);
    const fresh = poolTlvs(r.decoded()).slice(logsOf(first).length).filter((t) => (t.flags & POOL_FLAG_REMOVED) === 0);
    expect(fresh.map((t) => posKey(t.blockNumber, t.logIndex))).toEqual(logsOf(added).map((l) => posKey(l.blockNumber, l.logIndex)));
  });

  it("malformed notifications are counted and skipped; the feed goes on", async () => {
    const n = await node("polygon", 26);
    const r = await adapter(n, "polygon");
    const [b] = n.mine(1);
    const good = b!.logs.find((l) => l.topics.length === 3)!;
    await waitFor(() => r.adapter.metrics.gasPrices === 1, "first block");
    const before = r.adapter.metrics.snapshot();
    n.sendRaw("this is not json");
    n.sendRaw(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: "0xdeadbeef", result: good } }));
    // Fresh positions: a copy at the good log's position would be dropped as a duplicate before parsing.
    n.sendNotification("logs", { ...good, logIndex: "0x3e8", data: good.data.slice(0, -2) }); // short data
    n.sendNotification("logs", { ...good, logIndex: "0x3e9", data: good.data.replace(/.$/, "z") }); // not hex
    n.sendNotification("logs", { ...good, blockNumber: "12" }); // not a quantity
    n.sendNotification("logs", { ...good, topics: ["0x" + "ab".repeat(32)] }); // another event
    n.sendNotification("logs", good); // a duplicate
    n.sendNotification("newHeads", { number: "0xzz" });
    const [next] = n.mine(1);
    await waitFor(() => r.adapter.metrics.gasPrices === 2, "next block");
    await waitFor(() => poolTlvs(r.decoded()).length === b!.logs.length + next!.logs.length, "next block's logs");
    const m = r.adapter.metrics;
    expect(m.parseErrors - before.parseErrors).toBe(4); // not JSON, short data, bad hex, bad blockNumber
    expect(m.malformedLogs).toBe(2);
    expect(m.unknownSubscriptions).toBe(1);
    expect(m.unknownEvents).toBe(1);
    expect(m.badHeads).toBe(1);
    expect(m.duplicates).toBe(1);
    expect(r.task.state).toBe("open");
  });

  it("an open but silent node is abandoned after headStaleMs; the next session backfills what was missed", async () => {
    const n = await node("polygon", 27);
    const r = await adapter(n, "polygon", { headStaleMs: 300 });
    const first = n.mine(2);
    await waitFor(() => r.adapter.metrics.gasPrices === 2, "first blocks");
    n.setSilent(true);
    const missed = n.mine(2);
    expect(logsOf(missed).length).toBeGreaterThan(0); // the backfill has logs to recover
    await waitFor(() => r.adapter.metrics.staleTimeouts >= 1, "stale timeout");
    n.setSilent(false);
    await waitFor(() => r.adapter.metrics.backfills >= 1, "backfill");
    const all = logsOf([...first, ...missed]);
    await waitFor(() => poolTlvs(r.decoded()).length === all.length, "missed logs");
    expect(poolTlvs(r.decoded()).map((t) => posKey(t.blockNumber, t.logIndex))).toEqual(all.map((l) => posKey(l.blockNumber, l.logIndex)));
  });

  it("metadata eth_call through HTTP 429 (Retry-After); a backfill against a node that caps the eth_getLogs range", async () => {
    const n = await node("ethereum", 29, { maxLogsRange: 2 }); // seed 29: the first block has logs (new pools → eth_call)
    n.failNext("eth_call", 1, { httpStatus: 429, retryAfter: "0" });
    const r = await startAdapter(n, "ethereum", { logsChunkBlocks: 8 }); // empty cache: metadata is fetched
    cleanups.push(() => r.stop());
    const first = n.mine(1);
    expect(logsOf(first).length).toBeGreaterThan(0);
    await waitFor(() => poolTlvs(r.decoded()).length === logsOf(first).length, "first block's logs");
    expect(r.adapter.metrics.rateLimitWaits).toBeGreaterThanOrEqual(1);
    n.dropConnections();
    const missed = n.mine(6);
    expect(logsOf(missed).length).toBeGreaterThan(0); // the backfill has logs to recover
    await waitFor(() => r.adapter.metrics.backfills === 1, "backfill", 10_000);
    const all = logsOf([...first, ...missed]);
    await waitFor(() => poolTlvs(r.decoded()).length === all.length, "all logs");
    const keys = poolTlvs(r.decoded()).map((t) => posKey(t.blockNumber, t.logIndex));
    expect([...keys].sort()).toEqual(all.map((l) => posKey(l.blockNumber, l.logIndex)).sort()); // new pools wait for metadata: per-pool order only
    expect(new Set(keys).size).toBe(keys.length);
    expect(r.adapter.metrics.backfillErrors).toBeGreaterThanOrEqual(1); // the range error, answered by halving the chunk
  });

  it("a node error during the backfill abandons the session; the next one backfills", async () => {
    const n = await node("polygon", 29);
    const r = await adapter(n, "polygon");
    const first = n.mine(2);
    await waitFor(() => r.adapter.metrics.gasPrices === 2, "first blocks");
    n.failNext("eth_blockNumber", 1, { rpcError: { code: -32603, message: "simulated internal error" } });
    n.dropConnections();
    const missed = n.mine(3);
    expect(logsOf(missed).length).toBeGreaterThan(0); // the backfill has logs to recover
    await waitFor(() => r.adapter.metrics.backfills === 1, "backfill after the failed one");
    const all = logsOf([...first, ...missed]);
    await waitFor(() => poolTlvs(r.decoded()).length === all.length, "all logs");
    expect(poolTlvs(r.decoded()).map((t) => posKey(t.blockNumber, t.logIndex))).toEqual(all.map((l) => posKey(l.blockNumber, l.logIndex)));
    expect(r.adapter.metrics.backfillErrors).toBe(1);
    expect(r.adapter.metrics.connects).toBeGreaterThanOrEqual(3);
  });
});

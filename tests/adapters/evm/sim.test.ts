/**
 * The simulated node itself: deterministic per seed, ABI encoding that viem and the hand decoder both
 * read back identically, self-consistent AMM state, reorgs, and the JSON-RPC protocol over real sockets.
 */
import { describe, expect, it } from "vitest";
import { viemDecodePoolLog } from "../../../adapters/evm/abi.ts";
import { decodePoolLog } from "../../../adapters/evm/decode.ts";
import { EventTopic } from "../../../adapters/evm/events.ts";
import { Selector } from "../../../adapters/evm/metadata.ts";
import { SimChain, type SimLog } from "../../../adapters/evm/sim/chain.ts";
import { SimNode } from "../../../adapters/evm/sim/node.ts";
import { webSocketConnector } from "../../../adapters/common/ws.ts";
import { waitFor } from "./helpers.ts";

function mine(chain: SimChain, n: number): SimLog[] {
  const out: SimLog[] = [];
  for (let i = 0; i < n; i++) out.push(...chain.mineBlock().logs);
  return out;
}

async function rpc(url: string, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number } }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await res.json()) as { result?: unknown; error?: { code: number } };
}

describe("SimChain (simulated)", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = mine(new SimChain({ chain: "polygon", seed: 5 }), 30);
    const b = mine(new SimChain({ chain: "polygon", seed: 5 }), 30);
    const c = mine(new SimChain({ chain: "polygon", seed: 6 }), 30);
    expect(a.length).toBeGreaterThan(30);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("every log is valid ABI: viem and the hand decoder agree on all seven event kinds", () => {
    const chain = new SimChain({ chain: "ethereum", seed: 11, logsPerBlock: 8 });
    const logs = mine(chain, 120);
    const seen = new Set<string>();
    for (const log of logs) {
      const hand = decodePoolLog(log);
      const viem = viemDecodePoolLog(log);
      expect(hand.event).toBe(viem.event);
      expect(hand.args).toEqual(viem.args);
      seen.add(hand.event);
    }
    expect([...seen].sort()).toEqual([
      "UniswapV2.Burn", "UniswapV2.Mint", "UniswapV2.Swap", "UniswapV2.Sync", "UniswapV3.Burn", "UniswapV3.Mint", "UniswapV3.Swap",
    ]);
  });

  it("V2 swaps move reserves by exactly the swapped amounts, and V3 swaps have one positive and one negative amount", () => {
    const chain = new SimChain({ chain: "polygon", seed: 3, logsPerBlock: 8 });
    const reserves = new Map<string, [bigint, bigint]>();
    for (const p of chain.pools.values()) if (p.kind === "v2") reserves.set(p.address, [p.reserve0, p.reserve1]);
    const beforeSync = new Map<string, [bigint, bigint]>();
    let checked = 0;
    const logs = mine(chain, 60);
    for (let i = 0; i < logs.length; i++) {
      const d = decodePoolLog(logs[i]!);
      if (d.event === "UniswapV2.Swap") {
        const sync = decodePoolLog(logs[i - 1]!);
        expect(sync.event).toBe("UniswapV2.Sync");
        const [r0, r1] = beforeSync.get(d.address)!;
        const a = d.args as Record<string, bigint>;
        expect(sync.args.reserve0).toBe(r0 + a.amount0In! - a.amount0Out!);
        expect(sync.args.reserve1).toBe(r1 + a.amount1In! - a.amount1Out!);
        checked++;
      }
      if (d.event === "UniswapV2.Sync") {
        beforeSync.set(d.address, reserves.get(d.address)!);
        reserves.set(d.address, [d.args.reserve0 as bigint, d.args.reserve1 as bigint]);
      }
      if (d.event === "UniswapV3.Swap") {
        const a0 = d.args.amount0 as bigint;
        const a1 = d.args.amount1 as bigint;
        expect((a0 > 0n && a1 < 0n) || (a0 < 0n && a1 > 0n)).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("a reorg returns the abandoned logs as removed and chains the new blocks by parentHash", () => {
    const chain = new SimChain({ chain: "polygon", seed: 9, logsPerBlock: 6 });
    mine(chain, 5);
    const before = chain.head;
    const abandoned = chain.block(before.number)!.logs;
    const { removed, added } = chain.reorg(1);
    expect(removed.length).toBe(abandoned.length);
    expect(removed.every((l) => l.removed)).toBe(true);
    expect(added.length).toBe(2);
    expect(added[0]!.number).toBe(before.number);
    expect(added[0]!.hash).not.toBe(before.hash);
    expect(added[1]!.parentHash).toBe(added[0]!.hash);
    expect(chain.head.number).toBe(before.number + 1);
  });
});

describe("SimNode JSON-RPC over 127.0.0.1 (simulated)", () => {
  it("answers HTTP calls like a node: eth_call, eth_getLogs with a range limit, batches, injected 429", async () => {
    const node = await SimNode.start({ chain: { chain: "polygon", seed: 4 }, maxLogsRange: 10 });
    try {
      node.mine(3);
      const pool = [...node.chain.pools.values()].find((p) => p.kind === "v3")!;
      expect((await rpc(node.httpUrl, "eth_chainId", [])).result).toBe("0x89");
      const token0 = (await rpc(node.httpUrl, "eth_call", [{ to: pool.address, data: Selector.token0 }, "latest"])).result as string;
      expect("0x" + token0.slice(26)).toBe(pool.token0.address);
      expect((await rpc(node.httpUrl, "eth_call", [{ to: pool.token0.address, data: Selector.fee }, "latest"])).error?.code).toBe(3);
      const head = node.chain.head.number;
      const logs = (await rpc(node.httpUrl, "eth_getLogs", [{ fromBlock: "0x" + (head - 2).toString(16), toBlock: "latest", topics: [[EventTopic.V2Sync]] }])).result as SimLog[];
      expect(logs.length).toBe(node.chain.logsInRange(head - 2, head).filter((l) => l.topics[0] === EventTopic.V2Sync).length);
      expect((await rpc(node.httpUrl, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }])).error?.code).toBe(-32005);
      const batch = await fetch(node.httpUrl, { method: "POST", body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }, { jsonrpc: "2.0", id: 2, method: "net_version", params: [] }]) });
      expect(((await batch.json()) as unknown[]).length).toBe(2);
      node.failNext("eth_blockNumber", 1, { httpStatus: 429, retryAfter: "1" });
      const limited = await fetch(node.httpUrl, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "1"]);
      await limited.text();
      expect(node.calls("eth_blockNumber")).toBe(2);
    } finally {
      await node.close();
    }
  });

  it("WebSocket eth_subscribe: ids, logs then newHeads notifications in the geth envelope, eth_unsubscribe", async () => {
    const node = await SimNode.start({ chain: { chain: "ethereum", seed: 2, logsPerBlock: 6 } });
    const frames: string[] = [];
    const connect = await webSocketConnector();
    let open = false;
    const conn = connect(node.wsUrl, { onOpen: () => (open = true), onText: (t) => frames.push(t), onClose: () => {}, onError: () => {} });
    try {
      await waitFor(() => open, "socket open");
      conn.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["logs", { topics: [[EventTopic.V2Swap, EventTopic.V3Swap]] }] }));
      conn.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_subscribe", params: ["newHeads"] }));
      await waitFor(() => frames.length === 2, "subscribe answers");
      const [logsSub, headsSub] = frames.map((f) => (JSON.parse(f) as { result: string }).result);
      expect(logsSub).toMatch(/^0x[0-9a-f]{32}$/);
      const [block] = node.mine(1);
      const swaps = block!.logs.filter((l) => l.topics[0] === EventTopic.V2Swap || l.topics[0] === EventTopic.V3Swap);
      await waitFor(() => frames.length === 2 + swaps.length + 1, "notifications");
      const notes = frames.slice(2).map((f) => JSON.parse(f) as { method: string; params: { subscription: string; result: { number?: string } } });
      expect(notes.every((n) => n.method === "eth_subscription")).toBe(true);
      expect(notes.slice(0, -1).map((n) => n.params.result)).toEqual(swaps);
      expect(notes.at(-1)!.params.subscription).toBe(headsSub);
      expect(notes.at(-1)!.params.result.number).toBe("0x" + block!.number.toString(16));
      conn.send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "eth_unsubscribe", params: [logsSub] }));
      await waitFor(() => frames.length === 2 + swaps.length + 2, "unsubscribe answer");
      expect(JSON.parse(frames.at(-1)!)).toEqual({ jsonrpc: "2.0", id: 3, result: true });
    } finally {
      conn.close();
      await node.close();
    }
  });
});

/**
 * The decoders against REAL on-chain logs (../shared/data/evm, not part of the repository): every
 * value of every log must equal the independently decoded value exactly — the hand decoder, viem, and
 * the hot-path TLV writer. Skipped cleanly when ../shared is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeMessage, MessageBuilder, RelayDomain, type PoolSwapTlv, type PoolSyncTlv } from "../../../protocol/mod.ts";
import { viemDecodePoolLog } from "../../../adapters/evm/abi.ts";
import { decodePoolLog } from "../../../adapters/evm/decode.ts";
import { eventKindOf } from "../../../adapters/evm/events.ts";
import { poolRecord } from "../../../adapters/evm/pool-meta.ts";
import { PoolTlvWriter, WriteStatus } from "../../../adapters/evm/tlv-writer.ts";
import { ETHEREUM } from "../../../adapters/evm/chains.ts";
import { EvmFeed } from "../../../adapters/evm/feed.ts";
import { PoolCache } from "../../../adapters/evm/pool-cache.ts";

const DIR = process.env.ALPHAPULSE_SHARED_DATA !== undefined ? `${process.env.ALPHAPULSE_SHARED_DATA}/evm/` : fileURLToPath(new URL("../../../../shared/data/evm/", import.meta.url));
const FILES = [
  ["eth_mainnet_17173049-17173050.uniswap_logs.rpc.jsonl", "eth_mainnet_17173049-17173050.uniswap_logs.decoded.jsonl"],
  ["polygon.uniswap_logs.rpc.jsonl", "polygon.uniswap_logs.decoded.jsonl"],
] as const;
const HAVE_DATA = existsSync(DIR + FILES[0][0]);

interface Decoded {
  event: string; address: string; blockNumber: number; logIndex: number; blockTimestamp?: number;
  args: Record<string, string | number>;
}

function lines<T>(file: string): T[] {
  return readFileSync(DIR + file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as T);
}

function pairs(): [Record<string, unknown>, Decoded][] {
  const out: [Record<string, unknown>, Decoded][] = [];
  for (const [rpc, dec] of FILES) {
    const a = lines<Record<string, unknown>>(rpc);
    const b = lines<Decoded>(dec);
    expect(a.length).toBe(b.length);
    a.forEach((log, i) => out.push([log, b[i]!]));
  }
  return out;
}

function asText(args: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(args)) out[k] = typeof v === "bigint" ? v.toString() : (v as string | number);
  return out;
}

const TOKEN0 = "0x00000000000000000000000000000000000000a0";
const TOKEN1 = "0x00000000000000000000000000000000000000a1";

describe.skipIf(!HAVE_DATA)("EVM decoding against real Uniswap logs (../shared/data/evm)", () => {
  it("hand decoder: every argument of every log equals the reference decoding", () => {
    const all = pairs();
    expect(all.length).toBe(151);
    for (const [log, want] of all) {
      const got = decodePoolLog(log);
      expect(got.event).toBe(want.event);
      expect(got.address).toBe(want.address);
      expect(got.blockNumber).toBe(want.blockNumber);
      expect(got.logIndex).toBe(want.logIndex);
      expect(asText(got.args)).toEqual(want.args);
    }
  });

  it("viem decodes every log to the same values", () => {
    for (const [log, want] of pairs()) {
      const got = viemDecodePoolLog(log as { topics: string[]; data: string });
      expect(got.event).toBe(want.event);
      expect(asText(got.args)).toEqual(want.args);
    }
  });

  it("hot-path writer: PoolSwap/PoolSync fields equal the reference values under the protocol mapping", () => {
    const writer = new PoolTlvWriter();
    const b = new MessageBuilder(1024);
    let swaps = 0;
    let syncs = 0;
    for (const [log, want] of pairs()) {
      const kind = eventKindOf((log.topics as string[])[0]);
      expect(kind).not.toBe(0);
      const v3 = want.event.startsWith("UniswapV3");
      const pool = poolRecord(want.address, {
        kind: v3 ? "v3" : "v2", venue: 300, token0: TOKEN0, token1: TOKEN1, decimals0: 18, decimals1: 6, fee: 3000,
      });
      b.begin(RelayDomain.MarketData, 5);
      const status = writer.write(b, log, kind as 1, pool, want.blockNumber, want.logIndex, want.blockTimestamp ?? 0, false);
      expect(status, writer.failedField).toBe(WriteStatus.Ok);
      const tlv = decodeMessage(b.finish()).tlvs[0]!;
      const a = want.args;
      const ts = BigInt(want.blockTimestamp ?? 0) * 1_000_000_000n;
      if (want.event === "UniswapV2.Sync") {
        syncs++;
        const t = tlv as PoolSyncTlv;
        expect(t.name).toBe("PoolSync");
        expect([t.reserve0.toString(), t.reserve1.toString(), t.pool, t.blockNumber, t.logIndex, t.blockTimestamp, t.flags])
          .toEqual([a.reserve0, a.reserve1, want.address, BigInt(want.blockNumber), want.logIndex, ts, 0]);
        continue;
      }
      swaps++;
      const t = tlv as PoolSwapTlv;
      expect(t.name).toBe("PoolSwap");
      expect([t.pool, t.blockNumber, t.logIndex, t.blockTimestamp]).toEqual([want.address, BigInt(want.blockNumber), want.logIndex, ts]);
      if (v3) {
        const a0 = BigInt(a.amount0 as string);
        const a1 = BigInt(a.amount1 as string);
        const zeroIn = a0 > 0n;
        expect(t.flags).toBe(1);
        expect(t.tokenIn).toBe(zeroIn ? TOKEN0 : TOKEN1);
        expect(t.tokenOut).toBe(zeroIn ? TOKEN1 : TOKEN0);
        expect(t.amountIn).toBe(zeroIn ? a0 : a1);
        expect(t.amountOut).toBe(zeroIn ? -a1 : -a0);
        expect([t.sqrtPriceX96After?.toString(), t.liquidityAfter?.toString(), t.tickAfter]).toEqual([a.sqrtPriceX96, a.liquidity, a.tick]);
      } else {
        const zeroIn = a.amount0In !== "0";
        expect(t.flags).toBe(0);
        expect(t.tokenIn).toBe(zeroIn ? TOKEN0 : TOKEN1);
        expect([t.tokenInDecimals, t.tokenOutDecimals]).toEqual(zeroIn ? [18, 6] : [6, 18]);
        expect(t.amountIn.toString()).toBe(zeroIn ? a.amount0In : a.amount1In);
        expect(t.amountOut.toString()).toBe(zeroIn ? a.amount1Out : a.amount0Out);
      }
    }
    expect([swaps, syncs]).toEqual([81, 70]);
  });

  it("the feed turns the real eth_subscription notifications into one message each, values exact", () => {
    const frames = readFileSync(DIR + "eth_mainnet_17173049-17173050.eth_subscription.sample.jsonl", "utf8").split("\n").filter((l) => l.trim() !== "");
    const decoded = new Map(lines<Decoded>(FILES[0][1]).map((d) => [`${d.blockNumber}:${d.logIndex}`, d]));
    const cache = new PoolCache();
    const messages: Uint8Array[] = [];
    const feed = new EvmFeed({ chain: ETHEREUM, cache, emit: (m) => messages.push(m.slice()), priorityFeeWei: 0n });
    feed.noteSent(feed.subscribeRequest("logs"));
    feed.onWsText('{"jsonrpc":"2.0","id":1,"result":"0x00000000000000000000000000000001"}');
    for (const f of frames) {
      const log = (JSON.parse(f) as { params: { result: { address: string; topics: string[] } } }).params.result;
      const v3 = eventKindOf(log.topics[0]) >= 5;
      if (!cache.get(log.address)) cache.set(log.address, { kind: v3 ? "v3" : "v2", venue: v3 ? 301 : 300, token0: TOKEN0, token1: TOKEN1, decimals0: 18, decimals1: 18, fee: 3000 });
      feed.onWsText(f);
    }
    expect(frames.length).toBe(8);
    expect(messages.length).toBe(8);
    expect(feed.metrics.parseErrors + feed.metrics.malformedLogs + feed.metrics.unknownFrames).toBe(0);
    for (const m of messages) {
      const t = decodeMessage(m).tlvs[0] as PoolSwapTlv | PoolSyncTlv;
      const want = decoded.get(`${t.blockNumber}:${t.logIndex}`)!;
      expect(t.pool).toBe(want.address);
      if (t.name === "PoolSync") expect([t.reserve0.toString(), t.reserve1.toString()]).toEqual([want.args.reserve0, want.args.reserve1]);
      else if (want.event === "UniswapV3.Swap") {
        const [a0, a1] = [BigInt(want.args.amount0 as string), BigInt(want.args.amount1 as string)];
        expect([t.amountIn, t.amountOut]).toEqual(a0 > 0n ? [a0, -a1] : [a1, -a0]);
        expect(t.tickAfter).toBe(want.args.tick);
      } else {
        expect([t.amountIn.toString(), t.amountOut.toString()]).toEqual(
          want.args.amount0In !== "0" ? [want.args.amount0In, want.args.amount1Out] : [want.args.amount1In, want.args.amount0Out]);
      }
    }
  });
});

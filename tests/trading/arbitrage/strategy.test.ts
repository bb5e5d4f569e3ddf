import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageView, decodeMessage, encodeMessage, type ArbitrageSignalTlv, type Tlv } from "../../../protocol/mod.ts";
import { arbitrageEconomics } from "../../../trading/strategies/arbitrage/economics.ts";
import { FlashArbitrageStrategy } from "../../../trading/strategies/arbitrage/strategy.ts";
import { ArbitrageConfigSchema } from "../../../trading/strategies/arbitrage/config.ts";
import { parseConfig } from "../../../trading/config.ts";
import type { PoolMeta } from "../../../trading/dex/pool-cache.ts";
import { SUSHI_V2, UNI_V2, UNI_V3, USDC, WETH, v3State } from "../../../fixtures/strategies/generate.ts";
import { CollectSink } from "../helpers.ts";

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
const POOLS: PoolMeta[] = [
  { address: UNI_V2, kind: "v2", venue: 300, token0: USDC, token1: WETH, decimals0: 6, decimals1: 18, fee: 3000, tickSpacing: 1 },
  { address: SUSHI_V2, kind: "v2", venue: 302, token0: USDC, token1: WETH, decimals0: 6, decimals1: 18, fee: 3000, tickSpacing: 1 },
  { address: UNI_V3, kind: "v3", venue: 301, token0: USDC, token1: WETH, decimals0: 6, decimals1: 18, fee: 500, tickSpacing: 10 },
];

function config(extra: Record<string, unknown> = {}) {
  return parseConfig(ArbitrageConfigSchema, {
    minNetProfitUsd: "1", chains: { "1": { nativeToken: WETH } },
    usd: { fixed: { [USDC]: "1" }, pools: [UNI_V2] }, ...extra,
  });
}

class Feed {
  seq = 0n;
  readonly view = new MessageView();
  readonly strategy: FlashArbitrageStrategy;
  constructor(strategy: FlashArbitrageStrategy) {
    this.strategy = strategy;
  }
  send(tlvs: Tlv[], domain = 1): number {
    this.seq++;
    const bytes = encodeMessage({ relayDomain: domain, source: 6, sequence: this.seq, timestamp: 1_700_000_000_000_000_000n + this.seq * 1_000_000_000n }, tlvs);
    return this.strategy.onMarketData(this.view.wrap(bytes, 0));
  }
  gas(baseFee: bigint, block = 1n): number {
    return this.send([{ type: 44, name: "GasPrice", chainId: 1, blockNumber: block, baseFeeWei: baseFee, priorityFeeWei: 0n }], 3);
  }
  sync(pool: string, r0: bigint, r1: bigint, block: bigint, flags = 0): number {
    return this.send([{ type: 7, name: "PoolSync", venue: 300, flags, token0Decimals: 6, token1Decimals: 18, pool, reserve0: r0, reserve1: r1, blockNumber: block, logIndex: 0, blockTimestamp: 0n }]);
  }
}

function setup(extra: Record<string, unknown> = {}) {
  const sink = new CollectSink();
  const strategy = new FlashArbitrageStrategy(config(extra), POOLS, sink);
  const feed = new Feed(strategy);
  feed.gas(10_000_000_000n);
  return { sink, strategy, feed };
}

describe("flash-arbitrage strategy", () => {
  it("publishes no signal when the pools agree after fees (property)", () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 10n ** 9n, max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10_000n }), fc.bigInt({ min: 10n ** 9n, max: 10n ** 15n }),
      fc.integer({ min: -59, max: 59 }),
      (usdc, ethPrice, usdcB, bps) => {
        const { sink, feed } = setup({ minNetProfitUsd: "0.00000001" });
        // Pool B's price within ±0.59 % of A's: inside the 0.3 % + 0.3 % fee band.
        const wethA = (usdc * E18) / (ethPrice * E6);
        const wethB = (usdcB * E18 * 10_000n) / (ethPrice * E6 * BigInt(10_000 + bps));
        fc.pre(wethA > 0n && wethB > 0n);
        feed.sync(UNI_V2, usdc, wethA, 10n);
        feed.sync(SUSHI_V2, usdcB, wethB, 11n);
        expect(sink.messages).toEqual([]);
      }), { numRuns: 200 });
  });

  it("publishes no signal when a V3 pool agrees with a V2 pool after fees (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 500, max: 5000 }), fc.integer({ min: -34, max: 34 }), fc.bigInt({ min: 10n ** 4n, max: 10n ** 9n }),
      (ethPrice, bps, virtualUsdc) => {
        const { sink, feed } = setup({ minNetProfitUsd: "0.00000001" });
        // V3 at ethPrice; V2 within ±0.34 %: inside the 0.05 % + 0.3 % fee band.
        const s = v3State(BigInt(ethPrice), virtualUsdc * E6);
        feed.send([{
          type: 4, name: "PoolSwap", venue: 301, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 6, pool: UNI_V3, tokenIn: WETH, tokenOut: USDC,
          amountIn: E18, amountOut: E6, blockNumber: 10n, logIndex: 1, blockTimestamp: 0n, sqrtPriceX96After: s.sqrtPriceX96, liquidityAfter: s.liquidity, tickAfter: s.tick,
        }]);
        const usdc = 50_000_000n * E6;
        feed.sync(UNI_V2, usdc, (usdc * E18 * 10_000n) / (BigInt(ethPrice) * E6 * BigInt(10_000 + bps)), 11n);
        expect(sink.messages).toEqual([]);
      }), { numRuns: 100 });
  });

  it("never signals a positive net when gas exceeds the gross profit (property)", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 24 }),
      fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 7n }), fc.bigInt({ min: 0n, max: 10n ** 13n }),
      (profit, price, decimals, gasPrice, units, nativeUsd) => {
        const e = arbitrageEconomics(profit, price, decimals, gasPrice, units, nativeUsd);
        // Gross is the profit's USD value rounded down: gross·10^d ≤ profit·price < (gross+1)·10^d.
        const scale = 10n ** BigInt(decimals);
        expect(e.grossUsd * scale <= profit * price && profit * price < (e.grossUsd + 1n) * scale).toBe(true);
        // Gas is never understated, and rounded up by less than one unit: (cost−1)·1e18 < wei·units·nativeUsd ≤ cost·1e18.
        const gasExact = gasPrice * units * nativeUsd;
        expect(gasExact <= e.gasCostUsd * E18 && (e.gasCostUsd === 0n || (e.gasCostUsd - 1n) * E18 < gasExact)).toBe(true);
        if (e.gasCostUsd >= e.grossUsd) expect(e.netUsd <= 0n).toBe(true);
        // The break-even gas price is the highest that still nets ≥ 0: one wei more nets < 0.
        if (e.breakEvenGasPriceWei > 0n) {
          expect(arbitrageEconomics(profit, price, decimals, e.breakEvenGasPriceWei, units, nativeUsd).netUsd >= 0n).toBe(true);
          expect(arbitrageEconomics(profit, price, decimals, e.breakEvenGasPriceWei + 1n, units, nativeUsd).netUsd < 0n).toBe(true);
        }
      }));
    // Through the strategy: a 3 % spread worth ~1,880 USD, gas at 1,000,000 gwei (≈ 600,000 USD) → nothing.
    const { sink, strategy, feed } = setup();
    feed.gas(1_000_000n * 10n ** 9n, 2n);
    feed.sync(UNI_V2, 40_000_000n * E6, 20_000n * E18, 10n);
    feed.sync(SUSHI_V2, 20_600_000n * E6, 10_000n * E18, 11n);
    expect(sink.messages).toEqual([]);
    expect(strategy.stats()["belowMinProfit"]).toBeGreaterThan(0);
  });

  it("signals once per opportunity, again when its size bucket changes or after it disappeared", () => {
    const { sink, feed } = setup();
    feed.sync(UNI_V2, 40_000_000n * E6, 20_000n * E18, 10n);
    expect(feed.sync(SUSHI_V2, 20_600_000n * E6, 10_000n * E18, 11n)).toBe(1);
    expect(feed.sync(SUSHI_V2, 20_600_000n * E6, 10_000n * E18, 12n)).toBe(0); // unchanged
    expect(feed.sync(SUSHI_V2, 20_600_001n * E6, 10_000n * E18, 13n)).toBe(0); // same size bucket
    expect(feed.sync(SUSHI_V2, 21_000_000n * E6, 10_000n * E18, 14n)).toBe(1); // 5 % spread: a bigger trade
    expect(feed.sync(SUSHI_V2, 20_000_000n * E6, 10_000n * E18, 15n)).toBe(0); // gone
    expect(feed.sync(SUSHI_V2, 21_000_000n * E6, 10_000n * E18, 16n)).toBe(1); // back
    expect(sink.messages.length).toBe(3);
    // Reversed direction: SushiSwap cheaper → buy there, sell on Uniswap.
    expect(feed.sync(SUSHI_V2, 19_000_000n * E6, 10_000n * E18, 17n)).toBe(1);
    const last = decodeMessage(sink.messages.at(-1)!).tlvs[1] as ArbitrageSignalTlv;
    expect([last.sourcePool, last.targetPool]).toEqual([SUSHI_V2, UNI_V2]);
  });

  it("ignores out-of-order and reorg-removed updates, counting them", () => {
    const { sink, strategy, feed } = setup();
    feed.sync(UNI_V2, 40_000_000n * E6, 20_000n * E18, 10n);
    feed.sync(SUSHI_V2, 20_000_000n * E6, 10_000n * E18, 20n);
    expect(feed.sync(SUSHI_V2, 20_600_000n * E6, 10_000n * E18, 19n)).toBe(0); // older block
    expect(feed.sync(SUSHI_V2, 20_600_000n * E6, 10_000n * E18, 21n, 2)).toBe(0); // removed
    expect(strategy.stats()["pools.outOfOrder"]).toBe(1);
    expect(strategy.stats()["pools.removed"]).toBe(1);
    expect(strategy.book.byAddress(SUSHI_V2)?.hasState).toBe(false);
    expect(sink.messages).toEqual([]);
  });

  it("learns a V2 pool missing from the cache from its Sync then Swap", () => {
    const { sink, strategy, feed } = setup();
    const unknown = "0x1111111111111111111111111111111111111111";
    feed.sync(UNI_V2, 40_000_000n * E6, 20_000n * E18, 10n);
    expect(feed.sync(unknown, 20_600_000n * E6, 10_000n * E18, 11n)).toBe(0);
    const n = feed.send([{
      type: 4, name: "PoolSwap", venue: 300, flags: 0, tokenInDecimals: 18, tokenOutDecimals: 6, pool: unknown, tokenIn: WETH, tokenOut: USDC,
      amountIn: E18, amountOut: 2_000n * E6, blockNumber: 11n, logIndex: 1, blockTimestamp: 0n,
    }]);
    expect(n).toBe(1);
    expect(strategy.stats()["pools.learnt"]).toBe(1);
    expect((decodeMessage(sink.messages[0]!).tlvs[1] as ArbitrageSignalTlv).targetPool).toBe(unknown);
  });

  it("tracks V3 liquidity from mints and burns inside the current range", () => {
    const { sink, strategy, feed } = setup();
    const s = v3State(2040n, 10_000_000n * E6);
    feed.sync(UNI_V2, 40_000_000n * E6, 20_000n * E18, 10n);
    feed.send([{
      type: 4, name: "PoolSwap", venue: 301, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 6, pool: UNI_V3, tokenIn: WETH, tokenOut: USDC,
      amountIn: E18, amountOut: 2040n * E6, blockNumber: 11n, logIndex: 1, blockTimestamp: 0n, sqrtPriceX96After: s.sqrtPriceX96, liquidityAfter: s.liquidity, tickAfter: s.tick,
    }]);
    expect(sink.messages.length).toBe(1);
    const first = decodeMessage(sink.messages[0]!).tlvs[1] as ArbitrageSignalTlv;
    const mint = (type: 5 | 6, liquidity: bigint, lower: number, upper: number, log: number): Tlv => ({
      type, name: type === 5 ? "PoolMint" : "PoolBurn", venue: 301, flags: 1, token0Decimals: 6, token1Decimals: 18, pool: UNI_V3,
      owner: WETH, amount0: 0n, amount1: 0n, liquidity, tickLower: lower, tickUpper: upper, blockNumber: 12n, logIndex: log, blockTimestamp: 0n,
    } as Tlv);
    feed.send([mint(5, s.liquidity * 3n, s.tick - 100, s.tick + 100, 1)]); // 4× liquidity: range capacity 4×
    const pool = strategy.book.byAddress(UNI_V3)!;
    pool.materialize();
    expect(pool.liquidity).toBe(s.liquidity * 4n);
    expect(sink.messages.length).toBe(2);
    const second = decodeMessage(sink.messages[1]!).tlvs[1] as ArbitrageSignalTlv;
    expect(second.amountIn > first.amountIn * 3n).toBe(true);
    feed.send([mint(6, s.liquidity * 3n, s.tick - 100, s.tick + 100, 2)]);
    feed.send([mint(5, s.liquidity, s.tick + 500, s.tick + 600, 3)]); // out of range: no change
    pool.materialize();
    expect(pool.liquidity).toBe(s.liquidity);
  });

});

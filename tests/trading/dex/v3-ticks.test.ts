/**
 * V3 swaps across initialized ticks (trading/dex/v3-ticks.ts, trading/dex/route-quote.ts): the tick map
 * built from PoolMint messages, and an exact-input swap that crosses an initialized tick, checked against
 * the two swap steps written out here with plain bigint arithmetic (SwapMath.computeSwapStep's
 * formulas). Only the boundary prices come from TickMath (getSqrtRatioAtTick, checked on its own in
 * v3-math.test.ts).
 */

import { describe, expect, it } from "vitest";
import { MessageView, type Tlv } from "../../../protocol/mod.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { quoteRoute } from "../../../trading/dex/route-quote.ts";
import { getSqrtRatioAtTick } from "../../../trading/dex/v3-math.ts";
import { V3TickMap, v3SwapAcrossTicks } from "../../../trading/dex/v3-ticks.ts";
import { msg } from "../helpers.ts";

const T0 = "0x1000000000000000000000000000000000000001";
const T1 = "0x2000000000000000000000000000000000000002";
const POOL = "0xcccc000000000000000000000000000000000003";
const Q96 = 1n << 96n;
const L1 = 10n ** 20n; // position [-100, 100)
const L2 = 5n * 10n ** 19n; // position [100, 300)
const FEE = 3000n;
const M = 1_000_000n;

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** The swap of `amountIn` token1 from tick 0 (√P = 2^96, L = L1), written out step by step. */
function hand(amountIn: bigint): { out: bigint; sqrtAfter: bigint } {
  const s100 = getSqrtRatioAtTick(100);
  // Step 1, to tick 100 with L1: the input that reaches it (rounded up), its fee, the token0 paid.
  const need1 = ceilDiv(L1 * (s100 - Q96), Q96);
  expect((amountIn * (M - FEE)) / M >= need1).toBe(true); // reaches the tick
  const fee1 = ceilDiv(need1 * FEE, M - FEE);
  const out1 = ((L1 * Q96 * (s100 - Q96)) / s100) / Q96;
  // Crossing tick 100 upward: liquidity + net(100) = L1 − L1 + L2.
  const rest = amountIn - need1 - fee1;
  // Step 2 with L2, ending inside [100, 300): √P' = √P + ⌊less·2^96 / L2⌋.
  const less = (rest * (M - FEE)) / M;
  const sqrtAfter = s100 + (less * Q96) / L2;
  expect(sqrtAfter < getSqrtRatioAtTick(300)).toBe(true);
  const out2 = ((L2 * Q96 * (sqrtAfter - s100)) / sqrtAfter) / s100;
  return { out: out1 + out2, sqrtAfter };
}

describe("V3 swaps across initialized ticks", () => {
  it("crosses an initialized tick exactly as the steps written out", () => {
    const ticks = new V3TickMap(10);
    ticks.apply(-100, 100, L1);
    ticks.apply(100, 300, L2);
    expect(ticks.consistentWith(0, L1)).toBe(true);
    expect(ticks.activeAt(150)).toBe(L2);
    const amountIn = 8n * 10n ** 17n;
    const r = v3SwapAcrossTicks(Q96, 0, L1, FEE, amountIn, false, ticks);
    const h = hand(amountIn);
    expect(r).toMatchObject({ amountOut: h.out, amountRemaining: 0n, sqrtPriceX96After: h.sqrtAfter, liquidityAfter: L2, crossed: 1 });
  });

  it("runs out of liquidity past the last position (input left over)", () => {
    const ticks = new V3TickMap(10);
    ticks.apply(-100, 100, L1);
    const r = v3SwapAcrossTicks(Q96, 0, L1, FEE, 10n ** 21n, false, ticks);
    expect(r.liquidityAfter).toBe(0n);
    expect(r.amountRemaining > 0n).toBe(true);
  });

  it("the paper route crosses ticks when the mints seen account for the pool's liquidity, and reverts otherwise", () => {
    const market = new MarketState({ pools: [{ address: POOL, kind: "v3", venue: 65001, token0: T0, token1: T1, decimals0: 18, decimals1: 18, fee: 3000, tickSpacing: 10 }] });
    const view = new MessageView();
    let seq = 0;
    const send = (tlvs: Tlv[]): void => market.onMessage(view.wrap(msg(1, 4, ++seq, seq, tlvs)));
    const swap = (): void => send([{
      type: 4, name: "PoolSwap", venue: 65001, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 18, pool: POOL, tokenIn: T0, tokenOut: T1,
      amountIn: 1n, amountOut: 1n, blockNumber: BigInt(seq + 1), logIndex: 0, blockTimestamp: 0n, sqrtPriceX96After: Q96, liquidityAfter: L1, tickAfter: 0,
    } as Tlv]);
    const mint = (tickLower: number, tickUpper: number, liquidity: bigint): void => send([{
      type: 5, name: "PoolMint", venue: 65001, flags: 1, token0Decimals: 18, token1Decimals: 18, pool: POOL, owner: T0,
      amount0: 1n, amount1: 1n, liquidity, tickLower, tickUpper, blockNumber: BigInt(seq + 1), logIndex: 0, blockTimestamp: 0n,
    } as Tlv]);
    swap();
    const pool = market.pools.byAddress(POOL)!;
    const t1 = market.pools.tokenId(T1);
    const amountIn = 8n * 10n ** 17n;
    // No positions known: the swap would leave the current range, which the venue cannot price.
    expect(quoteRoute(market.pools, [pool], t1, amountIn, market.ticks)).toMatchObject({ revert: "liquidity" });
    mint(-100, 100, L1);
    mint(100, 300, L2);
    swap(); // the chain's state after the mints: still √P = 2^96, L = L1
    expect(quoteRoute(market.pools, [pool], t1, amountIn, market.ticks)).toEqual({ out: hand(amountIn).out, crossed: 1 });
  });
});

/**
 * The exact output of a route of pools from the current pool states: V2 hops by getAmountOut with the
 * pool's fee, V3 hops across initialized ticks ({@link v3SwapAcrossTicks}) when the pool's known
 * positions account for its liquidity, else inside the current range only ({@link hopOut}). The one
 * route calculator the planner and the paper DEX venue share; pools are not changed.
 *
 * @example
 * ```ts
 * const q = quoteRoute(market.pools, [poolA, poolB], wethId, 10n ** 18n, market.ticks);
 * if ("out" in q) …
 * ```
 * @module
 */

import { hopOut } from "./cycle.ts";
import type { PoolBook } from "./pool-book.ts";
import { PoolKind, type PoolState } from "./pool-state.ts";
import { DexRevert, type DexRevertReason } from "./route-table.ts";
import { v3SwapAcrossTicks, type V3TickMap } from "./v3-ticks.ts";

/** A route's output, or why it cannot execute. */
export type RouteQuote = { out: bigint; crossed: number } | { revert: DexRevertReason; detail: string };

/** Output of swapping `amountIn` of `tokenIn` (token id) through `pools` in order. */
export function quoteRoute(book: PoolBook, pools: readonly PoolState[], tokenIn: number, amountIn: bigint, ticks: ReadonlyMap<number, V3TickMap>): RouteQuote {
  let token = tokenIn;
  let amount = amountIn;
  let crossed = 0;
  for (const pool of pools) {
    if (!pool.hasState) return { revert: DexRevert.PoolMoved, detail: `pool ${pool.address} has no state` };
    if (token !== pool.token0 && token !== pool.token1) return { revert: DexRevert.PoolMoved, detail: `pool ${pool.address} does not trade ${book.tokens[token]?.address}` };
    pool.materialize();
    const zeroForOne = token === pool.token0;
    const map = ticks.get(pool.index);
    let out: bigint;
    if (pool.kind === PoolKind.V3 && map !== undefined && map.consistentWith(pool.tick, pool.liquidity)) {
      const r = v3SwapAcrossTicks(pool.sqrtPriceX96, pool.tick, pool.liquidity, pool.feeBig, amount, zeroForOne, map);
      if (r.amountRemaining > 0n) return { revert: DexRevert.Liquidity, detail: `pool ${pool.address} ran out of liquidity` };
      out = r.amountOut;
      crossed += r.crossed;
    } else {
      out = hopOut(pool, zeroForOne, amount);
      if (out < 0n) return { revert: DexRevert.Liquidity, detail: `pool ${pool.address}: swap leaves the known V3 range` };
    }
    amount = out;
    token = zeroForOne ? pool.token1 : pool.token0;
  }
  return { out: amount, crossed };
}

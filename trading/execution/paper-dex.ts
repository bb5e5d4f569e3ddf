/**
 * The paper DEX venue: executes a DEX order's whole route (from the {@link DexRouteTable}) atomically,
 * as a flash-loan transaction would, against the pool states it tracks from the market-data stream —
 * exact V2 getAmountOut with each pool's fee, V3 swaps across initialized ticks (see
 * {@link quoteRoute}) — then:
 *
 * - gas: the chain's latest GasPrice (base + priority fee; the configured fallback before one) × the
 *   configured gas units, valued in USD as the strategy values it (native-token USD price, rounded up);
 *   paid whether the transaction succeeds or reverts;
 * - flash loan: the configured provider's premium on amountIn (Aave's percentMul, half up), paid only
 *   when the transaction succeeds;
 * - revert when executed after `validUntil`, when a pool's price moved more than
 *   `poolMoveToleranceBps` since planning, when a V3 hop would leave the liquidity the venue knows,
 *   when the output is below `minAmountOut`, or when it cannot repay the loan plus its premium.
 *
 * The pools are never changed by a paper swap: their state stays what the chain reports next.
 *
 * Messages (PROTOCOL §4), fill-or-kill: success → OrderAck accepted, then a Fill (instrument = the
 * order's first pool, quantity = the order's quantity, price = tokenIn returned per tokenIn lent × 1e8,
 * fee = gas + flash premium in USD × 1e8). Revert → OrderAck (expired/stale for `validUntil`, rejected
 * stale for a moved pool, rejected venue otherwise), then a Fill of quantity 0 whose fee is the gas paid.
 *
 * @module
 */

import type { DexPricing } from "../dex/dex-settings.ts";
import { flashLoanFee } from "../dex/dex-settings.ts";
import type { PoolState } from "../dex/pool-state.ts";
import { quoteRoute } from "../dex/route-quote.ts";
import { DexRevert, type DexExecution, type DexRevertReason, type DexRoute } from "../dex/route-table.ts";
import type { MarketState } from "./market-state.ts";

/** Counters of the paper DEX venue. */
export interface PaperDexCounters {
  executed: number;
  succeeded: number;
  reverted: number;
  /** Reverts by reason. */
  revertedBy: Record<DexRevertReason, number>;
}

/** Executes DEX routes on paper (see module docs). */
export class PaperDexVenue {
  /** Counters. */
  readonly counters: PaperDexCounters = {
    executed: 0, succeeded: 0, reverted: 0,
    revertedBy: { minAmountOut: 0, expired: 0, poolMoved: 0, cannotRepay: 0, liquidity: 0 },
  };
  private readonly market: MarketState;
  private readonly pricing: DexPricing;

  /** @param market the venue's market (pools, ticks, gas) @param pricing gas and USD over it */
  constructor(market: MarketState, pricing: DexPricing) {
    this.market = market;
    this.pricing = pricing;
  }

  /** Executes `route` now; records and returns what happened. */
  execute(route: DexRoute): DexExecution {
    this.counters.executed++;
    const now = this.market.now;
    const p = this.pricing;
    const gasPriceWei = p.gasPriceWei(route.chainId) ?? 0n;
    const gasWei = gasPriceWei * p.gasUnits(route.chainId);
    const gasUsd = p.gasUsd(route.chainId, gasWei) ?? 0n;
    const revert = (reason: DexRevertReason): DexExecution => {
      this.counters.reverted++;
      this.counters.revertedBy[reason]++;
      const e: DexExecution = {
        reverted: true, revertReason: reason, amountOut: 0n, flashFee: 0n, gasWei, gasPriceWei, gasUsd, flashFeeUsd: 0n, tokenPnlUsd: 0n, netPnlUsd: -gasUsd, executedAt: now,
      };
      route.execution = e;
      return e;
    };
    if (route.validUntil !== 0n && now > route.validUntil) return revert(DexRevert.Expired);
    const pools: PoolState[] = [];
    const tol = p.settings.poolMoveToleranceBps / 10_000;
    for (let i = 0; i < route.pools.length; i++) {
      const pool = this.market.pools.byAddress(route.pools[i]!);
      if (pool === undefined || !pool.hasState) return revert(DexRevert.PoolMoved);
      const planned = route.plannedRates[i];
      if (planned !== undefined && Number.isFinite(planned) && planned > 0 && Math.abs(pool.rate / planned - 1) > tol) return revert(DexRevert.PoolMoved);
      pools.push(pool);
    }
    const book = this.market.pools;
    const token = book.tokenId(route.tokenIn);
    const q = quoteRoute(book, pools, token, route.amountIn, this.market.ticks);
    if ("revert" in q) return revert(q.revert);
    if (q.out < route.minAmountOut) return revert(DexRevert.MinAmountOut);
    const flashFee = flashLoanFee(route.amountIn, p.flashFeeBps);
    if (q.out < route.amountIn + flashFee) return revert(DexRevert.CannotRepay);
    const flashFeeUsd = p.valueUsd(token, flashFee) ?? 0n;
    const tokenPnlUsd = p.valueUsd(token, q.out - route.amountIn - flashFee) ?? 0n;
    this.counters.succeeded++;
    const e: DexExecution = {
      reverted: false, amountOut: q.out, flashFee, gasWei, gasPriceWei, gasUsd, flashFeeUsd, tokenPnlUsd, netPnlUsd: tokenPnlUsd - gasUsd, executedAt: now,
    };
    route.execution = e;
    return e;
  }
}

/**
 * Planning of DEX orders: an ArbitrageSignal becomes an OrderRequest with its DEX route (PROTOCOL §4:
 * flags bit0 route + bit2 paper, `pool` = the first pool, `minAmountOut` = the least tokenIn the cycle
 * must return), fill-or-kill, instrument = the first pool (assetType pool), side sell when tokenIn is
 * the pool's token0 (buy when token1, the paper venue's convention), quantity = amountIn in 1e8 whole
 * tokenIn units. amountIn is rounded down to what 1e8 units express exactly (minAmountOut scaled with
 * it), so the wire quantity and the executed amount are the same. The rest of the route — every pool
 * of the cycle (sourcePool, extra hops, targetPool), the raw amount, `validUntil`, `maxGasPriceWei` —
 * goes to the shared {@link DexRouteTable}, as the 100-byte OrderRequest has no room for it.
 *
 * Signals already expired, or whose chain's latest gas price is above `maxGasPriceWei`, are dropped
 * (counted), as are signals for pools the planner does not know.
 *
 * @module
 */

import {
  AssetType, ArbitrageSignalField, ORDER_FLAG_DEX_ROUTE, ORDER_FLAG_PAPER, OrderType, PRICE_SCALE, Side, addressAssetId, type MessageView, type OrderRequestTlv,
} from "../../protocol/mod.ts";
import type { DexPricing } from "../dex/dex-settings.ts";
import type { PoolState } from "../dex/pool-state.ts";
import type { DexRouteTable } from "../dex/route-table.ts";
import { deriveId } from "../signal-id.ts";
import type { MarketState } from "./market-state.ts";

/** Counters of the DEX planner. */
export interface DexPlannerCounters {
  signals: number;
  planned: number;
  expired: number;
  gasAboveCap: number;
  unknownPool: number;
  tooSmall: number;
}

/** Plans DEX orders from ArbitrageSignals (see module docs). */
export class DexPlanner {
  /** Counters. */
  readonly counters: DexPlannerCounters = { signals: 0, planned: 0, expired: 0, gasAboveCap: 0, unknownPool: 0, tooSmall: 0 };
  /** Where routes go. */
  readonly routes: DexRouteTable;
  private readonly market: MarketState;
  private readonly pricing: DexPricing;

  /** @param market the planner's market (pools, gas) @param pricing gas/USD over it @param routes the shared route table */
  constructor(market: MarketState, pricing: DexPricing, routes: DexRouteTable) {
    this.market = market;
    this.pricing = pricing;
    this.routes = routes;
  }

  /** The order for the ArbitrageSignal under `signal`'s cursor, or undefined (counted). */
  plan(signal: MessageView, strategyId: number, signalId: bigint, nowNs: bigint): OrderRequestTlv | undefined {
    this.counters.signals++;
    const chainId = signal.u32(ArbitrageSignalField.chainId);
    const validUntil = signal.u64(ArbitrageSignalField.validUntil);
    if (validUntil !== 0n && validUntil <= nowNs) {
      this.counters.expired++;
      return undefined;
    }
    const maxGas = signal.u64(ArbitrageSignalField.maxGasPriceWei);
    const gas = this.pricing.gasPriceWei(chainId);
    if (gas !== undefined && gas > maxGas) {
      this.counters.gasAboveCap++;
      return undefined;
    }
    const addresses = [signal.address(ArbitrageSignalField.sourcePool)];
    const extra = signal.u8At(150);
    for (let i = 0; i < extra; i++) addresses.push(signal.address(184 + 20 * i));
    addresses.push(signal.address(ArbitrageSignalField.targetPool));
    const pools: PoolState[] = [];
    for (const a of addresses) {
      const p = this.market.pools.byAddress(a);
      if (p === undefined) {
        this.counters.unknownPool++;
        return undefined;
      }
      pools.push(p);
    }
    const book = this.market.pools;
    const tokenIn = signal.address(ArbitrageSignalField.tokenIn);
    const tokenId = book.tokenId(tokenIn);
    const decimals = book.tokens[tokenId]!.decimals;
    const first = pools[0]!;
    if (decimals < 0 || (first.token0 !== tokenId && first.token1 !== tokenId)) {
      this.counters.unknownPool++;
      return undefined;
    }
    const scale = 10n ** BigInt(decimals);
    const rawIn = signal.u128(ArbitrageSignalField.amountIn);
    const quantity = (rawIn * PRICE_SCALE) / scale;
    const amountIn = (quantity * scale) / PRICE_SCALE;
    if (quantity <= 0n || amountIn <= 0n) {
      this.counters.tooSmall++;
      return undefined;
    }
    const rawMin = signal.u128(ArbitrageSignalField.minAmountOut);
    const minAmountOut = (rawMin * amountIn) / rawIn;
    const tolBps = BigInt(signal.u16(ArbitrageSignalField.slippageToleranceBps));
    const orderId = deriveId(strategyId, 0, signalId, 7);
    this.routes.set({
      orderId, signalId, strategyId, chainId, pools: addresses, venues: pools.map((p) => p.venue), tokenIn, tokenOut: signal.address(ArbitrageSignalField.tokenOut),
      amountIn, minAmountOut, expectedOut: tolBps >= 10_000n ? minAmountOut : (minAmountOut * 10_000n) / (10_000n - tolBps),
      validUntil, maxGasPriceWei: maxGas, expectedProfitUsd: signal.i64(ArbitrageSignalField.expectedProfitUsd), netProfitUsd: signal.i64(ArbitrageSignalField.netProfitUsd),
      plannedRates: pools.map((p) => p.rate),
    });
    this.counters.planned++;
    return {
      type: 40, name: "OrderRequest", orderId, instrument: { assetId: addressAssetId(first.address), venue: first.venue, assetType: AssetType.Pool },
      side: first.token0 === tokenId ? Side.Sell : Side.Buy, orderType: OrderType.FOK, strategyId, price: 0n, quantity, signalId, createdAt: signal.timestamp,
      maxSlippageBps: Number(tolBps), flags: ORDER_FLAG_DEX_ROUTE | ORDER_FLAG_PAPER, pool: first.address, minAmountOut,
    } as OrderRequestTlv;
  }
}

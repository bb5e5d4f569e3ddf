/**
 * The DEX routes of orders in flight, by orderId: what an ArbitrageSignal said that an OrderRequest's
 * 100 bytes cannot carry (PROTOCOL §4: the route is one pool and `minAmountOut`) — the whole cycle of
 * pools, the raw input amount, `validUntil`, `maxGasPriceWei` and the chain — shared in-process by the
 * planner (writes), risk, the paper DEX venue and the portfolio (read). The venue records what the
 * execution did ({@link DexExecution}); the portfolio books that exactly. Bounded: the oldest entries go
 * first once `capacity` is reached.
 *
 * @example
 * ```ts
 * routes.set(route);             // planner
 * routes.get(orderId)?.validUntil; // risk
 * ```
 * @module
 */

/** Why a route reverted on the paper venue. */
export const DexRevert = {
  /** The cycle returned less than `minAmountOut`. */
  MinAmountOut: "minAmountOut",
  /** Executed after `validUntil`. */
  Expired: "expired",
  /** A pool moved past the tolerance since planning (or has no usable state). */
  PoolMoved: "poolMoved",
  /** The cycle returned less than the flash loan plus its fee. */
  CannotRepay: "cannotRepay",
  /** A V3 hop would leave the liquidity the venue knows. */
  Liquidity: "liquidity",
} as const;
/** A {@link DexRevert} value. */
export type DexRevertReason = (typeof DexRevert)[keyof typeof DexRevert];

/** What the paper venue did with a route (raw token units, wei, USD × 1e8). */
export interface DexExecution {
  reverted: boolean;
  revertReason?: DexRevertReason;
  /** Raw tokenIn returned by the last hop (0 when reverted). */
  amountOut: bigint;
  /** Raw tokenIn paid as flash-loan premium (0 when reverted). */
  flashFee: bigint;
  /** Wei of gas paid (price × units), reverted or not. */
  gasWei: bigint;
  /** Gas price used, wei. */
  gasPriceWei: bigint;
  gasUsd: bigint;
  flashFeeUsd: bigint;
  /** USD of the token result: amountOut − amountIn − flashFee (0 when reverted). */
  tokenPnlUsd: bigint;
  /** tokenPnlUsd − gasUsd. */
  netPnlUsd: bigint;
  executedAt: bigint;
}

/** The full route of a DEX order. */
export interface DexRoute {
  orderId: bigint;
  signalId: bigint;
  strategyId: number;
  chainId: number;
  /** Pools in order, lowercase; the cycle returns to `tokenIn`. */
  pools: string[];
  venues: number[];
  /** Token borrowed and returned (lowercase). */
  tokenIn: string;
  /** Token after the first hop. */
  tokenOut: string;
  /** Raw tokenIn. */
  amountIn: bigint;
  /** Least raw tokenIn the last hop must return. */
  minAmountOut: bigint;
  /** Raw tokenIn the planner expected back at planning (the venue's "pool moved" reference). */
  expectedOut: bigint;
  /** ns. */
  validUntil: bigint;
  maxGasPriceWei: bigint;
  expectedProfitUsd: bigint;
  netProfitUsd: bigint;
  /** Each pool's float price (PoolState.rate) at planning: the venue's "pool moved" reference. */
  plannedRates: number[];
  /** Filled by the paper venue. */
  execution?: DexExecution;
}

/** Routes by orderId (see module docs). */
export class DexRouteTable {
  private readonly routes = new Map<bigint, DexRoute>();
  private readonly capacity: number;

  /** @param capacity most routes kept */
  constructor(capacity = 4096) {
    this.capacity = capacity;
  }

  /** Adds or replaces a route. */
  set(route: DexRoute): void {
    this.routes.delete(route.orderId);
    this.routes.set(route.orderId, route);
    if (this.routes.size > this.capacity) this.routes.delete(this.routes.keys().next().value!);
  }

  /** The route of an order. */
  get(orderId: bigint): DexRoute | undefined {
    return this.routes.get(orderId);
  }

  /** Routes kept. */
  get size(): number {
    return this.routes.size;
  }

  /** Routes, oldest first. */
  values(): IterableIterator<DexRoute> {
    return this.routes.values();
  }
}

/**
 * Offsets of every fixed-layout TLV's fields within its value (PROTOCOL.md §4), for reading and writing in
 * place: `view.i64(OrderRequestField.price)`, `dv.setUint8(at + OrderAckField.status, s)`. An instrument
 * field is spelled out as its three parts (`assetId`, `venue`, `assetType`). Each table equals the
 * offsets of {@link TLV_SPECS} (checked by tests/protocol/fields.test.ts); these are literal constants so
 * hot paths read a number, not a table lookup.
 *
 * @example
 * ```ts
 * import { MessageView, TlvType, TradeField } from "./mod.ts";
 * const view = new MessageView();
 * view.wrap(bytes, 0);
 * if (view.validate() === undefined && view.findTlv(TlvType.Trade)) console.log(view.i64(TradeField.price));
 * ```
 * @module
 */

/** Offsets of Trade fields within its value. */
export const TradeField = {
  assetId: 0, venue: 8, assetType: 10, side: 12, flags: 13, price: 16, size: 24, execTimestamp: 32,
} as const;

/** Offsets of Quote fields within its value. */
export const QuoteField = {
  assetId: 0, venue: 8, assetType: 10, bidPrice: 12, bidSize: 20, askPrice: 28, askSize: 36, quoteTimestamp: 44,
} as const;

/** Offsets of OrderBook fields within its value. */
export const OrderBookField = { assetId: 0, venue: 8, assetType: 10, bookTimestamp: 12, exchangeSequence: 20 } as const;

/** Offsets of PoolSwap fields within its value. */
export const PoolSwapField = {
  venue: 0, flags: 2, tokenInDecimals: 3, tokenOutDecimals: 4, pool: 8, tokenIn: 28, tokenOut: 48, amountIn: 68,
  amountOut: 84, blockNumber: 100, logIndex: 108, blockTimestamp: 112, sqrtPriceX96After: 120, liquidityAfter: 140,
  tickAfter: 156,
} as const;

/** Offsets of PoolMint fields within its value. */
export const PoolMintField = {
  venue: 0, flags: 2, token0Decimals: 3, token1Decimals: 4, pool: 8, owner: 28, amount0: 48, amount1: 64,
  liquidity: 80, tickLower: 96, tickUpper: 100, blockNumber: 104, logIndex: 112, blockTimestamp: 120,
} as const;

/** Offsets of PoolBurn fields within its value. */
export const PoolBurnField = {
  venue: 0, flags: 2, token0Decimals: 3, token1Decimals: 4, pool: 8, owner: 28, amount0: 48, amount1: 64,
  liquidity: 80, tickLower: 96, tickUpper: 100, blockNumber: 104, logIndex: 112, blockTimestamp: 120,
} as const;

/** Offsets of PoolSync fields within its value. */
export const PoolSyncField = {
  venue: 0, flags: 2, token0Decimals: 3, token1Decimals: 4, pool: 8, reserve0: 28, reserve1: 44, blockNumber: 60,
  logIndex: 68, blockTimestamp: 76,
} as const;

/** Offsets of SignalIdentity fields within its value. */
export const SignalIdentityField = { strategyId: 0, confidence: 2, signalId: 8 } as const;

/** Offsets of ArbitrageSignal fields within its value. */
export const ArbitrageSignalField = {
  chainId: 0, sourceVenue: 4, targetVenue: 6, sourcePool: 8, targetPool: 28, tokenIn: 48, tokenOut: 68, amountIn: 88,
  expectedProfitUsd: 104, gasCostUsd: 112, dexFeesUsd: 120, slippageUsd: 128, netProfitUsd: 136, spreadBps: 144,
  slippageToleranceBps: 148, validUntil: 152, maxGasPriceWei: 160, minAmountOut: 168,
} as const;

/** Offsets of MomentumSignal fields within its value. */
export const MomentumSignalField = {
  assetId: 0, venue: 8, assetType: 10, direction: 12, windowSeconds: 14, momentumBps: 16, referencePrice: 24,
} as const;

/** Offsets of LiquidationAlert fields within its value. */
export const LiquidationAlertField = {
  assetId: 0, venue: 8, assetType: 10, side: 12, severity: 13, positionSize: 16, liquidationPrice: 24, markPrice: 32,
  distanceBps: 40,
} as const;

/** Offsets of OrderRequest fields within its value. */
export const OrderRequestField = {
  orderId: 0, assetId: 8, venue: 16, assetType: 18, side: 20, orderType: 21, strategyId: 22, price: 24, quantity: 32,
  signalId: 40, createdAt: 48, maxSlippageBps: 56, flags: 58, pool: 64, minAmountOut: 84,
} as const;

/** Offsets of OrderAck fields within its value. */
export const OrderAckField = { orderId: 0, venueOrderId: 8, status: 16, rejectReason: 17, ackedAt: 24 } as const;

/** Offsets of Fill fields within its value. */
export const FillField = {
  orderId: 0, assetId: 8, venue: 16, assetType: 18, side: 20, liquidity: 21, price: 24, quantity: 32, fee: 40,
  filledAt: 48,
} as const;

/** Offsets of Cancel fields within its value. */
export const CancelField = { orderId: 0, reason: 8, requestedAt: 16 } as const;

/** Offsets of GasPrice fields within its value. */
export const GasPriceField = { chainId: 0, blockNumber: 8, baseFeeWei: 16, priorityFeeWei: 24 } as const;

/** Offsets of Heartbeat fields within its value. */
export const HeartbeatField = { serviceId: 0, state: 2, uptimeSeconds: 4, lastSequence: 8 } as const;

/** Offsets of StatusReport fields within its value. */
export const StatusReportField = {
  serviceId: 0, state: 2, connections: 4, messagesPerSecond: 8, errorsPerMillion: 12, p50Micros: 16, p99Micros: 20,
  processed: 24, dropped: 32,
} as const;

/** Offsets of Hello fields within its value. */
export const HelloField = { role: 0, serviceId: 2 } as const;

/** Offsets of RetransmitRequest fields within its value. */
export const RetransmitRequestField = { source: 0, fromSequence: 8, toSequence: 16 } as const;

/** Offsets of Gap fields within its value. */
export const GapField = { source: 0, reason: 2, fromSequence: 8, toSequence: 16 } as const;

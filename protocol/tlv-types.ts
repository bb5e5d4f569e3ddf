/**
 * Typed values of every TLV in the registry (PROTOCOL.md §4), as {@link decodeTlv} returns them and
 * {@link encodeTlv} takes them. Field names are the protocol's; reserved fields are absent;
 * 64/128/160-bit integers are `bigint`; addresses are lowercase `0x…` strings.
 *
 * @module
 */

import type { InstrumentId } from "./instrument.ts";

/** Trade (1): one execution, the taker's side. */
export interface TradeTlv {
  type: 1; name: "Trade";
  instrument: InstrumentId; side: number; flags: number; price: bigint; size: bigint; execTimestamp: bigint;
}
/** Quote (2): best bid/ask. */
export interface QuoteTlv {
  type: 2; name: "Quote";
  instrument: InstrumentId; bidPrice: bigint; bidSize: bigint; askPrice: bigint; askSize: bigint; quoteTimestamp: bigint;
}
/** One book level: price and size, 10^8 fixed point. */
export interface BookLevel { price: bigint; size: bigint }
/** OrderBook (3): top-of-book snapshot, bids and asks best first. */
export interface OrderBookTlv {
  type: 3; name: "OrderBook";
  instrument: InstrumentId; bookTimestamp: bigint; exchangeSequence: bigint; bids: BookLevel[]; asks: BookLevel[];
}
/** V3-only fields of PoolSwap, present when `flags` bit0 is set. */
export interface PoolSwapV3Fields { sqrtPriceX96After: bigint; liquidityAfter: bigint; tickAfter: number }
/** PoolSwap (4): a DEX swap, raw token amounts. */
export interface PoolSwapTlv extends Partial<PoolSwapV3Fields> {
  type: 4; name: "PoolSwap";
  venue: number; flags: number; tokenInDecimals: number; tokenOutDecimals: number;
  pool: string; tokenIn: string; tokenOut: string; amountIn: bigint; amountOut: bigint;
  blockNumber: bigint; logIndex: number; blockTimestamp: bigint;
}
/** Fields shared by PoolMint (5) and PoolBurn (6). `liquidity`, `tickLower`, `tickUpper` are V3-only. */
export interface PoolLiquidityFields {
  venue: number; flags: number; token0Decimals: number; token1Decimals: number;
  pool: string; owner: string; amount0: bigint; amount1: bigint;
  liquidity?: bigint; tickLower?: number; tickUpper?: number;
  blockNumber: bigint; logIndex: number; blockTimestamp: bigint;
}
/** PoolMint (5): liquidity added. */
export interface PoolMintTlv extends PoolLiquidityFields { type: 5; name: "PoolMint" }
/** PoolBurn (6): liquidity removed. */
export interface PoolBurnTlv extends PoolLiquidityFields { type: 6; name: "PoolBurn" }
/** PoolSync (7): V2 reserves after a change. */
export interface PoolSyncTlv {
  type: 7; name: "PoolSync";
  venue: number; flags: number; token0Decimals: number; token1Decimals: number;
  pool: string; reserve0: bigint; reserve1: bigint; blockNumber: bigint; logIndex: number; blockTimestamp: bigint;
}
/** SignalIdentity (20): opens every signal message. */
export interface SignalIdentityTlv {
  type: 20; name: "SignalIdentity"; strategyId: number; confidence: number; signalId: bigint;
}
/** ArbitrageSignal (21). */
export interface ArbitrageSignalTlv {
  type: 21; name: "ArbitrageSignal";
  chainId: number; sourceVenue: number; targetVenue: number; sourcePool: string; targetPool: string;
  tokenIn: string; tokenOut: string; amountIn: bigint; expectedProfitUsd: bigint; gasCostUsd: bigint;
  dexFeesUsd: bigint; slippageUsd: bigint; netProfitUsd: bigint; spreadBps: number; slippageToleranceBps: number;
  validUntil: bigint; maxGasPriceWei: bigint; minAmountOut: bigint; extraHopPools: string[];
}
/** MomentumSignal (22). */
export interface MomentumSignalTlv {
  type: 22; name: "MomentumSignal";
  instrument: InstrumentId; direction: number; windowSeconds: number; momentumBps: number; referencePrice: bigint;
}
/** LiquidationAlert (23). */
export interface LiquidationAlertTlv {
  type: 23; name: "LiquidationAlert";
  instrument: InstrumentId; side: number; severity: number; positionSize: bigint; liquidationPrice: bigint;
  markPrice: bigint; distanceBps: number;
}
/** OrderRequest (40); `pool` and `minAmountOut` present only with a DEX route (`flags` bit0). */
export interface OrderRequestTlv {
  type: 40; name: "OrderRequest";
  orderId: bigint; instrument: InstrumentId; side: number; orderType: number; strategyId: number;
  price: bigint; quantity: bigint; signalId: bigint; createdAt: bigint; maxSlippageBps: number; flags: number;
  pool?: string; minAmountOut?: bigint;
}
/** OrderAck (41). */
export interface OrderAckTlv {
  type: 41; name: "OrderAck"; orderId: bigint; venueOrderId: bigint; status: number; rejectReason: number; ackedAt: bigint;
}
/** Fill (42). */
export interface FillTlv {
  type: 42; name: "Fill";
  orderId: bigint; instrument: InstrumentId; side: number; liquidity: number; price: bigint; quantity: bigint;
  fee: bigint; filledAt: bigint;
}
/** Cancel (43). */
export interface CancelTlv { type: 43; name: "Cancel"; orderId: bigint; reason: number; requestedAt: bigint }
/** GasPrice (44). */
export interface GasPriceTlv {
  type: 44; name: "GasPrice"; chainId: number; blockNumber: bigint; baseFeeWei: bigint; priorityFeeWei: bigint;
}
/** Heartbeat (80). */
export interface HeartbeatTlv {
  type: 80; name: "Heartbeat"; serviceId: number; state: number; uptimeSeconds: number; lastSequence: bigint;
}
/** StatusReport (81). */
export interface StatusReportTlv {
  type: 81; name: "StatusReport";
  serviceId: number; state: number; connections: number; messagesPerSecond: number; errorsPerMillion: number;
  p50Micros: number; p99Micros: number; processed: bigint; dropped: bigint;
}
/** Hello (82): first message on a relay connection. */
export interface HelloTlv { type: 82; name: "Hello"; role: number; serviceId: number; token: string }
/** Subscribe (83): TLV type filter (empty = all types of the domain). */
export interface SubscribeTlv { type: 83; name: "Subscribe"; types: number[] }
/** RetransmitRequest (84). */
export interface RetransmitRequestTlv {
  type: 84; name: "RetransmitRequest"; source: number; fromSequence: bigint; toSequence: bigint;
}
/** Gap (85). */
export interface GapTlv { type: 85; name: "Gap"; source: number; reason: number; fromSequence: bigint; toSequence: bigint }
/** A TLV whose type has no registry entry: carried as raw bytes. */
export interface UnknownTlv { type: number; name: "Unknown"; bytes: Uint8Array }

/** Any registered TLV. */
export type KnownTlv =
  | TradeTlv | QuoteTlv | OrderBookTlv | PoolSwapTlv | PoolMintTlv | PoolBurnTlv | PoolSyncTlv
  | SignalIdentityTlv | ArbitrageSignalTlv | MomentumSignalTlv | LiquidationAlertTlv
  | OrderRequestTlv | OrderAckTlv | FillTlv | CancelTlv | GasPriceTlv
  | HeartbeatTlv | StatusReportTlv | HelloTlv | SubscribeTlv | RetransmitRequestTlv | GapTlv;

/** Any TLV, registered or not. */
export type Tlv = KnownTlv | UnknownTlv;

/** The registered TLV of a given name. */
export type TlvOf<N extends KnownTlv["name"]> = Extract<KnownTlv, { name: N }>;

/** A TLV value without its `type`/`name` tags, as builders take it. */
export type TlvFields<T extends KnownTlv> = Omit<T, "type" | "name">;

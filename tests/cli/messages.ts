/**
 * Test fixture: a recording of messages that together carry every registered TLV type at least once
 * (both PoolSwap forms, OrderRequest with and without a DEX route, an extended-form OrderBook, a
 * System TLV riding on the market-data domain, an unregistered type), built with `encodeMessage`.
 */

import {
  AssetType, Venue, addressAssetId, concat, encodeMessage, pairInstrument, type MessageMeta, type Tlv,
} from "../../protocol/mod.ts";

const POOL = "0x45dda9cb7c25131df268515131f647d726f50608";
const USDC = "0x2791bca1f2de4661ed88a684c6d2a1e4f2d29b4c";
const WETH = "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619";
const OWNER = "0x00000000000000000000000000000000000000aa";
const BTC_USD = pairInstrument("BTC", "USD", Venue.Coinbase);
const ETH_USDT = pairInstrument("ETH", "USDT", Venue.Binance, AssetType.Perpetual);
const T0 = 1_764_000_000_123_456_789n;

/** [header fields, TLVs] of each fixture message, in stream order. */
export const FIXTURE: readonly (readonly [MessageMeta, Tlv[]])[] = [
  [{ relayDomain: 1, source: 3, sequence: 1n, timestamp: T0 }, [
    { type: 1, name: "Trade", instrument: BTC_USD, side: 1, flags: 0, price: 3_000_012_345_678n, size: 1_000_000n, execTimestamp: T0 - 5n },
    { type: 80, name: "Heartbeat", serviceId: 3, state: 2, uptimeSeconds: 42, lastSequence: 0n },
  ]],
  [{ relayDomain: 1, source: 1, sequence: 2n, timestamp: T0 + 1n }, [
    { type: 2, name: "Quote", instrument: ETH_USDT, bidPrice: 300_012_000_000n, bidSize: 150_000_000n, askPrice: 300_013_000_000n, askSize: -1n, quoteTimestamp: T0 },
    { type: 19, name: "Unknown", bytes: new Uint8Array([1, 2, 3, 250]) },
  ]],
  [{ relayDomain: 1, source: 2, sequence: 3n, timestamp: T0 + 2n }, [
    { type: 3, name: "OrderBook", instrument: BTC_USD, bookTimestamp: T0, exchangeSequence: 99n,
      bids: Array.from({ length: 12 }, (_, i) => ({ price: 3_000_000_000_000n - BigInt(i) * 100_000_000n, size: BigInt(i + 1) * 1_000n })),
      asks: Array.from({ length: 12 }, (_, i) => ({ price: 3_000_100_000_000n + BigInt(i) * 100_000_000n, size: BigInt(i + 1) * 2_000n })) },
  ]],
  [{ relayDomain: 1, source: 4, sequence: 4n, timestamp: T0 + 3n }, [
    { type: 4, name: "PoolSwap", venue: Venue.QuickSwapV2, flags: 0, tokenInDecimals: 6, tokenOutDecimals: 18, pool: POOL, tokenIn: USDC,
      tokenOut: WETH, amountIn: 1_000_000_000n, amountOut: 330_000_000_000_000_000n, blockNumber: 60_000_000n, logIndex: 7, blockTimestamp: T0 },
    { type: 4, name: "PoolSwap", venue: Venue.QuickSwapV3, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 6, pool: POOL, tokenIn: WETH,
      tokenOut: USDC, amountIn: (1n << 127n) + 5n, amountOut: 3n, blockNumber: 60_000_001n, logIndex: 0, blockTimestamp: 0n,
      sqrtPriceX96After: (1n << 159n) + 1n, liquidityAfter: 123_456_789n, tickAfter: -887_272 },
    { type: 7, name: "PoolSync", venue: Venue.QuickSwapV2, flags: 2, token0Decimals: 6, token1Decimals: 18, pool: POOL,
      reserve0: 10n ** 30n, reserve1: 1n, blockNumber: 60_000_002n, logIndex: 3, blockTimestamp: T0 },
  ]],
  [{ relayDomain: 1, source: 4, sequence: 5n, timestamp: T0 + 4n }, [
    { type: 5, name: "PoolMint", venue: Venue.UniswapV3Polygon, flags: 1, token0Decimals: 6, token1Decimals: 18, pool: POOL, owner: OWNER,
      amount0: 5n, amount1: 6n, liquidity: 7n, tickLower: -100, tickUpper: 200, blockNumber: 1n, logIndex: 2, blockTimestamp: T0 },
    { type: 6, name: "PoolBurn", venue: Venue.QuickSwapV2, flags: 0, token0Decimals: 6, token1Decimals: 18, pool: POOL, owner: OWNER,
      amount0: 8n, amount1: 9n, blockNumber: 3n, logIndex: 4, blockTimestamp: 0n },
  ]],
  [{ relayDomain: 2, source: 20, sequence: 1n, timestamp: T0 + 5n }, [
    { type: 20, name: "SignalIdentity", strategyId: 7, confidence: 90, signalId: 77n },
    { type: 21, name: "ArbitrageSignal", chainId: 137, sourceVenue: Venue.QuickSwapV2, targetVenue: Venue.SushiSwapV2Polygon,
      sourcePool: POOL, targetPool: OWNER, tokenIn: USDC, tokenOut: WETH, amountIn: 5_000_000_000n, expectedProfitUsd: 1_250_000_000n,
      gasCostUsd: 1_000_000n, dexFeesUsd: 2_000_000n, slippageUsd: 3_000_000n, netProfitUsd: -4_000_000n, spreadBps: -12,
      slippageToleranceBps: 50, validUntil: T0 + 1_000_000_000n, maxGasPriceWei: 100_000_000_000n, minAmountOut: 1n,
      extraHopPools: [USDC, WETH] },
    { type: 22, name: "MomentumSignal", instrument: BTC_USD, direction: -1, windowSeconds: 300, momentumBps: -35, referencePrice: 3_000_000_000_000n },
    { type: 23, name: "LiquidationAlert", instrument: ETH_USDT, side: 2, severity: 80, positionSize: 10_000_000_000n,
      liquidationPrice: 250_000_000_000n, markPrice: 260_000_000_000n, distanceBps: 400 },
  ]],
  [{ relayDomain: 3, source: 40, sequence: 1n, timestamp: T0 + 6n }, [
    { type: 40, name: "OrderRequest", orderId: 1n, instrument: BTC_USD, side: 1, orderType: 2, strategyId: 7, price: 2_999_900_000_000n,
      quantity: 100_000n, signalId: 77n, createdAt: T0, maxSlippageBps: 10, flags: 4 },
    { type: 40, name: "OrderRequest", orderId: 2n, instrument: { assetId: addressAssetId(POOL), venue: Venue.QuickSwapV2, assetType: AssetType.Pool },
      side: 2, orderType: 1, strategyId: 7, price: 0n, quantity: 5n, signalId: 0n, createdAt: T0, maxSlippageBps: 30, flags: 1,
      pool: POOL, minAmountOut: 12_345n },
    { type: 41, name: "OrderAck", orderId: 1n, venueOrderId: 555n, status: 2, rejectReason: 1, ackedAt: T0 + 10n },
    { type: 42, name: "Fill", orderId: 1n, instrument: BTC_USD, side: 1, liquidity: 2, price: 2_999_900_000_000n, quantity: 100_000n,
      fee: 1_234n, filledAt: T0 + 20n },
    { type: 43, name: "Cancel", orderId: 2n, reason: 4, requestedAt: T0 + 30n },
    { type: 44, name: "GasPrice", chainId: 137, blockNumber: 60_000_000n, baseFeeWei: 30_000_000_000n, priorityFeeWei: 2_000_000_000n },
  ]],
  [{ relayDomain: 4, source: 80, sequence: 1n, timestamp: T0 + 7n }, [
    { type: 82, name: "Hello", role: 3, serviceId: 80, token: "s3cret ✓" },
    { type: 83, name: "Subscribe", types: [1, 2, 4] },
    { type: 81, name: "StatusReport", serviceId: 80, state: 3, connections: 4, messagesPerSecond: 100_000, errorsPerMillion: 2,
      p50Micros: 15, p99Micros: 250, processed: 1n << 40n, dropped: 3n },
    { type: 84, name: "RetransmitRequest", source: 3, fromSequence: 10n, toSequence: 20n },
    { type: 85, name: "Gap", source: 3, reason: 1, fromSequence: 10n, toSequence: 12n },
  ]],
];

/** Each fixture message encoded. */
export function fixtureMessages(): Uint8Array[] {
  return FIXTURE.map(([meta, tlvs]) => encodeMessage(meta, tlvs));
}

/** The whole fixture as one stream, and the start offset of every message in it. */
export function fixtureStream(): { bytes: Uint8Array; starts: number[] } {
  const msgs = fixtureMessages();
  const starts: number[] = [];
  let at = 0;
  for (const m of msgs) {
    starts.push(at);
    at += m.length;
  }
  return { bytes: concat(msgs), starts };
}

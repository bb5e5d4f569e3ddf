/**
 * A deterministic stand-in for adapters, strategies and execution in the dashboard test: publishes
 * realistic Protocol V2 traffic into a running system's relays (trades, quotes and books for three CEX
 * instruments the demo's simulated venues do not trade, so assertions never see their prices; a Uniswap V2 pool's syncs and swaps and a V3 pool's swaps; arbitrage and momentum
 * signals; orders, acks and fills), so every panel has data whatever services the config runs. It
 * speaks the real wire protocol over the relays' Unix sockets, as the real services do.
 *
 * @module
 */

import {
  encodeMessage, pairInstrument, RelayDomain, Venue, type InstrumentId, type Tlv,
} from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import type { RuntimePaths } from "../../runtime/paths.ts";

/** Mainnet addresses, so the dashboard's well-known token labels apply. */
export const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
export const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
/** Uniswap V2 USDC/WETH. */
export const V2_POOL = "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc";
/** Uniswap V3 USDC/WETH 0.05 %. */
export const V3_POOL = "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640";

/** Strategy ids on synthetic signals and orders (the top of the strategy range, unused by the demo). */
export const SYNTHETIC_STRATEGY = { arbitrage: 38, momentum: 39 } as const;

/** Source ids (PROTOCOL §6: replay/recorder range, so they never collide with configured services). */
const SOURCE = { market: 91, signal: 92, execution: 93 } as const;
const SCALE = 100_000_000n;

/** mulberry32: small seeded PRNG, so every run publishes the same traffic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer square root (Newton's method from above: converges in a few dozen steps). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

interface Market {
  id: InstrumentId;
  /** Mid price ×1e8. */
  mid: bigint;
  /** Price step ×1e8. */
  tick: bigint;
}

/** Publishes synthetic traffic on a running system's relays; call {@link tick} periodically. */
export class SyntheticFeed {
  private readonly random = rng(7);
  private readonly seq = { market: 0n, signal: 0n, execution: 0n };
  private n = 0;
  private orderId = 1000n;
  private block = 19_000_000n;
  private ethUsd = 3_150n;
  private readonly markets: Market[] = [
    { id: pairInstrument("SOL", "USD", Venue.Coinbase), mid: 145n * SCALE, tick: SCALE / 100n },
    { id: pairInstrument("LINK", "USD", Venue.Kraken), mid: 14n * SCALE, tick: SCALE / 1000n },
    { id: pairInstrument("DOGE", "USDT", Venue.Binance), mid: SCALE / 6n, tick: SCALE / 100_000n },
  ];

  private readonly clients: { market: RelayClient; signal: RelayClient; execution: RelayClient };

  private constructor(clients: { market: RelayClient; signal: RelayClient; execution: RelayClient }) {
    this.clients = clients;
  }

  /** Connects publishers to the market-data, signal and execution relays of the run at `paths`. */
  static async connect(paths: RuntimePaths): Promise<SyntheticFeed> {
    const connect = (domain: number, serviceId: number) => RelayClient.connect({
      endpoint: { kind: "unix", path: paths.relaySocket(domain) }, domain, serviceId, role: Role.Publisher,
      waitForRelay: true, logger: silentLogger,
    });
    const [market, signal, execution] = await Promise.all([
      connect(RelayDomain.MarketData, SOURCE.market), connect(RelayDomain.Signal, SOURCE.signal), connect(RelayDomain.Execution, SOURCE.execution),
    ]);
    return new SyntheticFeed({ market, signal, execution });
  }

  /** While true, {@link tick} publishes nothing (to let the dashboard see silence). */
  paused = false;

  /** Publishes one step of traffic: every market moves; pools, signals and orders now and then. */
  tick(): void {
    if (this.paused) return;
    const now = BigInt(Date.now()) * 1_000_000n;
    this.n++;
    for (const m of this.markets) {
      const step = BigInt(Math.round((this.random() - 0.5) * 6)) * m.tick;
      m.mid += step;
      const side = this.random() < 0.5 ? 1 : 2;
      const size = BigInt(Math.floor(this.random() * 50_000_000) + 100_000);
      this.publish("market", [{
        type: 1, name: "Trade", instrument: m.id, side, flags: 0, price: m.mid + (side === 1 ? m.tick : -m.tick), size, execTimestamp: now,
      }, {
        type: 2, name: "Quote", instrument: m.id, bidPrice: m.mid - m.tick, bidSize: size * 3n, askPrice: m.mid + m.tick,
        askSize: size * 2n, quoteTimestamp: now,
      }], now);
      if (this.n % 3 === 1) {
        const level = (i: number, dir: bigint) => ({
          price: m.mid + dir * m.tick * BigInt(1 + i * 2), size: BigInt(Math.floor(this.random() * 400_000_000) + 10_000_000),
        });
        this.publish("market", [{
          type: 3, name: "OrderBook", instrument: m.id, bookTimestamp: now, exchangeSequence: BigInt(this.n),
          bids: Array.from({ length: 8 }, (_, i) => level(i, -1n)), asks: Array.from({ length: 8 }, (_, i) => level(i, 1n)),
        }], now);
      }
    }
    if (this.n % 4 === 0) this.pools(now);
    if (this.n % 10 === 5) this.signals(now);
    if (this.n % 12 === 6) this.orders(now);
  }

  /** Closes the publishers (after flushing). */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((c) => c.close()));
  }

  private pools(now: bigint): void {
    this.block++;
    this.ethUsd += BigInt(Math.round((this.random() - 0.5) * 4));
    const reserve1 = 9_500n * 10n ** 18n + BigInt(Math.floor(this.random() * 1e6)) * 10n ** 12n;
    const reserve0 = (reserve1 * this.ethUsd * 10n ** 6n) / 10n ** 18n;
    const ts = now;
    this.publish("market", [{
      type: 7, name: "PoolSync", venue: Venue.UniswapV2, flags: 0, token0Decimals: 6, token1Decimals: 18, pool: V2_POOL,
      reserve0, reserve1, blockNumber: this.block, logIndex: 11, blockTimestamp: ts,
    }, {
      type: 4, name: "PoolSwap", venue: Venue.UniswapV2, flags: 0, tokenInDecimals: 6, tokenOutDecimals: 18, pool: V2_POOL,
      tokenIn: USDC, tokenOut: WETH, amountIn: 25_000n * 10n ** 6n, amountOut: (25_000n * 10n ** 18n) / this.ethUsd,
      blockNumber: this.block, logIndex: 10, blockTimestamp: ts,
    }], now);
    // V3 price token1/token0 in raw units = 10^18 / (ethUsd · 10^6); sqrtPriceX96 = sqrt(that) · 2^96.
    const sqrtPriceX96After = isqrt((10n ** 12n << 192n) / (this.ethUsd - 2n));
    this.publish("market", [{
      type: 4, name: "PoolSwap", venue: Venue.UniswapV3, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 6, pool: V3_POOL,
      tokenIn: WETH, tokenOut: USDC, amountIn: 4n * 10n ** 18n, amountOut: 4n * (this.ethUsd - 2n) * 10n ** 6n,
      blockNumber: this.block, logIndex: 42, blockTimestamp: ts, sqrtPriceX96After, liquidityAfter: 10n ** 22n, tickAfter: 196_000,
    }], now);
  }

  private signals(now: bigint): void {
    const signalId = BigInt(this.n);
    const net = BigInt(Math.floor(this.random() * 80_00)) * 1_000_000n + 5n * SCALE;
    this.publish("signal", [
      { type: 20, name: "SignalIdentity", strategyId: SYNTHETIC_STRATEGY.arbitrage, confidence: 80 + Math.floor(this.random() * 20), signalId },
      {
        type: 21, name: "ArbitrageSignal", chainId: 1, sourceVenue: Venue.UniswapV2, targetVenue: Venue.UniswapV3, sourcePool: V2_POOL,
        targetPool: V3_POOL, tokenIn: USDC, tokenOut: WETH, amountIn: 50_000n * 10n ** 6n, expectedProfitUsd: net + 14n * SCALE,
        gasCostUsd: 9n * SCALE, dexFeesUsd: 4n * SCALE, slippageUsd: SCALE, netProfitUsd: net, spreadBps: 12 + Math.floor(this.random() * 30),
        slippageToleranceBps: 30, validUntil: now + 2_000_000_000n, maxGasPriceWei: 40_000_000_000n, minAmountOut: 15n * 10n ** 18n,
        extraHopPools: [],
      },
    ], now);
    const m = this.markets[0]!;
    const dir = this.random() < 0.5 ? 1 : -1;
    this.publish("signal", [
      { type: 20, name: "SignalIdentity", strategyId: SYNTHETIC_STRATEGY.momentum, confidence: 60 + Math.floor(this.random() * 30), signalId: signalId + 1n },
      {
        type: 22, name: "MomentumSignal", instrument: m.id, direction: dir, windowSeconds: 60,
        momentumBps: dir * (8 + Math.floor(this.random() * 40)), referencePrice: m.mid,
      },
    ], now);
  }

  private orders(now: bigint): void {
    const m = this.markets[this.n % this.markets.length]!;
    const orderId = ++this.orderId;
    const side = this.random() < 0.5 ? 1 : 2;
    const quantity = BigInt(Math.floor(this.random() * 20_000_000) + 1_000_000);
    this.publish("execution", [{
      type: 40, name: "OrderRequest", orderId, instrument: m.id, side, orderType: 2, strategyId: SYNTHETIC_STRATEGY.momentum, price: m.mid, quantity,
      signalId: BigInt(this.n), createdAt: now, maxSlippageBps: 20, flags: 4,
    }], now);
    this.publish("execution", [{ type: 41, name: "OrderAck", orderId, venueOrderId: orderId * 7n, status: 1, rejectReason: 0, ackedAt: now }], now);
    this.publish("execution", [{
      type: 42, name: "Fill", orderId, instrument: m.id, side, liquidity: 2, price: m.mid, quantity, fee: (m.mid * quantity) / SCALE / 1000n, filledAt: now,
    }], now);
  }

  private publish(domain: "market" | "signal" | "execution", tlvs: Tlv[], now: bigint): void {
    const relayDomain = domain === "market" ? RelayDomain.MarketData : domain === "signal" ? RelayDomain.Signal : RelayDomain.Execution;
    this.clients[domain].publish(encodeMessage({ relayDomain, source: SOURCE[domain], sequence: ++this.seq[domain], timestamp: now }, tlvs));
  }
}

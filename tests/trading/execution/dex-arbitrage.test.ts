/**
 * DEX arbitrage execution end to end in one process: ArbitrageSignal → planner → risk → paper DEX venue
 * → portfolio, over hand-built pool, gas and signal messages. Every expected amount is written out here
 * with plain bigint arithmetic (Uniswap V2 getAmountOut in its 997/1000 form, the V3 single-range swap
 * step, Aave's flash premium, gas × units × native price rounded up) — not computed with trading/dex.
 */

import { describe, expect, it } from "vitest";
import * as v from "valibot";
import {
  AssetType, MessageView, OrderStatus, RejectReason, Side, addressAssetId,
  type FillTlv, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { ExecutionOptionsSchema, buildExecutionStages } from "../../../runtime/service/execution-options.ts";
import { ExecutionPipeline } from "../../../trading/execution/pipeline.ts";
import type { PoolMeta } from "../../../trading/dex/pool-cache.ts";
import { BASE_NS, msg } from "../helpers.ts";
import { decodeMessage } from "../../../protocol/mod.ts";

const A = "0x1000000000000000000000000000000000000001"; // token0 of both pools, 18 decimals, fixed at $2
const B = "0x2000000000000000000000000000000000000002"; // token1, 18 decimals
const NATIVE = "0x3000000000000000000000000000000000000003"; // wrapped native token, fixed at $0.53
const V2 = "0xaaaa000000000000000000000000000000000001";
const V3 = "0xbbbb000000000000000000000000000000000002";
const E18 = 10n ** 18n;
const E8 = 100_000_000n;
const Q96 = 1n << 96n;

const POOLS: PoolMeta[] = [
  { address: V2, kind: "v2", venue: 65000, token0: A, token1: B, decimals0: 18, decimals1: 18, fee: 3000, tickSpacing: 1 },
  { address: V3, kind: "v3", venue: 65001, token0: A, token1: B, decimals0: 18, decimals1: 18, fee: 500, tickSpacing: 10 },
];

// Pool states: V2 prices A at 1.01 B, V3 at exactly 1 B (sqrtPriceX96 = 2^96, tick 0).
const R0 = 1000n * E18;
const R1 = 1010n * E18;
const L = 10n ** 23n;
const GAS_UNITS = 250_001n;
const GAS_PRICE = 30_000_000_000n + 2_000_000_000n; // base + priority fee of the GasPrice message

/** Hand arithmetic of the cycle A →(V2) B →(V3) A for `amountIn` of A. */
function handCycle(amountIn: bigint): { mid: bigint; out: bigint } {
  // UniswapV2Library.getAmountOut: in × 997 × reserveOut / (reserveIn × 1000 + in × 997).
  const mid = (amountIn * 997n * R1) / (R0 * 1000n + amountIn * 997n);
  // V3, token1 in, one step inside the range [0, 10): fee 500 pips taken first (floor),
  // √P' = √P + ⌊less·2^96 / L⌋, out0 = ⌊⌊(L·2^96)·(√P' − √P) / √P'⌋ / √P⌋.
  const less = (mid * (1_000_000n - 500n)) / 1_000_000n;
  const sqrtNext = Q96 + (less * Q96) / L;
  const out = ((L * Q96 * (sqrtNext - Q96)) / sqrtNext) / Q96;
  return { mid, out };
}

function world(opts: { gasPriceWei?: bigint; flashBps?: number } = {}) {
  const options = v.parse(ExecutionOptionsSchema, {
    planner: {},
    risk: { clock: "stamps", limits: { maxDataAgeMs: 60_000, maxOrdersPerSecond: 100, maxOpenOrders: 20 } },
    paper: {},
    dex: {
      gasUnits: Number(GAS_UNITS),
      flashLoan: { provider: "aave-v3", providers: { "aave-v3": opts.flashBps ?? 5, none: 0 } },
      venueChains: { "65000": 137, "65001": 137 },
      chains: { "137": { nativeToken: NATIVE } },
      usd: { fixed: { [A]: "2", [NATIVE]: "0.53" } },
      tokens: { [A]: "TKA", [B]: "TKB", [NATIVE]: "WNAT" },
    },
  });
  const stages = buildExecutionStages(options, POOLS);
  const out: Uint8Array[] = [];
  let now = BASE_NS;
  const clock = { nowNs: () => now, nowMs: () => Number(now / 1_000_000n) };
  const pipeline = new ExecutionPipeline(stages, (b) => out.push(b), { clock });
  let seq = 0;
  let seconds = 0;
  const at = (s: number): void => {
    seconds = s;
    now = BASE_NS + BigInt(s) * 1_000_000_000n;
  };
  const market = (tlvs: Tlv[]): void => void pipeline.onMarketData(msg(1, 4, ++seq, seconds, tlvs));
  const execution = (tlvs: Tlv[]): void => void pipeline.onExecution(msg(3, 4, ++seq, seconds, tlvs));
  const sync = (r0: bigint, r1: bigint, block: bigint): void =>
    market([{ type: 7, name: "PoolSync", venue: 65000, flags: 0, token0Decimals: 18, token1Decimals: 18, pool: V2, reserve0: r0, reserve1: r1, blockNumber: block, logIndex: 0, blockTimestamp: 0n }]);
  const v3 = (sqrtPriceX96: bigint, liquidity: bigint, tick: number, block: bigint): void =>
    market([{
      type: 4, name: "PoolSwap", venue: 65001, flags: 1, tokenInDecimals: 18, tokenOutDecimals: 18, pool: V3, tokenIn: A, tokenOut: B,
      amountIn: 1n, amountOut: 1n, blockNumber: block, logIndex: 1, blockTimestamp: 0n, sqrtPriceX96After: sqrtPriceX96, liquidityAfter: liquidity, tickAfter: tick,
    } as Tlv]);
  const gas = (gasPriceWei: bigint): void =>
    execution([{ type: 44, name: "GasPrice", chainId: 137, blockNumber: 1n, baseFeeWei: gasPriceWei - 2_000_000_000n, priorityFeeWei: 2_000_000_000n } as Tlv]);
  let signalId = 100n;
  type SignalFields = { amountIn: bigint; minAmountOut: bigint; validUntil?: bigint; maxGasPriceWei?: bigint };
  const signalMessage = (fields: SignalFields): Uint8Array => msg(2, 20, ++seq, seconds, [
    { type: 20, name: "SignalIdentity", strategyId: 20, confidence: 90, signalId: ++signalId },
    {
      type: 21, name: "ArbitrageSignal", chainId: 137, sourceVenue: 65000, targetVenue: 65001, sourcePool: V2, targetPool: V3, tokenIn: A, tokenOut: B,
      amountIn: fields.amountIn, expectedProfitUsd: 0n, gasCostUsd: 0n, dexFeesUsd: 0n, slippageUsd: 0n, netProfitUsd: 0n, spreadBps: 100,
      slippageToleranceBps: 50, validUntil: fields.validUntil ?? now + 10_000_000_000n, maxGasPriceWei: fields.maxGasPriceWei ?? 100_000_000_000n,
      minAmountOut: fields.minAmountOut, extraHopPools: [],
    } as Tlv,
  ]);
  const signal = (fields: SignalFields) => {
    out.length = 0;
    const planned = pipeline.onSignal(signalMessage(fields));
    const tlvs = out.map((b) => ({ source: new MessageView().wrap(b).source, tlv: decodeMessage(b).tlvs[0]! }));
    return {
      planned,
      acks: tlvs.filter((t) => t.tlv.name === "OrderAck").map((t) => t.tlv as OrderAckTlv),
      fills: tlvs.filter((t) => t.tlv.name === "Fill").map((t) => t.tlv as FillTlv),
      orders: tlvs.filter((t) => t.tlv.name === "OrderRequest").map((t) => t.tlv as OrderRequestTlv),
    };
  };
  const start = (): void => {
    at(1);
    sync(R0, R1, 10n);
    v3(Q96, L, 0, 10n);
    gas(opts.gasPriceWei ?? GAS_PRICE);
  };
  return { stages, pipeline, at, sync, v3, gas, signal, signalMessage, start };
}

// Gas: 32 gwei × 250 001 units, valued at $0.53 per native token, USD × 1e8 rounded up.
const GAS_WEI = GAS_PRICE * GAS_UNITS; // 8 000 032 000 000 000 wei
const GAS_USD = (GAS_WEI * 53_000_000n + E18 - 1n) / E18; // ⌈424 001.696⌉ = 424 002

describe("DEX arbitrage execution (paper)", () => {
  it("a V2 → V3 cycle fills at the hand-computed amounts; gas and the flash premium are accounted to the unit", () => {
    const w = world();
    w.start();
    const amountIn = E18;
    const { mid, out } = handCycle(amountIn);
    expect(mid).toBe(1_005_967_050_850_302_248n);
    expect(GAS_WEI).toBe(8_000_032_000_000_000n);
    expect(GAS_USD).toBe(424_002n);
    const r = w.signal({ amountIn, minAmountOut: out - 1000n });
    // The planner's order: FOK, DEX route on the first pool, quantity = 1 A in 1e8 units, sell (A is token0).
    const order = r.orders.find((o) => o.flags !== 0)!;
    expect(order).toMatchObject({ side: Side.Sell, quantity: E8, pool: V2, minAmountOut: out - 1000n, orderType: 4, flags: 1 | 4 });
    expect(order.instrument).toEqual({ assetId: addressAssetId(V2), venue: 65000, assetType: AssetType.Pool });
    expect(r.planned?.decision?.accepted).toBe(true);
    expect(r.acks.map((a) => [a.status, a.rejectReason])).toEqual([[OrderStatus.Accepted, RejectReason.None]]);
    // Aave V3 premium 5 bps, half up: (amount × 5 + 5 000) / 10 000.
    const flash = (amountIn * 5n + 5_000n) / 10_000n;
    expect(flash).toBe(500_000_000_000_000n);
    const flashUsd = (flash * 2n * E8) / E18; // $2 per A
    const tokenPnl = out - amountIn - flash;
    expect(r.fills).toHaveLength(1);
    const f = r.fills[0]!;
    expect(f.instrument).toEqual({ assetId: addressAssetId(A), venue: 65000, assetType: AssetType.Token });
    expect(f.quantity).toBe(E8);
    expect(f.price).toBe((out * E8) / amountIn);
    expect(f.fee).toBe(GAS_USD + flashUsd);
    const e = w.stages.portfolio.dex!.routes.get(order.orderId)!.execution!;
    expect(e).toMatchObject({ reverted: false, amountOut: out, flashFee: flash, gasWei: GAS_WEI, gasPriceWei: GAS_PRICE, gasUsd: GAS_USD, flashFeeUsd: flashUsd });
    expect(e.tokenPnlUsd).toBe((tokenPnl * 2n * E8) / E18);
    expect(e.netPnlUsd).toBe(e.tokenPnlUsd - GAS_USD);
    // The portfolio books token balances exactly: A gains out − in − premium, the native token pays the gas.
    const book = w.stages.portfolio.dex!.book;
    expect(Object.fromEntries(book.balances)).toEqual({ [A]: tokenPnl, [NATIVE]: -GAS_WEI });
    expect(book.totals).toMatchObject({ fills: 1, succeeded: 1, reverted: 0, gasUsd: GAS_USD, flashFeeUsd: flashUsd });
    // No CEX position comes out of a cycle.
    expect(w.stages.portfolio.positionsList()).toEqual([]);
    // Paper swaps do not move the pools: the same signal again gives the same output.
    const again = w.signal({ amountIn, minAmountOut: out });
    expect(again.fills[0]!.price).toBe((out * E8) / amountIn);
  });

  it("an output below minAmountOut reverts: OrderAck rejected (venue) and a Fill of 0 that pays the gas", () => {
    const w = world();
    w.start();
    const { out } = handCycle(E18);
    const r = w.signal({ amountIn: E18, minAmountOut: out + 1n });
    expect(r.acks.map((a) => [a.status, a.rejectReason])).toEqual([[OrderStatus.Rejected, RejectReason.Venue]]);
    expect(r.fills.map((f) => [f.quantity, f.price, f.fee])).toEqual([[0n, 0n, GAS_USD]]);
    const book = w.stages.portfolio.dex!.book;
    expect(Object.fromEntries(book.balances)).toEqual({ [NATIVE]: -GAS_WEI });
    expect(book.totals).toMatchObject({ fills: 1, succeeded: 0, reverted: 1, gasUsd: GAS_USD, flashFeeUsd: 0n, netUsd: -GAS_USD });
    expect(w.stages.paper.dexCounters!.revertedBy.minAmountOut).toBe(1);
  });

  it("a cycle that cannot repay the flash loan and its premium reverts, gas paid", () => {
    const w = world({ flashBps: 90 }); // 0.9% > the cycle's ~0.5% margin
    w.start();
    const { out } = handCycle(E18);
    const r = w.signal({ amountIn: E18, minAmountOut: out - 1n });
    expect(r.acks.map((a) => [a.status, a.rejectReason])).toEqual([[OrderStatus.Rejected, RejectReason.Venue]]);
    expect(r.fills.map((f) => f.fee)).toEqual([GAS_USD]);
    expect(w.stages.paper.dexCounters!.revertedBy.cannotRepay).toBe(1);
  });

  it("risk rejects a DEX order past validUntil (stale) and one above the gas cap (risk limit), each counted", () => {
    const w = world({ gasPriceWei: 150_000_000_000n });
    w.start();
    const { out } = handCycle(E18);
    // Gas cap: the chain's latest gas price (150 gwei) is above the signal's 100 gwei: the planner drops it.
    const capped = w.signal({ amountIn: E18, minAmountOut: out - 1n });
    expect(capped.planned).toBeUndefined();
    expect(w.stages.planner.dex!.counters.gasAboveCap).toBe(1);
    // Risk's own rule, for an order planned before the gas price rose: plan at 100 gwei, then 150 gwei
    // reaches risk before the order does.
    expect(w.stages.portfolio.dex!.routes.size).toBe(0);
    w.gas(90_000_000_000n);
    const planned = w.stages.planner.plan(new MessageView().wrap(w.signalMessage({ amountIn: E18, minAmountOut: out - 1n })))!;
    w.gas(150_000_000_000n);
    const riskOut: Uint8Array[] = [];
    w.stages.risk.connect({ publish: (b) => riskOut.push(b.slice()) });
    w.stages.risk.onMessage(new MessageView().wrap(msg(3, 43, 9999, 1, [planned])));
    const ack = decodeMessage(riskOut[0]!).tlvs[0] as OrderAckTlv;
    expect([ack.status, ack.rejectReason]).toEqual([OrderStatus.Rejected, RejectReason.RiskLimit]);
    expect(w.stages.risk.lastDecision?.detail).toMatch(/^gasCap: gas price 150000000000 wei above the signal's cap 100000000000 wei/);
    // Expiry: valid until 1 ns after the signal, judged at risk's now 1 s later (the order's stamp).
    const { stages } = w;
    w.at(2);
    w.sync(R0, R1, 11n); // risk's now moves to 2 s
    const expired = w.signal({ amountIn: E18, minAmountOut: out - 1n, validUntil: BASE_NS + 1_500_000_000n, maxGasPriceWei: 200_000_000_000n });
    // Signal stamped at 2 s is already past 1.5 s: the planner drops it, counted.
    expect(expired.planned).toBeUndefined();
    expect(stages.planner.dex!.counters.expired).toBe(1);
    expect(stages.risk.dexCounters.gasCap).toBe(1);
  });

  it("risk's expiry rule: an order whose signal expired between planning and risk is rejected stale", () => {
    const w = world();
    w.start();
    const { out } = handCycle(E18);
    // Risk's clock runs on stamps: a market message at 5 s moves it past the route's validUntil (3 s)
    // while the planner still plans from a signal stamped at 1 s.
    w.at(5);
    w.sync(R0, R1, 12n);
    w.sync(R0, R1, 13n); // a second message confirms risk's clock jump
    w.at(1);
    const r = w.signal({ amountIn: E18, minAmountOut: out - 1n, validUntil: BASE_NS + 3_000_000_000n });
    expect(r.acks.map((a) => [a.status, a.rejectReason])).toEqual([[OrderStatus.Rejected, RejectReason.Stale]]);
    expect(r.planned?.decision?.detail).toMatch(/^expired: /);
    expect(w.stages.risk.dexCounters.expired).toBe(1);
  });

  it("a pool that moved past the tolerance since planning reverts at the venue (stale), gas paid", () => {
    const w = world();
    w.start();
    const { out } = handCycle(E18);
    const venue = w.stages.paper;
    // Plan with the current pools, then move the V2 pool 2% before the venue sees the order: feed the
    // venue's market only (as a Sync the venue received before the order on its own relay).
    const r1 = w.signal({ amountIn: E18, minAmountOut: out - 1n });
    expect(r1.fills).toHaveLength(1);
    const route = [...w.stages.portfolio.dex!.routes.values()][0]!;
    const moved = { ...route, orderId: 999n, plannedRates: route.plannedRates, execution: undefined };
    venue.market.onMessage(new MessageView().wrap(msg(1, 4, 1000, 1, [{ type: 7, name: "PoolSync", venue: 65000, flags: 0, token0Decimals: 18, token1Decimals: 18, pool: V2, reserve0: R0, reserve1: (R1 * 102n) / 100n, blockNumber: 20n, logIndex: 0, blockTimestamp: 0n }])));
    w.stages.portfolio.dex!.routes.set(moved);
    const e = venue.dexVenue!.execute(moved);
    expect(e).toMatchObject({ reverted: true, revertReason: "poolMoved", gasUsd: GAS_USD, gasWei: GAS_WEI, flashFee: 0n, amountOut: 0n });
    // Executed after validUntil: reverts expired, gas still paid.
    const late = { ...route, orderId: 1000n, validUntil: venue.market.now - 1n, execution: undefined };
    expect(venue.dexVenue!.execute(late)).toMatchObject({ reverted: true, revertReason: "expired", gasUsd: GAS_USD, netPnlUsd: -GAS_USD });
  });
});

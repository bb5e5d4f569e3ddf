/**
 * The DEX book in the portfolio snapshot (version 2): snapshot at any point + replay of the journal tail
 * equals a full replay — token balances, USD totals, recent and booked fills, and the routes of DEX orders
 * in flight at the snapshot (restored into the route table, so their fills after a restart are booked).
 * A version-1 snapshot is refused (SnapshotError "version": the service's fail-closed path).
 */

import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { AssetType, MessageView, RelayDomain, Side, Venue, pairInstrument, type Tlv } from "../../../protocol/mod.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { DexRouteTable, type DexRoute } from "../../../trading/dex/route-table.ts";
import { PortfolioConfigSchema } from "../../../trading/portfolio/config.ts";
import { DexBook, dexBookJson } from "../../../trading/portfolio/dex-book.ts";
import { Portfolio } from "../../../trading/portfolio/portfolio.ts";
import { SnapshotError } from "../../../trading/snapshot-codec.ts";
import { msg } from "../helpers.ts";

const E8 = 100_000_000n;
const WMATIC = "0x3721000000000000000000000000000000000001";
const USDC = "0xf3cb000000000000000000000000000000000002";
const CEX = pairInstrument("BTC", "USD", Venue.Coinbase);
const TOKEN = { assetId: 7n, venue: 0, assetType: AssetType.Token };

type Op =
  | { kind: "plan"; id: number; amountIn: number; out: number; reverted: boolean; gas: number }
  | { kind: "dexFill"; pick: number }
  | { kind: "cexFill"; side: number; qty: number; price: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("plan" as const), id: fc.nat(5), amountIn: fc.integer({ min: 1, max: 1e6 }), out: fc.integer({ min: 0, max: 2e6 }), reverted: fc.boolean(), gas: fc.integer({ min: 1, max: 1e6 }) }),
  fc.record({ kind: fc.constant("dexFill" as const), pick: fc.nat(40) }),
  fc.record({ kind: fc.constant("cexFill" as const), side: fc.constantFrom(Side.Buy, Side.Sell), qty: fc.integer({ min: 1, max: 5 }), price: fc.integer({ min: 90, max: 110 }) }),
);

function route(orderId: bigint, op: Extract<Op, { kind: "plan" }>): DexRoute {
  const amountIn = BigInt(op.amountIn) * 10n ** 12n;
  const amountOut = op.reverted ? 0n : BigInt(op.out) * 10n ** 12n;
  const flashFee = op.reverted ? 0n : (amountIn * 5n + 5000n) / 10_000n;
  const gasWei = BigInt(op.gas) * 10n ** 9n;
  const tokenPnlUsd = op.reverted ? 0n : (amountOut - amountIn - flashFee) / 10n ** 10n;
  return {
    orderId, signalId: BigInt(op.id) + 1000n, strategyId: 31, chainId: 137, pools: ["0xaa", "0xbb"], venues: [300, 301], tokenIn: USDC, tokenOut: WMATIC,
    amountIn, minAmountOut: amountIn, expectedOut: amountIn + 1n, validUntil: 10n ** 18n, maxGasPriceWei: 10n ** 12n, expectedProfitUsd: 5n * E8,
    netProfitUsd: 4n * E8, plannedRates: [1.0625, 0.940004],
    execution: {
      reverted: op.reverted, ...(op.reverted ? { revertReason: "minAmountOut" as const } : {}), amountOut, flashFee, gasWei, gasPriceWei: 30n * 10n ** 9n,
      gasUsd: BigInt(op.gas), flashFeeUsd: flashFee / 10n ** 10n, tokenPnlUsd, netPnlUsd: tokenPnlUsd - BigInt(op.gas), executedAt: 5n,
    },
  };
}

/** The journal of a session (messages), with the route plans between them — as the planner writes the route table live. */
type Step = { plan: DexRoute } | { message: Uint8Array };

function session(ops: Op[]): Step[] {
  const steps: Step[] = [];
  const planned: bigint[] = [];
  let seq = 0;
  let next = 100n;
  for (const op of ops) {
    seq++;
    const fill = (tlv: Tlv) => steps.push({ message: msg(RelayDomain.Execution, 41, seq, seq, [tlv]) });
    if (op.kind === "plan") {
      const id = next++;
      planned.push(id);
      steps.push({ plan: route(id, op) });
    } else if (op.kind === "dexFill") {
      // Mostly a planned order (some twice: a duplicate is booked once), sometimes one whose route this process never held.
      const orderId = op.pick < 36 && planned.length > 0 ? planned[op.pick % planned.length]! : 9000n + BigInt(op.pick);
      fill({ type: 42, name: "Fill", orderId, instrument: TOKEN, side: Side.Sell, liquidity: 2, price: E8, quantity: E8, fee: 1000n, filledAt: BigInt(seq) });
    } else {
      fill({
        type: 42, name: "Fill", orderId: next++, instrument: CEX, side: op.side, liquidity: 2, price: BigInt(op.price) * E8, quantity: BigInt(op.qty) * E8,
        fee: 100n, filledAt: BigInt(seq),
      });
    }
  }
  return steps;
}

const config = () => v.parse(PortfolioConfigSchema, {});
function fresh(): { portfolio: Portfolio; routes: DexRouteTable; book: DexBook } {
  const routes = new DexRouteTable();
  const book = new DexBook();
  const portfolio = new Portfolio(config(), new MarketState(), undefined, true, {
    routes, book, nativeToken: (chain) => (chain === 137 ? WMATIC : undefined), label: (a) => ({ symbol: a.slice(0, 6), decimals: 18 }),
  });
  return { portfolio, routes, book };
}
const label = (a: string) => ({ symbol: a.slice(0, 6), decimals: 18 });
function run(state: ReturnType<typeof fresh>, steps: Step[]): void {
  const view = new MessageView();
  for (const s of steps) {
    if ("plan" in s) state.routes.set(structuredClone(s.plan));
    else state.portfolio.onMessage(view.wrap(s.message));
  }
}
const roundTrip = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe("portfolio snapshot with the DEX book", () => {
  it("snapshot at any point + replay of the journal tail == full replay, DEX book included", () => {
    let booked = 0;
    let carried = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(), (ops, cut) => {
        const steps = session(ops);
        const k = cut % (steps.length + 1);
        const full = fresh();
        run(full, steps);
        const head = fresh();
        run(head, steps.slice(0, k));
        const snap = roundTrip(head.portfolio.toSnapshot()) as { version: number; dex: { routes: unknown[] } };
        expect(snap.version).toBe(2);
        carried += snap.dex.routes.length;
        const restored = fresh();
        restored.portfolio.restore(snap);
        run(restored, steps.slice(k));
        expect(restored.portfolio.toSnapshot()).toEqual(full.portfolio.toSnapshot());
        expect(dexBookJson(restored.book, label)).toEqual(dexBookJson(full.book, label));
        expect(restored.book.totals).toEqual(full.book.totals);
        expect(restored.portfolio.totals()).toEqual(full.portfolio.totals());
        expect(restored.portfolio.dexFillsWithoutRoute).toBe(full.portfolio.dexFillsWithoutRoute);
        booked += full.book.totals.fills;
      }),
      { numRuns: 200, seed: 17 },
    );
    // The property was exercised: fills were booked, and routes in flight crossed a snapshot.
    expect(booked).toBeGreaterThan(100);
    expect(carried).toBeGreaterThan(20);
  });

  it("restores balances and USD totals exactly (not from zero) after a restart", () => {
    const steps = session([
      { kind: "plan", id: 1, amountIn: 1000, out: 1200, reverted: false, gas: 7 },
      { kind: "plan", id: 2, amountIn: 500, out: 0, reverted: true, gas: 9 },
      { kind: "dexFill", pick: 0 },
      { kind: "dexFill", pick: 1 },
    ]);
    const a = fresh();
    run(a, steps.slice(0, 3)); // route 2 planned, its fill not yet seen
    const b = fresh();
    b.portfolio.restore(roundTrip(a.portfolio.toSnapshot()));
    expect(b.book.totals).toEqual({ tokenPnlUsd: a.book.totals.tokenPnlUsd, gasUsd: 7n, flashFeeUsd: a.book.totals.flashFeeUsd, netUsd: a.book.totals.tokenPnlUsd - 7n, fills: 1, succeeded: 1, reverted: 0 });
    const premium = (1000n * 10n ** 12n * 5n + 5000n) / 10_000n;
    expect(b.book.balances.get(USDC)).toBe(200n * 10n ** 12n - premium);
    expect(b.book.balances.get(WMATIC)).toBe(-7n * 10n ** 9n);
    expect(b.routes.get(101n)?.execution?.revertReason).toBe("minAmountOut");
    run(b, steps.slice(3)); // the reverted route's fill after the restart: booked from the restored route
    expect(b.book.totals.reverted).toBe(1);
    expect(b.book.balances.get(WMATIC)).toBe(-16n * 10n ** 9n);
    expect(b.portfolio.dexFillsWithoutRoute).toBe(0);
  });

  it("refuses a version-1 snapshot and a DEX book for a portfolio without DEX, changing nothing", () => {
    const a = fresh();
    run(a, session([{ kind: "plan", id: 1, amountIn: 10, out: 20, reverted: false, gas: 1 }, { kind: "dexFill", pick: 0 }, { kind: "cexFill", side: Side.Buy, qty: 1, price: 100 }]));
    const snap = roundTrip(a.portfolio.toSnapshot()) as Record<string, unknown>;
    const { dex: _dex, ...v1 } = snap;
    const b = fresh();
    const before = b.portfolio.toSnapshot();
    const err = (() => { try { b.portfolio.restore({ ...v1, version: 1 }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).message).toMatch(/version.*this build reads version 2/);
    expect(b.portfolio.toSnapshot()).toEqual(before);
    const plain = new Portfolio(config(), new MarketState());
    expect(() => plain.restore(snap)).toThrow(/dex.*no dex section/);
    expect(plain.totals().fills).toBe(0);
    expect(plain.toSnapshot().dex).toBeNull();
  });
});

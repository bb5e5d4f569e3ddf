/**
 * `GET /portfolio` in the readable form: every position names its instrument (symbol, venue) and gives
 * quantity, average price, mark, realized/unrealized P&L and fees as exact decimals with their currency;
 * P&L is summed per quote currency (`pnl`), and a `total` is given only when every position is quoted in
 * the same currency (no conversion rates are known to the system, so none is invented; `totalNote` says
 * which case applies). The execution service's own figures (scaled by 10^8) never reach people.
 *
 * @module
 */

import { formatDecimal } from "../../protocol/mod.ts";
import { amount8, scaledInt, type Amount } from "./amount.ts";
import { currenciesOf, readableInstrument, type RawInstrument, type ReadableInstrument } from "./instrument.ts";

/** One position, readable. */
export interface ReadablePosition {
  instrument: ReadableInstrument;
  /** Signed, in the base currency. */
  quantity: Amount;
  /** Average entry price, in the quote currency (per 1 base). */
  averagePrice: Amount;
  /** Last mark price (quote per base), null when none is known. */
  mark: Amount | null;
  realized: Amount;
  unrealized: Amount;
  fees: Amount;
}

/** P&L of every position quoted in one currency. */
export interface CurrencyPnl {
  currency: string | null;
  realized: Amount;
  unrealized: Amount;
  fees: Amount;
  /** realized + unrealized − fees. */
  net: Amount;
  /** Positions quoted in this currency. */
  positions: number;
}

/** A total over all positions: only when they share one quote currency. */
export interface PnlTotal extends Omit<CurrencyPnl, "positions"> {
  /** Slippage paid against the signals' expected prices. */
  slippageCost: Amount;
  /** The conversion used: `none` (one currency). */
  conversion: "none";
}

interface RawPosition {
  instrument: RawInstrument;
  quantity: unknown;
  averagePrice: unknown;
  realized: unknown;
  unrealized: unknown;
  fees: unknown;
  mark?: unknown;
}

function readablePosition(p: RawPosition, at: string): ReadablePosition {
  const instrument = readableInstrument(p.instrument);
  const [base, quote] = currenciesOf(instrument);
  return {
    instrument,
    quantity: amount8(p.quantity, base, `${at}.quantity`),
    averagePrice: amount8(p.averagePrice, quote, `${at}.averagePrice`),
    mark: p.mark === undefined || p.mark === null ? null : amount8(p.mark, quote, `${at}.mark`),
    realized: amount8(p.realized, quote, `${at}.realized`),
    unrealized: amount8(p.unrealized, quote, `${at}.unrealized`),
    fees: amount8(p.fees, quote, `${at}.fees`),
  };
}

/** Sums per quote currency, in order of first appearance sorted by name. */
function pnlByCurrency(raw: RawPosition[], readable: ReadablePosition[]): CurrencyPnl[] {
  const sums = new Map<string | null, { realized: bigint; unrealized: bigint; fees: bigint; positions: number }>();
  raw.forEach((p, i) => {
    const currency = readable[i]!.realized.currency;
    const s = sums.get(currency) ?? { realized: 0n, unrealized: 0n, fees: 0n, positions: 0 };
    s.realized += scaledInt(p.realized, `positions[${i}].realized`);
    s.unrealized += scaledInt(p.unrealized, `positions[${i}].unrealized`);
    s.fees += scaledInt(p.fees, `positions[${i}].fees`);
    s.positions++;
    sums.set(currency, s);
  });
  const money = (x: bigint, currency: string | null): Amount => ({ amount: formatDecimal(x, 8), currency });
  return [...sums].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([currency, s]) => ({
    currency, realized: money(s.realized, currency), unrealized: money(s.unrealized, currency), fees: money(s.fees, currency),
    net: money(s.realized + s.unrealized - s.fees, currency), positions: s.positions,
  }));
}

/** The readable `/portfolio` answer from the execution service's `portfolio` control reply. */
export function readablePortfolio(rawAnswer: unknown): Record<string, unknown> {
  const raw = (rawAnswer ?? {}) as Record<string, unknown>;
  const rawPositions = (Array.isArray(raw.positions) ? raw.positions : []) as RawPosition[];
  const positions = rawPositions.map((p, i) => readablePosition(p, `positions[${i}]`));
  const pnl = pnlByCurrency(rawPositions, positions);
  const t = (raw.totals ?? {}) as Record<string, unknown>;
  const only = pnl.length === 1 ? pnl[0]! : undefined;
  const total: PnlTotal | null = only === undefined ? null : {
    currency: only.currency, realized: only.realized, unrealized: only.unrealized, fees: only.fees, net: only.net,
    slippageCost: amount8(t.slippageCost ?? "0", only.currency, "totals.slippageCost"), conversion: "none",
  };
  const totalNote = only !== undefined
    ? `every position is quoted in ${only.currency ?? "an unnamed currency"}: the total needs no conversion`
    : pnl.length === 0
      ? "no positions: nothing to total"
      : `positions are quoted in ${pnl.map((p) => p.currency ?? "an unnamed currency").join(", ")} and the system knows no conversion rate between them: see pnl for each`;
  const { positions: _p, totals: _t, dex, ...rest } = raw;
  return {
    ...rest,
    positions,
    pnl,
    total,
    totalNote,
    totals: {
      fills: Number(t.fills ?? 0), roundTrips: Number(t.roundTrips ?? 0), wins: Number(t.wins ?? 0), winRate: Number(t.winRate ?? 0),
      slippageBps: Number(t.slippageBps ?? 0),
    },
    ...(dex === undefined ? {} : { dex: readableDex(dex) }),
  };
}

/** The DEX part: already decimal text with units; the raw token integers are dropped and times made ISO. */
function readableDex(dex: unknown): unknown {
  const d = dex as Record<string, unknown>;
  const balances = Array.isArray(d.balances) ? d.balances.map((b) => {
    const { raw: _raw, ...rest } = b as Record<string, unknown>;
    return rest;
  }) : d.balances;
  const recentFills = Array.isArray(d.recentFills) ? d.recentFills.map((f) => {
    const fill = f as Record<string, unknown>;
    const ns = typeof fill.executedAt === "string" && /^\d+$/.test(fill.executedAt) ? BigInt(fill.executedAt) : undefined;
    return ns === undefined ? fill : { ...fill, executedAt: new Date(Number(ns / 1_000_000n)).toISOString() };
  }) : d.recentFills;
  return { ...d, balances, recentFills };
}

/**
 * The backtest report as data (`report.json`): every fill, the equity curve, per-currency figures and a
 * per-strategy breakdown. Prices, quantities and amounts are exact decimal strings (scale 1e8; products
 * of two such at 1e16), with their symbols and currencies; times are ISO 8601 with nanoseconds beside the
 * raw nanosecond count. Nothing in it depends on the host (no wall time, no absolute paths), so the same
 * data and config give the same bytes on Node and Deno.
 *
 * @example
 * ```ts
 * const report = buildReport(result);
 * await writeFile("report.json", reportJson(report));
 * ```
 * @module
 */

import { basename } from "node:path";
import { formatDecimal, formatInstrument, instrumentSymbol, Side, type InstrumentId } from "../../protocol/mod.ts";
import { floorDiv } from "../../trading/portfolio/position.ts";
import type { BacktestResult } from "./engine.ts";
import { quoteCurrency } from "./equity.ts";
import { instrumentKey, type FillRecord } from "./recorder.ts";
import { TRADE_DEFINITIONS, TradeLedger, tradeAverages, winRate, type TradeStats } from "./report-trades.ts";
import { curveFigures, netAt } from "./stats.ts";

/** Version tag of the report's shape. */
export const REPORT_FORMAT = "alphapulse-backtest-report/2";

const E8 = 100_000_000n;

/** ISO 8601 UTC with nanoseconds. */
export function isoNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 23)}${String(ns % 1_000_000n).padStart(6, "0")}Z`;
}

const d8 = (x: bigint): string => formatDecimal(x, 8);
const d16 = (x: bigint): string => formatDecimal(x, 16);
const round = (x: number | null, digits = 6): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

/** One instrument of the report. */
export interface ReportInstrument {
  name: string;
  symbol: string | null;
  quote: string;
  venue: number;
  assetType: number;
}

/** The report (see module docs); the JSON form is this object. */
export type Report = ReturnType<typeof buildReport>;

/** Builds the report of a run. */
export function buildReport(result: BacktestResult) {
  const rec = result.recorder;
  const instruments = new Map<string, ReportInstrument>();
  const note = (id: InstrumentId): string => {
    const key = instrumentKey(id);
    let r = instruments.get(key);
    if (r === undefined) instruments.set(key, (r = { name: formatInstrument(id), symbol: instrumentSymbol(id) ?? null, quote: quoteCurrency(id), venue: id.venue, assetType: id.assetType }));
    return r.name;
  };
  for (const p of result.equity) for (const key of p.marks.keys()) if (!instruments.has(key)) instruments.set(key, keyInstrument(key));
  const quoteOfKey = (key: string): string => instruments.get(key)?.quote ?? keyInstrument(key).quote;

  const fills = rec.fills.map((f) => {
    const name = note(f.instrument);
    const notional = f.price * f.quantity;
    const slip = f.decisionMid === undefined ? undefined : (f.side === Side.Buy ? f.price - f.decisionMid : f.decisionMid - f.price) * f.quantity;
    return {
      seq: f.seq, time: isoNs(f.at), timeNs: String(f.at), orderId: String(f.orderId), strategyId: f.strategyId, instrument: name,
      side: f.side === Side.Buy ? "buy" : "sell", liquidity: f.liquidity === 1 ? "maker" : "taker", price: d8(f.price), quantity: d8(f.quantity),
      notional: d16(notional), fee: d8(f.fee), currency: quoteCurrency(f.instrument),
      decisionTime: f.decisionAt === undefined ? null : isoNs(f.decisionAt), decisionTimeNs: f.decisionAt === undefined ? null : String(f.decisionAt),
      decisionMid: f.decisionMid === undefined ? null : d8(f.decisionMid), slippage: slip === undefined ? null : d16(slip),
    };
  });

  const ledger = tradeLedger(rec.fills);
  const counts = ledger.counts();
  const last = result.equity[result.equity.length - 1];
  const currencies = [...new Set([...rec.fills.map((f) => quoteCurrency(f.instrument)), ...(last?.currencies.keys() ?? [])])].sort();
  const perCurrency: Record<string, unknown> = {};
  for (const cur of currencies) {
    const c = last?.currencies.get(cur) ?? { realized: 0n, unrealized: 0n, fees: 0n };
    let slip = 0n;
    let slipNotional = 0n;
    let realizedExact = 0n;
    for (const f of rec.fills) {
      if (quoteCurrency(f.instrument) !== cur || f.decisionMid === undefined) continue;
      slip += (f.side === Side.Buy ? f.price - f.decisionMid : f.decisionMid - f.price) * f.quantity;
      slipNotional += f.decisionMid * f.quantity;
    }
    for (const b of rec.strategies.values()) for (const p of b.positions.values()) if (quoteCurrency(p.instrument) === cur) realizedExact += p.position.realized;
    const fig = curveFigures(result.equity, cur, result.capital, result.equityIntervalMs, quoteOfKey);
    perCurrency[cur] = {
      realized: d8(c.realized), realizedExact: d16(realizedExact), unrealized: d8(c.unrealized), fees: d8(c.fees),
      net: d8(c.realized + c.unrealized - c.fees),
      slippageVsDecisionMid: d16(slip), slippageBps: slipNotional === 0n ? 0 : round(Number((slip * 100_000_000n) / slipNotional) / 10_000, 4),
      maxDrawdown: d8(fig.maxDrawdown), maxDrawdownPct: round(fig.maxDrawdownShare * 100, 6),
      sharpe: round(fig.sharpe), sortino: round(fig.sortino), annualizedSharpe: round(fig.sharpe === null ? null : fig.sharpe * fig.annualization),
      annualizedSortino: round(fig.sortino === null ? null : fig.sortino * fig.annualization), returns: fig.returns,
      timeInMarketPct: round(fig.timeInMarket * 100, 4), maxGrossExposure: d8(fig.maxGrossExposure),
      trades: tradeFigures(ledger.stats(cur)),
    };
  }

  const byId = new Map(result.strategies.map((s) => [s.strategyId, s.name]));
  const strategies = [...rec.strategies.values()].sort((a, b) => a.strategyId - b.strategyId).map((b) => {
    const sums = new Map<string, { realized: bigint; fees: bigint; position: Record<string, string> }>();
    for (const p of b.positions.values()) {
      const q = quoteCurrency(p.instrument);
      let x = sums.get(q);
      if (x === undefined) sums.set(q, (x = { realized: 0n, fees: 0n, position: {} }));
      x.realized += floorDiv(p.position.realized, E8);
      x.fees += p.position.fees;
      x.position[note(p.instrument)] = d8(p.position.quantity);
    }
    const own = tradeLedger(rec.fills.filter((f) => f.strategyId === b.strategyId));
    const ownCounts = own.counts();
    const cur = Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([q, x]) => [q, {
      realized: d8(x.realized), fees: d8(x.fees), net: d8(x.realized - x.fees), position: x.position, trades: tradeFigures(own.stats(q)),
    }]));
    return {
      strategyId: b.strategyId, name: byId.get(b.strategyId) ?? null, orders: b.orders, rejected: b.rejected, expired: b.expired, fills: b.fills,
      ...ownCounts, winRate: round(winRate(ownCounts), 6), currencies: cur,
    };
  });

  const curve = result.equity.map((p) => {
    const cur: Record<string, { realized: string; unrealized: string; fees: string; net: string }> = {};
    for (const c of currencies) {
      const x = p.currencies.get(c) ?? { realized: 0n, unrealized: 0n, fees: 0n };
      cur[c] = { realized: d8(x.realized), unrealized: d8(x.unrealized), fees: d8(x.fees), net: d8(netAt(p, c)) };
    }
    const positions: Record<string, string> = {};
    for (const [k, q] of p.positions) positions[instruments.get(k)?.name ?? k] = d8(q);
    const marks: Record<string, string> = {};
    for (const [k, m] of p.marks) marks[instruments.get(k)?.name ?? k] = d8(m);
    return { t: Number(p.tNs / 1000n) / 1000, time: isoNs(p.tNs), currencies: cur, positions, marks };
  });

  return {
    format: REPORT_FORMAT,
    config: basename(result.config.file),
    inputs: result.inputs,
    period: {
      from: result.messages === 0 ? null : isoNs(result.firstNs), to: result.messages === 0 ? null : isoNs(result.lastNs),
      seconds: Number((result.lastNs - result.firstNs) / 1_000_000n) / 1000,
    },
    messages: { handled: result.messages, skipped: result.skipped },
    capital: d8(result.capital),
    ratios: {
      returns: `change of net P&L ÷ capital over each ${result.equityIntervalMs} ms of simulated time`,
      annualization: `× √(intervals per 365-day year) = √${(365 * 86_400_000) / result.equityIntervalMs}`,
    },
    definitions: TRADE_DEFINITIONS,
    summary: {
      orders: rec.orders, rejected: rec.rejected, expired: rec.expired, fills: rec.fills.length, ...counts,
      winRate: round(winRate(counts), 6), ordersInFlightAtEnd: result.ordersInFlight, currencies: perCurrency,
    },
    strategies,
    instruments: Object.fromEntries([...instruments.values()].map((i) => [i.name, i])),
    fills,
    equity: { intervalMs: result.equityIntervalMs, points: curve },
  };
}

/** The trade ledger of some fills (per strategy and instrument, see report-trades.ts). */
export function tradeLedger(fills: readonly FillRecord[]): TradeLedger {
  const ledger = new TradeLedger();
  for (const f of fills) ledger.apply(`${f.strategyId}|${instrumentKey(f.instrument)}`, quoteCurrency(f.instrument), f.side, f.price, f.quantity, f.fee);
  return ledger;
}

function tradeFigures(s: TradeStats) {
  const a = tradeAverages(s);
  return {
    trades: s.trades, wins: s.wins, losses: s.losses, breakEven: s.breakEven, winRate: round(winRate(s), 6),
    grossProfit: d16(s.grossProfit), grossLoss: d16(s.grossLoss), net: d16(s.net),
    averageWin: d16(a.averageWin), averageLoss: d16(a.averageLoss), profitFactor: round(a.profitFactor),
  };
}

function keyInstrument(key: string): ReportInstrument {
  const [a, v, t] = key.split(":");
  const id: InstrumentId = { assetId: BigInt(a!), venue: Number(v), assetType: Number(t) };
  return { name: formatInstrument(id), symbol: instrumentSymbol(id) ?? null, quote: quoteCurrency(id), venue: id.venue, assetType: id.assetType };
}

/** The JSON text of a report (two-space indent, final newline). */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

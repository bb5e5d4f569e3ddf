/**
 * The terminal summary of a backtest report: period and data, orders and fills, win rate, and per quote
 * currency realized/unrealized P&L, fees, slippage, maximum drawdown, Sharpe/Sortino (with the period they
 * are computed over) and exposure; then one line per strategy.
 *
 * @example
 * ```ts
 * process.stdout.write(summaryText(buildReport(result)));
 * ```
 * @module
 */

import type { Report } from "./report.ts";

interface CurrencyFigures {
  realized: string;
  unrealized: string;
  fees: string;
  net: string;
  slippageVsDecisionMid: string;
  slippageBps: number;
  maxDrawdown: string;
  maxDrawdownPct: number;
  sharpe: number | null;
  sortino: number | null;
  annualizedSharpe: number | null;
  annualizedSortino: number | null;
  returns: number;
  timeInMarketPct: number;
  maxGrossExposure: string;
  trades: { trades: number; wins: number; losses: number; averageWin: string; averageLoss: string; profitFactor: number | null };
}

const num = (x: number | null, digits = 3): string => (x === null ? "n/a" : x.toFixed(digits));

/** Rounds an exact decimal string to `digits` places for display (truncating toward zero). */
export function shortDecimal(s: string, digits = 4): string {
  const dot = s.indexOf(".");
  if (dot < 0) return s;
  let t = s.slice(0, dot + 1 + digits).replace(/0+$/, "");
  if (t.endsWith(".")) t = t.slice(0, -1);
  return t === "-0" ? "0" : t;
}

/** The summary as text lines (see module docs). */
export function summaryText(report: Report, wallSeconds?: number): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`backtest ${report.config} over ${report.inputs.map((i) => i.name).join(", ")}`);
  lines.push(`  period      ${report.period.from ?? "-"} → ${report.period.to ?? "-"} (${report.period.seconds} s simulated)`);
  lines.push(`  data        ${report.messages.handled} messages${report.messages.skipped > 0 ? ` (${report.messages.skipped} skipped)` : ""}${wallSeconds === undefined ? "" : ` in ${wallSeconds.toFixed(2)} s wall, ${Math.round(report.messages.handled / Math.max(wallSeconds, 1e-9))} msg/s`}`);
  lines.push(`  orders      ${s.orders} (${s.rejected} rejected, ${s.expired} expired)   fills ${s.fills}   trades ${s.trades} (closes: ${s.wins} won, ${s.losses} lost; ${s.positionsOpened} positions opened, ${s.roundTrips} back to flat), win rate ${(s.winRate! * 100).toFixed(1)}%`);
  for (const [cur, raw] of Object.entries(s.currencies)) {
    const c = raw as CurrencyFigures;
    lines.push(`  ${cur.padEnd(11)} realized ${shortDecimal(c.realized)}  unrealized ${shortDecimal(c.unrealized)}  fees ${shortDecimal(c.fees)}  net ${shortDecimal(c.net)}`);
    lines.push(`  ${"".padEnd(11)} slippage ${shortDecimal(c.slippageVsDecisionMid)} (${c.slippageBps} bps vs decision mid)  max drawdown ${shortDecimal(c.maxDrawdown)} (${num(c.maxDrawdownPct, 4)}% of capital+P&L)`);
    lines.push(`  ${"".padEnd(11)} Sharpe ${num(c.sharpe)} / Sortino ${num(c.sortino)} per ${report.equity.intervalMs} ms (${c.returns} returns; annualized ${num(c.annualizedSharpe, 2)} / ${num(c.annualizedSortino, 2)})`);
    lines.push(`  ${"".padEnd(11)} trades: average win ${shortDecimal(c.trades.averageWin)}  average loss ${shortDecimal(c.trades.averageLoss)}  profit factor ${num(c.trades.profitFactor)} (net of fees)`);
    lines.push(`  ${"".padEnd(11)} exposure: in the market ${c.timeInMarketPct}% of the time, largest ${shortDecimal(c.maxGrossExposure, 2)} ${cur}`);
  }
  for (const st of report.strategies) {
    const cur = Object.entries(st.currencies).map(([q, x]) => `${q} realized ${shortDecimal(x.realized)} fees ${shortDecimal(x.fees)}`).join("; ");
    lines.push(`  strategy ${st.name ?? "?"}#${st.strategyId}: ${st.orders} orders, ${st.fills} fills, ${st.trades} trades, win ${((st.winRate ?? 0) * 100).toFixed(1)}%${cur ? `; ${cur}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

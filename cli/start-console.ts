/**
 * What `ap start` shows people: the banner (API, dashboard, token, runtime and state directories, log
 * file) and, on a terminal, one status line redrawn in place once a second from the API (`/stats`,
 * `/portfolio`, `/health`, with the token): market-data messages/s, signals, orders, fills, P&L per
 * quote currency, and what needs attention (trading state, alerts, degraded services, warnings and
 * errors in the log).
 *
 * @module
 */

import { parseDecimal } from "../protocol/mod.ts";

/** What the banner names. */
export interface BannerInfo {
  configFile: string;
  inline: boolean;
  /** `threads`: every service in a worker thread of this process (their pid is this process's). */
  threads?: boolean;
  apiUrl: string;
  token: string;
  runtimeDir: string;
  stateDir: string;
  logFile: string;
}

/** The banner, as lines of text (last line empty). */
export function bannerText(b: BannerInfo): string {
  return [
    "AlphaPulse is running" + (b.inline ? " (inline)" : b.threads ? " (threads: every service a worker thread of this process)" : "") + ` from ${b.configFile}`,
    `  API        ${b.apiUrl}  (GET /health, /metrics; the rest needs the token)`,
    `  Dashboard  ${b.apiUrl}/`,
    `  Token      ${b.token}`,
    `  Runtime    ${b.runtimeDir}  (sockets, lock)`,
    `  State      ${b.stateDir}  (journal, snapshots, trading state)`,
    `  Log        ${b.logFile}`,
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}

/** The figures of one status line. */
export interface StatusFigures {
  messagesPerSecond: number;
  signals: number;
  orders: number;
  fills: number;
  /** Net P&L (realized + unrealized − fees) per quote currency, as decimal text. */
  pnl: Record<string, string>;
  tradingState: string;
  alerts: string[];
  degraded: string[];
  warnings: number;
  errors: number;
  /** Set when the API could not be read. */
  unreachable?: string;
}

interface StatsRow {
  name: string;
  kind: string;
  up: boolean;
  state: number;
  messagesPerSecond: number;
  processed: string;
}

const E8 = 100_000_000n;

/** `123456789n` e8 → `"1.23"` (two decimals, sign kept). */
export function formatE8(value: bigint): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const cents = (abs + E8 / 200n) / (E8 / 100n);
  return `${neg && cents > 0n ? "-" : ""}${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
}


/** Net P&L per quote currency from `/portfolio`'s `pnl` (exact decimal text per currency), two decimals each. */
export function pnlByQuote(pnl: unknown): Record<string, string> {
  const sums = new Map<string, bigint>();
  for (const p of Array.isArray(pnl) ? pnl : []) {
    const row = p as { currency?: unknown; net?: { amount?: unknown } };
    const quote = typeof row.currency === "string" ? row.currency : "?";
    sums.set(quote, (sums.get(quote) ?? 0n) + e8(row.net?.amount));
  }
  return Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)).map(([q, v]) => [q, formatE8(v)]));
}

/** Exact decimal text → × 10^8 (0 for anything else). */
function e8(x: unknown): bigint {
  try {
    return typeof x === "string" ? parseDecimal(x, 8, "amount").value : 0n;
  } catch {
    return 0n;
  }
}

async function getJson(url: string, token: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  const body = await res.json();
  if (!res.ok && res.status !== 503) throw new Error(`${new URL(url).pathname}: HTTP ${res.status}`);
  return body;
}

/** Reads the figures of a status line from the API. */
export async function readStatus(apiUrl: string, token: string, log: { warnings: number; errors: number }, timeoutMs = 900): Promise<StatusFigures> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const [stats, portfolio, health] = await Promise.all([
      getJson(`${apiUrl}/stats`, token, ac.signal) as Promise<StatsRow[]>,
      getJson(`${apiUrl}/portfolio`, token, ac.signal).catch(() => ({})) as Promise<Record<string, unknown>>,
      getJson(`${apiUrl}/health`, token, ac.signal).catch(() => ({})) as Promise<{ dependencies?: { name: string; status: string }[] }>,
    ]);
    const row = (name: string) => stats.find((s) => s.name === name);
    const totals = (portfolio.totals ?? {}) as { fills?: unknown };
    const degraded = new Set<string>();
    for (const s of stats) if (!s.up || s.state === 3) degraded.add(s.name);
    for (const d of health.dependencies ?? []) if (d.status !== "up") degraded.add(d.name);
    const alerts = Array.isArray(portfolio.alerts) ? (portfolio.alerts as { name?: string }[]).map((a) => String(a.name)) : [];
    return {
      messagesPerSecond: row("relay-market-data")?.messagesPerSecond ?? 0,
      signals: Number(row("relay-signal")?.processed ?? 0),
      orders: Number((portfolio.orders as { planned?: unknown } | undefined)?.planned ?? 0),
      fills: Number(totals.fills ?? 0),
      pnl: pnlByQuote(portfolio.pnl),
      tradingState: String(portfolio.tradingState ?? "?"),
      alerts,
      degraded: [...degraded].sort(),
      warnings: log.warnings,
      errors: log.errors,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** One status line (no newline). */
export function statusLine(f: StatusFigures, now: Date = new Date()): string {
  const time = now.toTimeString().slice(0, 8);
  const pnl = Object.entries(f.pnl).map(([q, v]) => `${v} ${q}`).join(", ") || "0";
  const parts = [
    time,
    `${Math.round(f.messagesPerSecond)} msg/s`,
    `signals ${f.signals}`,
    `orders ${f.orders}`,
    `fills ${f.fills}`,
    `P&L ${pnl}`,
    `trading ${f.tradingState}`,
  ];
  if (f.alerts.length > 0) parts.push(`alerts: ${f.alerts.join(", ")}`);
  if (f.degraded.length > 0) parts.push(`degraded: ${f.degraded.join(", ")}`);
  if (f.errors + f.warnings > 0) parts.push(`log: ${f.errors} errors, ${f.warnings} warnings`);
  if (f.unreachable) parts.push(`API: ${f.unreachable}`);
  return parts.join(" · ");
}

/** The live status line on a terminal: redrawn in place once a second until stopped. */
export class LiveStatus {
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private last: StatusFigures | undefined;
  private readonly apiUrl: string;
  private readonly token: string;
  private readonly log: { warnings: number; errors: number };
  private readonly write: (text: string) => void;
  private readonly columns: () => number;

  /**
   * @param apiUrl the API
   * @param token its bearer token
   * @param log warning/error counts of the log
   * @param write terminal output
   * @param columns terminal width (lines are cut to it so `\r` redraws one line)
   */
  constructor(apiUrl: string, token: string, log: { warnings: number; errors: number }, write: (text: string) => void, columns: () => number) {
    this.apiUrl = apiUrl;
    this.token = token;
    this.log = log;
    this.write = write;
    this.columns = columns;
  }

  /** Starts redrawing every `intervalMs`. */
  start(intervalMs = 1_000): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  /** Stops and ends the line. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.write("\n");
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.last = await readStatus(this.apiUrl, this.token, this.log);
    } catch (e) {
      const base: StatusFigures = this.last ?? { messagesPerSecond: 0, signals: 0, orders: 0, fills: 0, pnl: {}, tradingState: "?", alerts: [], degraded: [], warnings: 0, errors: 0 };
      this.last = { ...base, warnings: this.log.warnings, errors: this.log.errors, unreachable: (e as Error).name === "AbortError" ? "slow" : (e as Error).message };
    } finally {
      this.busy = false;
    }
    if (this.timer === undefined) return;
    const line = statusLine(this.last);
    const width = Math.max(20, this.columns() - 1);
    this.write(`\r\x1b[2K${line.length > width ? line.slice(0, width - 1) + "…" : line}`);
  }
}

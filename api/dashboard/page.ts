/**
 * The dashboard page, rendered on the server with `hono/html` (auto-escaping templates, no JSX build):
 * the layout of every panel, the dialogs, and a JSON block of settings the client module reads
 * (venue names, well-known token labels, staleness threshold). No data is rendered here: the page
 * loads without the API token, and every figure is fetched by the client with it.
 *
 * @example
 * ```ts
 * app.get("/", (c) => c.html(renderDashboardPage(dashboardSettings())));
 * ```
 * @module
 */

import { html, raw } from "hono/html";
import { Venue } from "../../protocol/mod.ts";

/** What the client is told by the server. */
export interface DashboardSettings {
  /** Where the client files are served from (no trailing slash). */
  assetBase: string;
  /** Venue number → display name (PROTOCOL §6). */
  venues: Record<string, string>;
  /** Lowercase token address → symbol, for pool labels. */
  tokens: Record<string, string>;
  /** A source that sent nothing for this long is marked stale. */
  staleAfterSeconds: number;
  /** REST polling period. */
  pollMs: number;
  /** Entries kept in each feed. */
  feedCap: number;
  /** Seconds of history in each relay chart. */
  historySeconds: number;
  /** Instrument cards shown at most. */
  maxInstruments: number;
  /** Pools listed at most. */
  maxPools: number;
}

/** Well-known ERC-20 addresses on Ethereum and Polygon, so pools read `WETH/USDC` rather than hex. */
const WELL_KNOWN_TOKENS: Record<string, string> = {
  "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": "WETH",
  "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": "USDC",
  "0xdac17f958d2ee523a2206206994597c13d831ec7": "USDT",
  "0x6b175474e89094c44da98b954eedeac495271d0f": "DAI",
  "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599": "WBTC",
  "0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270": "WMATIC",
  "0x2791bca1f2de4661ed88a30c99a7a9449aa84174": "USDC.e",
  "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359": "USDC",
  "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619": "WETH",
  "0xc2132d05d31c914a87c6611c10748aeb04b58e8f": "USDT",
  "0x8f3cf7ad23cd3cadbd9735aff958023239c6a063": "DAI",
  "0x1bfd67037b42cf73acf2047067bd4f2c47d9bfd6": "WBTC",
};

const VENUE_LABELS: Record<string, string> = {
  UniswapV2: "Uniswap V2", UniswapV3: "Uniswap V3", SushiSwapV2: "SushiSwap V2", QuickSwapV2: "QuickSwap V2",
  QuickSwapV3: "QuickSwap V3", UniswapV3Polygon: "Uniswap V3 (Polygon)", SushiSwapV2Polygon: "SushiSwap V2 (Polygon)",
};

/** The default settings: every venue of the protocol, the well-known tokens, 5 s staleness. */
export function dashboardSettings(overrides: Partial<DashboardSettings> = {}): DashboardSettings {
  const venues: Record<string, string> = {};
  for (const [name, n] of Object.entries(Venue)) venues[String(n)] = VENUE_LABELS[name] ?? name;
  return {
    assetBase: "/dashboard", venues, tokens: { ...WELL_KNOWN_TOKENS }, staleAfterSeconds: 5, pollMs: 1_000, feedCap: 100,
    historySeconds: 300, maxInstruments: 24, maxPools: 30, ...overrides,
  };
}

/** JSON safe to embed in a `<script type="application/json">` element. */
function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

function panelHeader(title: string, id: string, extra: unknown = "") {
  return html`<header class="panel-head"><h2>${title}</h2>${extra}<span class="stale-badge" id="${id}-stale" hidden>stale</span></header>`;
}

/** The whole page. */
export function renderDashboardPage(s: DashboardSettings) {
  const a = s.assetBase;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>AlphaPulse · live</title>
<link rel="stylesheet" href="${a}/vendor/uplot.min.css">
<link rel="stylesheet" href="${a}/dashboard.css">
<script type="application/json" id="ap-settings">${raw(embeddedJson(s))}</script>
<script type="module" src="${a}/app.js"></script>
</head>
<body>
<header class="topbar">
  <div class="brand"><span class="logo" aria-hidden="true"></span>AlphaPulse<span class="brand-sub" id="live-badge" data-state="connecting">connecting</span></div>
  <nav class="links" id="links" aria-label="Connections">
    <span class="conn" data-conn="api" title="REST API">API</span>
    <span class="conn" data-conn="market-data" title="/stream market-data">market data</span>
    <span class="conn" data-conn="signal" title="/stream signal">signals</span>
    <span class="conn" data-conn="execution" title="/stream execution">execution</span>
  </nav>
  <div class="trading">
    <span class="muted">Trading</span>
    <span id="trading-state" class="pill" data-state="unknown">—</span>
    <button id="kill-switch" class="btn danger" type="button" disabled>Kill switch</button>
  </div>
  <button id="forget-token" class="btn ghost" type="button" title="Forget the API token in this tab">Sign out</button>
</header>
<div id="banner" class="banner" role="status" hidden></div>
<div id="alerts-banner" class="banner alerts" role="alert" hidden></div>
<main class="grid" id="dashboard" aria-busy="true">
  <section class="panel span-12 kpis" id="panel-summary" aria-label="Summary">
    <div class="kpi"><span class="kpi-label">Realized P&amp;L</span><span class="kpi-value" id="kpi-realized">—</span></div>
    <div class="kpi"><span class="kpi-label">Unrealized P&amp;L</span><span class="kpi-value" id="kpi-unrealized">—</span></div>
    <div class="kpi"><span class="kpi-label">Win rate</span><span class="kpi-value" id="kpi-winrate">—</span></div>
    <div class="kpi"><span class="kpi-label">Open positions</span><span class="kpi-value" id="kpi-positions">—</span></div>
    <div class="kpi"><span class="kpi-label">Market data</span><span class="kpi-value" id="kpi-rate">—</span></div>
    <div class="kpi"><span class="kpi-label">Services up</span><span class="kpi-value" id="kpi-services">—</span></div>
  </section>

  <section class="panel span-12" id="panel-relays">
    ${panelHeader("Relays", "relays", html`<span class="muted small">messages/s and forward latency p50 / p99 (µs), last ${Math.round(s.historySeconds / 60)} min</span>`)}
    <div class="relay-grid" id="relay-charts"><p class="empty">Waiting for /stats…</p></div>
  </section>

  <section class="panel span-8 row-2" id="panel-markets">
    ${panelHeader("Markets", "markets", html`<span class="muted small" id="markets-count"></span>`)}
    <div class="instrument-grid" id="instruments"><p class="empty">No market data yet (trades, quotes and books appear here).</p></div>
  </section>

  <section class="panel span-4" id="panel-pools">
    ${panelHeader("DEX pools", "pools")}
    <div class="table-wrap">
      <table class="table" id="pools-table">
        <thead><tr><th>Pool</th><th class="num">Price · reserves</th></tr></thead>
        <tbody id="pools"></tbody>
      </table>
      <p class="empty" id="pools-empty">No pool events yet (swaps and syncs appear here).</p>
    </div>
  </section>

  <section class="panel span-4" id="panel-controls">
    ${panelHeader("Strategies", "strategies")}
    <ul class="switches" id="strategies"></ul>
    <p class="empty" id="strategies-empty">No strategies configured.</p>
    <header class="panel-head sub"><h2>Circuit breakers</h2><span class="stale-badge" id="breakers-stale" hidden>stale</span></header>
    <table class="table" id="breakers-table">
      <thead><tr><th>Breaker</th><th>State</th><th class="num">Failures</th><th class="num">Opened</th><th></th></tr></thead>
      <tbody id="breakers"></tbody>
    </table>
    <p class="empty" id="breakers-empty">No circuit breakers reported.</p>
  </section>

  <section class="panel span-6" id="panel-signals">
    ${panelHeader("Signals", "signals", html`<span class="muted small" id="signals-count"></span>`)}
    <ol class="feed" id="signals-feed"></ol>
    <p class="empty" id="signals-empty">No signals yet.</p>
  </section>

  <section class="panel span-6" id="panel-execution">
    ${panelHeader("Orders, acks and fills", "execution", html`<span class="muted small" id="execution-count"></span>`)}
    <ol class="feed" id="execution-feed"></ol>
    <p class="empty" id="execution-empty">No orders yet.</p>
  </section>

  <section class="panel span-12" id="panel-portfolio">
    ${panelHeader("Portfolio", "portfolio")}
    <dl class="facts" id="portfolio-facts"></dl>
    <div class="table-wrap" id="portfolio-positions"></div>
    <p class="empty" id="portfolio-empty">Waiting for /portfolio…</p>
    <div id="portfolio-dex" hidden>
      <h3 class="small">DEX (paper flash arbitrage)</h3>
      <dl class="facts" id="portfolio-dex-facts"></dl>
      <div class="table-wrap" id="portfolio-dex-balances"></div>
      <div class="table-wrap" id="portfolio-dex-fills"></div>
    </div>
  </section>

  <section class="panel span-12" id="panel-services">
    ${panelHeader("Services", "services")}
    <div class="table-wrap">
      <table class="table" id="services-table">
        <thead><tr>
          <th>Service</th><th>Kind</th><th>Status</th><th>State</th><th class="num">PID</th><th class="num">Restarts</th>
          <th class="num">Uptime</th><th class="num">msg/s</th><th class="num">p50 <span class="unit">µs</span></th><th class="num">p99 <span class="unit">µs</span></th>
          <th class="num">Processed</th><th class="num">Dropped</th><th class="num">Conns</th>
        </tr></thead>
        <tbody id="services"></tbody>
      </table>
    </div>
  </section>
</main>

<dialog id="token-dialog" class="dialog">
  <form id="token-form" class="dialog-body">
    <h2>API token</h2>
    <p class="muted">The dashboard reads the running system through the API. Paste the token <code>ap start</code> printed; it is kept in this tab only.</p>
    <label for="token-input">Token</label>
    <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <p class="error" id="token-error" role="alert" hidden></p>
    <div class="dialog-actions"><button class="btn primary" type="submit" id="token-submit">Connect</button></div>
  </form>
</dialog>

<dialog id="kill-dialog" class="dialog">
  <form id="kill-form" class="dialog-body">
    <h2 id="kill-title">Engage the kill switch?</h2>
    <p id="kill-text" class="muted">Trading halts: the risk manager rejects every new order until the switch is released.</p>
    <label for="kill-token" id="kill-token-label">API token</label>
    <input id="kill-token" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <p class="error" id="kill-error" role="alert" hidden></p>
    <div class="dialog-actions">
      <button class="btn ghost" type="button" id="kill-cancel">Cancel</button>
      <button class="btn danger" type="submit" id="kill-confirm">Engage kill switch</button>
    </div>
  </form>
</dialog>
<div id="toasts" class="toasts" aria-live="polite"></div>
<noscript><p class="banner">The dashboard needs JavaScript.</p></noscript>
</body>
</html>`;
}

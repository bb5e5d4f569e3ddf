/**
 * The self-contained `report.html`: uPlot's script and stylesheet (the npm package, read from
 * node_modules) and the report's data are inlined, so the file opens from disk with no network. Charts:
 * net P&L (equity) per quote currency, its drawdown, the price of each traded instrument with entries
 * (buys ▲) and exits (sells ▼), positions over time; then the summary and a table of every fill.
 *
 * @example
 * ```ts
 * await writeFile("report.html", await reportHtml(report));
 * ```
 * @module
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Report } from "./report.ts";

/** uPlot could not be read from node_modules. */
export class ReportAssetError extends Error {
  /** @param what the file @param cause why */
  constructor(what: string, cause: unknown) {
    super(`report.html needs ${what} (npm package "uplot"): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "ReportAssetError";
  }
}

async function asset(specifier: string): Promise<string> {
  try {
    return await readFile(createRequire(import.meta.url).resolve(specifier), "utf8");
  } catch (e) {
    throw new ReportAssetError(specifier, e);
  }
}

/** Text safe inside a `<script>` element. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** Draws the charts and the table from the embedded data (runs in the page). */
const PAGE_SCRIPT = String.raw`
const R = JSON.parse(document.getElementById("report-data").textContent);
const pts = R.equity.points;
const xs = pts.map((p) => p.t / 1000);
const currencies = Object.keys(R.summary.currencies);
const colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
const width = () => Math.min(1100, document.body.clientWidth - 32);
function chart(id, title, series, data, extra = {}) {
  const el = document.getElementById(id);
  return new uPlot({ title, width: width(), height: 260, series: [{}, ...series], scales: { x: { time: true } }, ...extra }, data, el);
}
const capital = Number(R.capital);
const equity = currencies.map((c) => pts.map((p) => Number(p.currencies[c].net)));
chart("equity", "Net P&L (realized + unrealized − fees)", currencies.map((c, i) => ({ label: c, stroke: colors[i % 6], width: 2 })), [xs, ...equity]);
const drawdown = equity.map((e) => { let peak = -Infinity; return e.map((v) => { const eq = capital + v; peak = Math.max(peak, eq); return eq - peak; }); });
chart("drawdown", "Drawdown (from the running peak of capital + net P&L)", currencies.map((c, i) => ({ label: c, stroke: colors[i % 6], fill: "rgba(220,38,38,0.15)" })), [xs, ...drawdown]);
const traded = [...new Set(R.fills.map((f) => f.instrument))];
const priced = traded.length > 0 ? traded : Object.keys(pts[pts.length - 1]?.marks ?? {}).slice(0, 1);
for (const name of priced) {
  const times = [...new Set([...pts.map((p) => p.t), ...R.fills.filter((f) => f.instrument === name).map((f) => Number(f.timeNs.slice(0, -3)) / 1000)])].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const mark = times.map(() => null), buys = times.map(() => null), sells = times.map(() => null);
  for (const p of pts) if (p.marks[name] !== undefined) mark[at.get(p.t)] = Number(p.marks[name]);
  for (const f of R.fills) if (f.instrument === name) (f.side === "buy" ? buys : sells)[at.get(Number(f.timeNs.slice(0, -3)) / 1000)] = Number(f.price);
  const div = document.createElement("div");
  div.className = "chart price-chart";
  document.getElementById("prices").appendChild(div);
  div.id = "price-" + name.replace(/[^A-Za-z0-9]/g, "_");
  const pointsOnly = (stroke, fill) => ({ stroke, fill, paths: () => null, points: { show: true, size: 9, stroke, fill } });
  chart(div.id, "Price of " + name + " with entries and exits", [
    { label: "mark", stroke: "#64748b", spanGaps: true },
    { label: "buy", ...pointsOnly("#16a34a", "#16a34a") },
    { label: "sell", ...pointsOnly("#dc2626", "#dc2626") },
  ], [times.map((t) => t / 1000), mark, buys, sells]);
}
const held = [...new Set(pts.flatMap((p) => Object.keys(p.positions)))];
chart("positions", "Positions over time", held.map((n, i) => ({ label: n, stroke: colors[i % 6], paths: uPlot.paths.stepped({ align: 1 }) })),
  [xs, ...held.map((n) => pts.map((p) => (p.positions[n] === undefined ? 0 : Number(p.positions[n]))))]);
const tbody = document.querySelector("#fills tbody");
for (const f of R.fills) {
  const tr = document.createElement("tr");
  for (const v of [f.seq, f.time, f.strategyId, f.instrument, f.side, f.liquidity, f.price, f.quantity, f.fee + " " + f.currency, f.slippage ?? ""]) {
    const td = document.createElement("td");
    td.textContent = String(v);
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
}
document.body.dataset.ready = "1";
`;

/** The HTML page of a report (see module docs). */
export async function reportHtml(report: Report, summary: string): Promise<string> {
  const [js, css] = await Promise.all([asset("uplot/dist/uPlot.iife.min.js"), asset("uplot/dist/uPlot.min.css")]);
  const data = JSON.stringify(report).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AlphaPulse backtest — ${escapeHtml(report.config)}</title>
<style>${css}</style>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #0f172a; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
pre { background: #f1f5f9; padding: 12px; overflow-x: auto; }
.chart { margin: 12px 0; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #cbd5e1; padding: 2px 6px; text-align: right; }
th { background: #e2e8f0; }
</style>
</head>
<body>
<h1>Backtest: ${escapeHtml(report.config)}</h1>
<pre id="summary">${escapeHtml(summary)}</pre>
<div id="equity" class="chart"></div>
<div id="drawdown" class="chart"></div>
<div id="prices"></div>
<div id="positions" class="chart"></div>
<h2>Fills (${report.fills.length})</h2>
<table id="fills"><thead><tr><th>#</th><th>time</th><th>strategy</th><th>instrument</th><th>side</th><th>liquidity</th><th>price</th><th>quantity</th><th>fee</th><th>slippage vs decision mid</th></tr></thead><tbody></tbody></table>
<script id="report-data" type="application/json">${data}</script>
<script>${scriptSafe(js)}</script>
<script>${scriptSafe(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}

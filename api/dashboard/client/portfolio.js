// @ts-check
/**
 * Positions, realized/unrealized P&L and win rate from `/portfolio`, in the API's readable form:
 * instruments carry their symbol and venue, amounts are `{ amount, currency }` with exact decimal text,
 * and P&L comes per quote currency (`pnl`; `total` only when one currency). Scalar fields (one level of
 * nesting flattened) become facts, `positions` becomes the table, and the summary shows realized and
 * unrealized P&L per currency.
 * @module
 */

import { byId, el, setText, show, signClass } from "./dom.js";
import { count, humanKey, signOf } from "./format.js";

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
/** @param {unknown} v */
const isScalar = (v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null;
/** @param {unknown} v @returns {v is { assetId: string, venue: string, venueId: number, symbol: string | null }} */
const isInstrument = (v) => isObject(v) && typeof v.assetId === "string" && typeof v.venueId === "number";
/** @param {unknown} v @returns {v is { amount: string, currency: string | null }} */
export const isAmount = (v) => isObject(v) && typeof v.amount === "string" && Object.keys(v).length === 2 && "currency" in v;
/** The sign-bearing text of a value (an amount's decimal). @param {unknown} v */
const signText = (v) => (isAmount(v) ? v.amount : v);
const PNL = /pnl|profit|loss|realized|net$/i;

/**
 * Flattens scalars: `{ pnl: { realized: "1" } }` → `[["pnl.realized", "1"]]`.
 * @param {Record<string, unknown>} o @returns {[string, unknown][]}
 */
export function scalarFacts(o) {
  /** @type {[string, unknown][]} */
  const out = [];
  for (const [k, v] of Object.entries(o)) {
    if (isScalar(v) || isAmount(v)) out.push([k, v]);
    else if (isObject(v) && !isInstrument(v)) for (const [k2, v2] of Object.entries(v)) if (isScalar(v2) || isAmount(v2)) out.push([`${k}.${k2}`, v2]);
  }
  return out;
}

/** @param {[string, unknown][]} facts @param {RegExp} re @returns {unknown} */
function pick(facts, re) {
  return facts.find(([k]) => re.test(k.replace(/[._\s-]/g, "")))?.[1];
}

/** Label of a flattened key: the leaf, with its parent unless that is a plain grouping (`totals`, `summary`). @param {string} key */
function factLabel(key) {
  const parts = key.split(".");
  const leaf = parts.pop() ?? key;
  const parent = parts.join(" ");
  return humanKey(/^(totals?|summary|pnl|stats)$/i.test(parent) || !parent ? leaf : `${parent} ${leaf}`);
}

/** Win rate as a percentage text: fractions (≤ 1) are scaled. @param {unknown} v @returns {string} */
export function winRateText(v) {
  const n = Number(v);
  if (v === undefined || v === null || v === "" || !Number.isFinite(n)) return "—";
  const pct = n <= 1 ? n * 100 : n;
  return `${pct.toFixed(1)}%`;
}

/** Exact decimal text with digit groups (`-1,234.5`). @param {string} v */
function decimalText(v) {
  if (/^-?\d+$/.test(v)) return count(v);
  const [i, f] = v.split(".");
  return `${count(/** @type {string} */ (i))}.${f}`;
}

/** Net P&L per currency as one line: `1.5 USD · -0.2 USDT`. @param {unknown} pnl @param {"realized" | "unrealized" | "net"} field */
export function perCurrency(pnl, field) {
  if (!Array.isArray(pnl) || pnl.length === 0) return undefined;
  return pnl.filter(isObject).map((p) => {
    const a = p[field];
    return isAmount(a) ? `${decimalText(a.amount)}${a.currency ? ` ${a.currency}` : ""}` : "—";
  }).join(" · ");
}

/**
 * A value for display.
 * @param {unknown} v @param {import("./settings.js").Labels} labels @param {string} [key] the field name
 * @returns {string}
 */
export function display(v, labels, key = "") {
  if (v === null || v === undefined) return "—";
  if (isInstrument(v)) return labels.instrument({ symbol: v.symbol ?? undefined, venue: v.venueId, assetId: v.assetId, assetType: 0 });
  if (isAmount(v)) return `${decimalText(v.amount)}${v.currency ? ` ${v.currency}` : ""}`;
  if (typeof v === "number") return Number.isInteger(v) ? count(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) && !/id$/i.test(key)) return decimalText(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The portfolio panel and the summary's P&L, win-rate and position figures. */
export class PortfolioPanel {
  /** @param {import("./settings.js").Labels} labels */
  constructor(labels) {
    this.labels = labels;
    this.facts = byId("portfolio-facts");
    this.positions = byId("portfolio-positions");
    this.empty = byId("portfolio-empty");
    this.dex = { panel: byId("portfolio-dex"), facts: byId("portfolio-dex-facts"), balances: byId("portfolio-dex-balances"), fills: byId("portfolio-dex-fills") };
    this.kpi = { realized: byId("kpi-realized"), unrealized: byId("kpi-unrealized"), winrate: byId("kpi-winrate"), positions: byId("kpi-positions") };
    /** @type {unknown} */
    this.data = undefined;
    /** @type {string | undefined} */
    this.problem = undefined;
    this.lastJson = "";
  }

  /** @param {unknown} data */
  set(data) {
    this.data = data;
    this.problem = undefined;
  }

  /** @param {string} problem why there is no portfolio */
  fail(problem) {
    this.problem = problem;
  }

  render() {
    if (this.problem) {
      setText(this.empty, this.problem);
      show(this.empty, true);
      if (this.data === undefined) return;
    }
    if (!isObject(this.data)) return;
    const json = JSON.stringify(this.data);
    if (json === this.lastJson) return;
    this.lastJson = json;
    const data = this.data;
    if (!this.problem) show(this.empty, false);
    this.renderDex(data.dex);
    const facts = scalarFacts(data);
    const rows = Array.isArray(data.positions) ? data.positions
      : /** @type {unknown[] | undefined} */ (Object.values(data).find((v) => Array.isArray(v) && v.every(isObject))) ?? [];

    this.kpiValue(this.kpi.realized, perCurrency(data.pnl, "realized"), data.pnl, "realized");
    this.kpiValue(this.kpi.unrealized, perCurrency(data.pnl, "unrealized"), data.pnl, "unrealized");
    setText(this.kpi.winrate, winRateText(pick(facts, /winrate|winratio|hitrate/i)));
    setText(this.kpi.positions, String(rows.filter((r) => !isObject(r) || signOf(signText(r.quantity ?? 1)) !== 0).length));

    const shown = facts.filter(([k]) => !/^journal\.|^recovered|^totalNote$/i.test(k)).slice(0, 16);
    this.facts.replaceChildren(...shown.map(([k, v]) => el("div", { class: "fact", data: { key: k } },
      el("dt", { text: factLabel(k) }),
      el("dd", { class: PNL.test(k) ? signClass(signOf(signText(v))) : "", text: /win.?rate/i.test(k) ? winRateText(v) : display(v, this.labels, k) }))));

    if (rows.length === 0) {
      this.positions.replaceChildren(el("p", { class: "empty", text: "No open positions." }));
      return;
    }
    /** @type {string[]} */
    const columns = [];
    for (const r of rows) for (const k of Object.keys(/** @type {object} */ (r))) if (!columns.includes(k) && columns.length < 9) columns.push(k);
    const head = el("tr", {}, ...columns.map((c) => el("th", { class: c === columns[0] ? "" : "num", text: humanKey(c) })));
    const body = rows.map((r) => {
      const row = /** @type {Record<string, unknown>} */ (r);
      return el("tr", {}, ...columns.map((c, i) => el("td", {
        class: `${i === 0 ? "name" : "num"} ${PNL.test(c) ? signClass(signOf(signText(row[c]))) : ""}`, text: display(row[c], this.labels, c),
      })));
    });
    this.positions.replaceChildren(el("table", { class: "table", id: "positions-table" }, el("thead", {}, head), el("tbody", {}, ...body)));
  }

  /**
   * The DEX part of `/portfolio` (token balances, USD P&L, latest fills and reverts): its values are
   * already exact decimal strings with their units.
   * @private @param {unknown} dex
   */
  renderDex(dex) {
    show(this.dex.panel, isObject(dex));
    if (!isObject(dex)) return;
    const totals = isObject(dex.totals) ? Object.entries(dex.totals) : [];
    this.dex.facts.replaceChildren(...totals.map(([k, v]) => el("div", { class: "fact", data: { key: `dex.${k}` } },
      el("dt", { text: humanKey(k) }), el("dd", { class: PNL.test(k) ? signClass(signOf(String(v).split(" ")[0])) : "", text: String(v) }))));
    /** @param {HTMLElement} node @param {string} id @param {unknown} rows @param {[string, string][]} cols @param {string} none */
    const table = (node, id, rows, cols, none) => {
      const list = Array.isArray(rows) ? rows.filter(isObject) : [];
      if (list.length === 0) {
        node.replaceChildren(el("p", { class: "empty", text: none }));
        return;
      }
      node.replaceChildren(el("table", { class: "table", id },
        el("thead", {}, el("tr", {}, ...cols.map(([, label], i) => el("th", { class: i === 0 ? "" : "num", text: label })))),
        el("tbody", {}, ...list.map((r) => el("tr", { class: /^reverted/.test(String(r.status)) ? "reverted" : "" }, ...cols.map(([k], i) => el("td", {
          class: `${i === 0 ? "name" : "num"} ${PNL.test(k) ? signClass(signOf(String(r[k] ?? "").split(" ")[0])) : ""}`, text: String(r[k] ?? "—"),
        })))))));
    };
    table(this.dex.balances, "dex-balances-table", dex.balances, [["symbol", "Token"], ["amount", "Balance change"]], "No DEX balances yet.");
    const fills = Array.isArray(dex.recentFills) ? [...dex.recentFills].reverse().slice(0, 12) : [];
    table(this.dex.fills, "dex-fills-table", fills, [["status", "Status"], ["amountIn", "Borrowed"], ["amountOut", "Returned"], ["flashFeeUsd", "Flash fee"],
      ["gasUsd", "Gas"], ["netPnlUsd", "Net P&L"]], "No DEX fills yet.");
  }

  /**
   * A P&L figure per currency; coloured by the sign when every currency agrees.
   * @private @param {HTMLElement} node @param {string | undefined} text @param {unknown} pnl @param {"realized" | "unrealized"} field
   */
  kpiValue(node, text, pnl, field) {
    setText(node, text ?? "—");
    const signs = new Set((Array.isArray(pnl) ? pnl : []).filter(isObject).map((p) => signOf(signText(p[field]))));
    node.className = `kpi-value ${signs.size === 1 ? signClass([...signs][0] ?? 0) : ""}`;
  }
}

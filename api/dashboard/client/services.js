// @ts-check
/**
 * The services table: supervisor view (`/services`: state, pid, restarts, uptime) joined with each
 * service's own reports (`/stats`: up, rates, latency, drops). A service is shown `down` when the
 * supervisor does not have it running or it has stopped reporting.
 * @module
 */

import { byId, el, setData, setText } from "./dom.js";
import { count, duration, rate } from "./format.js";

/**
 * @typedef {object} ServiceRow
 * @property {string} name
 * @property {string} kind
 * @property {number | null} pid
 * @property {string} state
 * @property {number} restarts
 * @property {number} uptime
 */

/** @typedef {import("./charts.js").ServiceStats} ServiceStats */

/**
 * What to call a service's condition.
 * @param {ServiceRow | undefined} svc @param {ServiceStats | undefined} stat
 * @returns {"up" | "down" | "starting" | "degraded" | "silent"}
 */
export function serviceStatus(svc, stat) {
  if (svc && (svc.state === "starting" || svc.state === "backoff")) return "starting";
  if (svc && svc.state !== "running") return "down";
  if (stat && !stat.up) return svc && svc.uptime < 5 ? "starting" : "silent";
  if (stat && stat.state === 3) return "degraded";
  return svc || stat?.up ? "up" : "down";
}

/** The services table, rows keyed by service name and updated in place. */
export class ServicesPanel {
  constructor() {
    this.body = byId("services");
    /** @type {ServiceRow[]} */
    this.services = [];
    /** @type {Map<string, ServiceStats>} */
    this.stats = new Map();
    /** @type {Map<string, { row: HTMLTableRowElement, cells: Record<string, HTMLElement> }>} */
    this.rows = new Map();
    /** Fetched at this time (uptime is extrapolated between polls). */
    this.servicesAt = 0;
  }

  /** @param {ServiceRow[]} list @param {number} now */
  setServices(list, now) {
    this.services = list;
    this.servicesAt = now;
  }

  /** @param {ServiceStats[]} list */
  setStats(list) {
    this.stats = new Map(list.map((s) => [s.name, s]));
  }

  /** Services up / total, for the summary. @returns {[number, number]} */
  upCount() {
    const names = new Set([...this.services.map((s) => s.name), ...this.stats.keys()]);
    let up = 0;
    for (const n of names) if (serviceStatus(this.services.find((s) => s.name === n), this.stats.get(n)) === "up") up++;
    return [up, names.size];
  }

  /** @param {number} now */
  render(now) {
    const names = this.services.length > 0 ? this.services.map((s) => s.name) : [...this.stats.keys()];
    for (const [name, r] of this.rows) {
      if (!names.includes(name)) {
        r.row.remove();
        this.rows.delete(name);
      }
    }
    let previous = /** @type {HTMLTableRowElement | null} */ (null);
    for (const name of names) {
      const svc = this.services.find((s) => s.name === name);
      const stat = this.stats.get(name);
      let r = this.rows.get(name);
      if (!r) {
        r = this.createRow(name);
        this.rows.set(name, r);
      }
      if (r.row.parentNode !== this.body || r.row.previousElementSibling !== previous) this.body.insertBefore(r.row, previous ? previous.nextSibling : this.body.firstChild);
      previous = r.row;
      const status = serviceStatus(svc, stat);
      setData(r.row, "status", status);
      setText(r.cells.kind, svc?.kind ?? stat?.kind ?? "—");
      setText(r.cells.status, status);
      setData(r.cells.status, "status", status);
      setText(r.cells.state, svc?.state ?? "—");
      setText(r.cells.pid, svc?.pid ? String(svc.pid) : "—");
      setText(r.cells.restarts, svc ? String(svc.restarts) : "—");
      r.cells.restarts.classList.toggle("warn", (svc?.restarts ?? 0) > 0);
      const uptime = svc && svc.state === "running" ? svc.uptime + Math.max(0, (now - this.servicesAt) / 1000) : undefined;
      setText(r.cells.uptime, uptime === undefined ? "—" : duration(uptime));
      const live = stat?.up === true;
      setText(r.cells.rate, live ? rate(stat.messagesPerSecond) : "—");
      setText(r.cells.p50, live ? count(stat.p50Micros) : "—");
      setText(r.cells.p99, live ? count(stat.p99Micros) : "—");
      setText(r.cells.processed, stat ? count(stat.processed) : "—");
      setText(r.cells.dropped, stat ? count(stat.dropped) : "—");
      r.cells.dropped.classList.toggle("warn", Boolean(stat && stat.dropped !== "0"));
      setText(r.cells.conns, live ? String(stat.connections) : "—");
    }
  }

  /** @private @param {string} name */
  createRow(name) {
    /** @type {Record<string, HTMLElement>} */
    const cells = {};
    const cell = (/** @type {string} */ key, /** @type {string} */ cls = "num") => (cells[key] = el("td", { class: cls, data: { field: key } }));
    const row = el("tr", { data: { service: name } },
      el("td", { class: "name", text: name }), cell("kind", ""), el("td", {}, (cells.status = el("span", { class: "badge", data: { field: "status" } }))),
      cell("state", "muted"), cell("pid"), cell("restarts"), cell("uptime"), cell("rate"), cell("p50"), cell("p99"), cell("processed"),
      cell("dropped"), cell("conns"));
    return { row, cells };
  }
}

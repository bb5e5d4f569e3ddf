// @ts-check
/**
 * One small uPlot time-series chart per relay: messages per second (left axis) and forward latency
 * p50/p99 in µs (right axis), from `/stats` polled every second, with the current figures above it.
 * @module
 */

import uPlot from "./vendor/uplot.esm.js";
import { byId, el, setData, setText } from "./dom.js";
import { count, rate } from "./format.js";

/** `HH:MM:SS` of epoch seconds. @param {number} t */
const clockOfSeconds = (t) => new Date(t * 1000).toTimeString().slice(0, 8);

/**
 * @typedef {object} ServiceStats
 * @property {string} name
 * @property {string} kind
 * @property {boolean} up
 * @property {number} state
 * @property {number} connections
 * @property {number} messagesPerSecond
 * @property {number} errorsPerMillion
 * @property {number} p50Micros
 * @property {number} p99Micros
 * @property {string} processed
 * @property {string} dropped
 * @property {string | null} lastSeen
 */

const AXIS = "#8b949e";
const GRID = "rgba(139,148,158,0.12)";
const FONT = "10px ui-sans-serif, system-ui, sans-serif";
const COLORS = { rate: "#58a6ff", p50: "#3fb950", p99: "#e3b341" };

/** @param {number} max @returns {[number, number]} */
const zeroBased = (max) => [0, Math.max(max * 1.15, 5)];

/**
 * @typedef {object} RelayChart
 * @property {HTMLElement} card
 * @property {uPlot} plot
 * @property {number[]} xs
 * @property {number[]} rate
 * @property {number[]} p50
 * @property {number[]} p99
 * @property {ServiceStats} last
 * @property {Record<string, HTMLElement>} f
 */

/** The relay chart cards, one per relay in `/stats` order, each with `historySeconds` of samples. */
export class RelayCharts {
  /** @param {number} historySeconds */
  constructor(historySeconds) {
    this.container = byId("relay-charts");
    this.history = historySeconds;
    /** @type {Map<string, RelayChart>} */
    this.charts = new Map();
    /** @type {ServiceStats[]} */
    this.pending = [];
    this.observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const chart = [...this.charts.values()].find((c) => c.plot.root.parentElement === entry.target);
        const width = Math.floor(entry.contentRect.width);
        if (chart && width > 0 && width !== chart.plot.width) chart.plot.setSize({ width, height: chart.plot.height });
      }
    });
  }

  /** Adds one sample per relay from a `/stats` answer. @param {ServiceStats[]} stats @param {number} now */
  sample(stats, now) {
    const t = now / 1000;
    for (const s of stats) {
      if (s.kind !== "relay") continue;
      let chart = this.charts.get(s.name);
      if (!chart) {
        chart = this.create(s);
        this.charts.set(s.name, chart);
      }
      chart.last = s;
      chart.xs.push(t);
      chart.rate.push(s.up ? s.messagesPerSecond : 0);
      chart.p50.push(s.up ? s.p50Micros : 0);
      chart.p99.push(s.up ? s.p99Micros : 0);
      while (chart.xs.length > this.history) {
        chart.xs.shift();
        chart.rate.shift();
        chart.p50.shift();
        chart.p99.shift();
      }
    }
  }

  render() {
    for (const chart of this.charts.values()) {
      const s = chart.last;
      setData(chart.card, "up", String(s.up));
      setText(chart.f.status, s.up ? "up" : "down");
      setText(chart.f.rate, rate(s.messagesPerSecond));
      setText(chart.f.p50, count(s.p50Micros));
      setText(chart.f.p99, count(s.p99Micros));
      setText(chart.f.foot, `processed ${count(s.processed)} · dropped ${count(s.dropped)} · ${s.connections} conn${s.connections === 1 ? "" : "s"}`);
      chart.f.foot.classList.toggle("warn", s.dropped !== "0");
      chart.plot.setData([chart.xs, chart.rate, chart.p50, chart.p99]);
    }
  }

  /** @private @param {ServiceStats} s @returns {RelayChart} */
  create(s) {
    this.container.querySelector(".empty")?.remove();
    const f = {
      status: el("span", { class: "status" }),
      rate: el("b", { class: "rate" }),
      p50: el("b"),
      p99: el("b"),
      foot: el("footer", { class: "relay-foot muted small" }),
    };
    const plotHost = el("div", { class: "chart" });
    const card = el("article", { class: "relay-card", data: { relay: s.name, up: "true" } },
      el("header", {}, el("span", { class: "dot" }), el("h3", { text: s.name.replace(/^relay-/, "") }), f.status),
      el("div", { class: "figures" },
        el("span", { class: "fig fig-rate" }, f.rate, " msg/s"),
        el("span", { class: "fig fig-p50" }, "p50 ", f.p50, " µs"),
        el("span", { class: "fig fig-p99" }, "p99 ", f.p99, " µs")),
      plotHost,
      f.foot);
    this.container.append(card);
    /** @type {uPlot.Options} */
    const opts = {
      width: Math.max(200, plotHost.clientWidth || 280),
      height: 96,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true }, rate: { range: (_u, _min, max) => zeroBased(max) }, us: { range: (_u, _min, max) => zeroBased(max) } },
      series: [
        {},
        { label: "msg/s", scale: "rate", stroke: COLORS.rate, fill: "rgba(88,166,255,0.14)", width: 1.5, points: { show: false } },
        { label: "p50 µs", scale: "us", stroke: COLORS.p50, width: 1, points: { show: false } },
        { label: "p99 µs", scale: "us", stroke: COLORS.p99, width: 1, points: { show: false } },
      ],
      axes: [
        { stroke: AXIS, font: FONT, size: 20, space: 64, grid: { stroke: GRID, width: 1 }, ticks: { show: false },
          values: (_u, splits) => splits.map((t) => clockOfSeconds(t)) },
        { scale: "rate", stroke: AXIS, font: FONT, size: 36, space: 24, grid: { stroke: GRID, width: 1 }, ticks: { show: false },
          values: (_u, vals) => vals.map((v) => rate(v)) },
        { scale: "us", side: 1, stroke: AXIS, font: FONT, size: 36, space: 24, grid: { show: false }, ticks: { show: false },
          values: (_u, vals) => vals.map((v) => rate(v)) },
      ],
    };
    const plot = new uPlot(opts, [[], [], [], []], plotHost);
    this.observer.observe(plotHost);
    return { card, plot, xs: [], rate: [], p50: [], p99: [], last: s, f };
  }
}

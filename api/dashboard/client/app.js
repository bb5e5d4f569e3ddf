// @ts-check
/**
 * The dashboard's entry module: gets a working API token, then keeps every panel live — REST polls
 * (`/stats`, `/services`, `/kill-switch`, `/alerts`, `/strategies`, `/circuit-breakers`, `/portfolio`) and three
 * self-reconnecting `/stream` WebSockets (market data, signals, execution), each opened on the API's
 * recent history (`/history`) and joined to it without duplicates ({@link HistorySeam}). Handlers only update state
 * and mark views; views render in batched animation frames. A one-second tick ages everything and
 * raises stale markers when a source goes quiet or offline.
 * @module
 */

import { Api, ApiError, checkToken } from "./api.js";
import { RelayCharts } from "./charts.js";
import { BreakersPanel, StrategiesPanel, TradingControl } from "./controls.js";
import { byId, el, setData, setText, show } from "./dom.js";
import { ExecutionFeed, SignalFeed } from "./feeds.js";
import { age, clockOfMillis, rate } from "./format.js";
import { MarketsPanel } from "./markets.js";
import { Poller } from "./poller.js";
import { PortfolioPanel } from "./portfolio.js";
import { PoolsPanel } from "./pools.js";
import { HistorySeam } from "./history.js";
import { FrameScheduler } from "./scheduler.js";
import { ServicesPanel } from "./services.js";
import { Labels, readSettings } from "./settings.js";
import { LiveStream } from "./stream.js";
import { adoptTokenFromUrl, forgetToken, promptToken, storedToken } from "./token.js";

/**
 * The alert banner: what the API's own alert evaluation finds firing (`GET /alerts`), most severe first,
 * hidden when nothing fires.
 * @param {{ name: string, severity: string, summary: string, since: string }[]} alerts
 */
function showAlerts(alerts) {
  const banner = byId("alerts-banner");
  if (alerts.length === 0) {
    setText(banner, "");
    show(banner, false);
    return;
  }
  const rank = (/** @type {string} */ s) => (s === "critical" ? 0 : s === "warning" ? 1 : 2);
  const sorted = [...alerts].sort((a, b) => rank(a.severity) - rank(b.severity));
  const parts = sorted.map((a) => `${a.severity}: ${a.summary} (since ${clockOfMillis(Date.parse(a.since))})`);
  setText(banner, `${alerts.length === 1 ? "1 alert" : `${alerts.length} alerts`} firing — ${parts.join("; ")}`);
  setData(banner, "count", String(alerts.length));
  show(banner, true);
}

const settings = readSettings();
const labels = new Labels(settings);
const staleAfterMs = settings.staleAfterSeconds * 1000;
const scheduler = new FrameScheduler();
/** How often to ask again for something the system does not have (no execution service configured). */
const ABSENT_POLL_MS = 10_000;

/** @param {string} text @param {"ok" | "error"} [kind] */
function toast(text, kind = "ok") {
  const node = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text });
  byId("toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 8_000 : 4_000);
}

/** Everything live, for one token. */
class Dashboard {
  /** @param {string} token @param {(why: string) => void} onUnauthorized */
  constructor(token, onUnauthorized) {
    let rejected = false;
    this.api = new Api(token, () => {
      if (rejected) return;
      rejected = true;
      onUnauthorized("The API rejected the token (it changes when the system restarts).");
    });
    const api = this.api;
    const refreshControls = () => {
      this.polls.trading.now();
      this.polls.strategies.now();
      this.polls.breakers.now();
    };
    this.relays = new RelayCharts(settings.historySeconds);
    this.services = new ServicesPanel();
    this.markets = new MarketsPanel(labels, settings.maxInstruments, staleAfterMs);
    this.pools = new PoolsPanel(labels, settings.maxPools, staleAfterMs);
    this.signals = new SignalFeed(labels, settings.feedCap);
    this.execution = new ExecutionFeed(labels, settings.feedCap);
    this.portfolio = new PortfolioPanel(labels);
    this.trading = new TradingControl(api, toast, refreshControls);
    this.strategies = new StrategiesPanel(api, toast, refreshControls);
    this.breakers = new BreakersPanel(api, toast, refreshControls);
    this.summary = { render: () => this.renderSummary() };
    this.health = { render: (/** @type {number} */ now) => this.renderHealth(now) };
    scheduler.throttle(this.markets, 250);
    scheduler.throttle(this.pools, 250);
    scheduler.throttle(this.signals, 250);
    scheduler.throttle(this.execution, 250);
    /** @type {import("./charts.js").ServiceStats[]} */
    this.lastStats = [];

    const p = settings.pollMs;
    this.polls = {
      stats: new Poller("stats", p, async () => {
        const stats = await api.get("/stats");
        const now = Date.now();
        this.lastStats = stats;
        this.relays.sample(stats, now);
        this.services.setStats(stats);
        scheduler.mark(this.relays);
        scheduler.mark(this.services);
        scheduler.mark(this.summary);
        byId("dashboard").setAttribute("aria-busy", "false");
      }),
      services: new Poller("services", p, async () => {
        this.services.setServices(await api.get("/services"), Date.now());
        scheduler.mark(this.services);
        scheduler.mark(this.summary);
      }),
      trading: new Poller("trading", p, async () => {
        try {
          this.trading.set((await api.get("/kill-switch")).tradingState);
        } catch (e) {
          if (!(e instanceof ApiError) || e.status === 0 || e.status === 401) throw e;
          this.trading.set(e.status === 404 ? "none" : "unavailable", e.reason);
          if (e.status === 404) return ABSENT_POLL_MS;
        } finally {
          scheduler.mark(this.trading);
        }
      }),
      alerts: new Poller("alerts", 2 * p, async () => {
        try {
          showAlerts((await api.get("/alerts")).alerts);
        } catch (e) {
          if (!(e instanceof ApiError) || e.status === 0 || e.status === 401) throw e;
          showAlerts([]);
          if (e.status === 404) return ABSENT_POLL_MS;
        }
      }),
      strategies: new Poller("strategies", 2 * p, async () => {
        this.strategies.set(await api.get("/strategies"));
        scheduler.mark(this.strategies);
      }),
      breakers: new Poller("breakers", 2 * p, async () => {
        this.breakers.set(await api.get("/circuit-breakers"));
        scheduler.mark(this.breakers);
      }),
      portfolio: new Poller("portfolio", 2 * p, async () => {
        try {
          this.portfolio.set(await api.get("/portfolio"));
        } catch (e) {
          if (!(e instanceof ApiError) || e.status === 0 || e.status === 401) throw e;
          this.portfolio.fail(e.status === 404 ? "No execution service is configured: no portfolio to show." : `Portfolio unavailable: ${e.reason}`);
          if (e.status === 404) return ABSENT_POLL_MS;
        } finally {
          scheduler.mark(this.portfolio);
          scheduler.mark(this.summary);
        }
      }),
    };

    /** @type {HistorySeam[]} */
    this.seams = [];
    /** @param {string} domain @param {number[]} types @param {(msg: any, at: number) => void} handle */
    const stream = (domain, types, handle) => {
      const seam = new HistorySeam({ get: (path) => api.get(path), domain, types, apply: handle });
      this.seams.push(seam);
      return new LiveStream({
        domain, types, token, staleAfterMs,
        onMessage: (msg) => seam.onMessage(msg),
        onOpen: () => seam.onOpen(),
        onState: () => scheduler.mark(this.health),
      });
    };
    this.streams = {
      "market-data": stream("market-data", [1, 2, 3, 4, 7], (msg, now) => {
        for (const tlv of msg.tlvs ?? []) {
          if (tlv.type <= 3) {
            this.markets.onTlv(tlv, now);
            scheduler.mark(this.markets);
          } else {
            this.pools.onTlv(tlv, now);
            scheduler.mark(this.pools);
          }
        }
      }),
      signal: stream("signal", [20, 21, 22, 23], (msg) => {
        this.signals.onMessage(msg);
        scheduler.mark(this.signals);
      }),
      execution: stream("execution", [40, 41, 42, 43], (msg) => {
        this.execution.onMessage(msg);
        scheduler.mark(this.execution);
      }),
    };
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.ticker = undefined;
  }

  start() {
    for (const p of Object.values(this.polls)) p.start();
    for (const seam of this.seams) seam.start();
    for (const s of Object.values(this.streams)) s.start();
    this.ticker = setInterval(() => {
      const now = Date.now();
      for (const s of Object.values(this.streams)) s.refresh(now);
      for (const v of [this.health, this.markets, this.pools, this.services, this.breakers]) scheduler.mark(v);
    }, 1_000);
    scheduler.mark(this.health);
  }

  stop() {
    for (const p of Object.values(this.polls)) p.stop();
    for (const s of Object.values(this.streams)) s.stop();
    for (const seam of this.seams) seam.stop();
    clearInterval(this.ticker);
  }

  /** @private */
  renderSummary() {
    const md = this.lastStats.find((s) => s.name === "relay-market-data");
    setText(byId("kpi-rate"), md?.up ? `${rate(md.messagesPerSecond)} msg/s` : "—");
    const [up, total] = this.services.upCount();
    const kpi = byId("kpi-services");
    setText(kpi, total ? `${up} / ${total}` : "—");
    kpi.className = `kpi-value ${total && up < total ? "neg" : total ? "pos" : ""}`;
  }

  /** Connection lights, stale markers and the banner. @private @param {number} now */
  renderHealth(now) {
    const polls = this.polls;
    const apiUp = !polls.stats.isStale(now, 2 * settings.pollMs + 1_000);
    setData(/** @type {HTMLElement} */ (document.querySelector('[data-conn="api"]')), "state", apiUp ? "live" : polls.stats.lastOk ? "offline" : "connecting");
    for (const [name, s] of Object.entries(this.streams)) {
      const node = /** @type {HTMLElement} */ (document.querySelector(`[data-conn="${name}"]`));
      setData(node, "state", s.state);
      node.title = `/stream ${name}: ${s.state}${s.lastMessageAt ? `, last message ${age(now - s.lastMessageAt)} ago` : ""}, ${s.messages} messages, ${s.reconnects} reconnects`;
    }
    /** @param {string} id @param {string | undefined} text */
    const badge = (id, text) => {
      const node = byId(`${id}-stale`);
      setText(node, text ?? "");
      show(node, text !== undefined);
    };
    /** @param {Poller} p */
    const pollStale = (p) => (p.isStale(now, staleAfterMs) ? (p.lastOk ? `stale ${age(now - p.lastOk)}` : "no data") : undefined);
    /** @param {LiveStream} s @param {boolean} quietIsStale */
    const streamStale = (s, quietIsStale) => {
      if (s.state === "reconnecting") return "reconnecting";
      if (s.state === "connecting") return undefined;
      if (quietIsStale && s.isStale(now)) return s.lastMessageAt ? `stale ${age(now - s.lastMessageAt)}` : "no data";
      return undefined;
    };
    badge("relays", pollStale(polls.stats));
    badge("services", pollStale(polls.services) ?? pollStale(polls.stats));
    badge("strategies", pollStale(polls.strategies));
    badge("breakers", pollStale(polls.breakers));
    badge("portfolio", this.portfolio.problem ? undefined : pollStale(polls.portfolio));
    badge("markets", this.markets.instruments.size > 0 || this.streams["market-data"].state === "reconnecting" ? streamStale(this.streams["market-data"], true) : undefined);
    badge("pools", this.pools.pools.size > 0 || this.streams["market-data"].state === "reconnecting" ? streamStale(this.streams["market-data"], this.pools.pools.size > 0) : undefined);
    badge("signals", streamStale(this.streams.signal, false));
    badge("execution", streamStale(this.streams.execution, false));

    const streams = Object.values(this.streams);
    const overall = !apiUp ? "offline" : streams.every((s) => s.state === "live" || s.state === "quiet") ? "live" : "degraded";
    const live = byId("live-badge");
    setData(live, "state", overall);
    setText(live, overall);

    const banner = byId("banner");
    if (!apiUp && polls.stats.lastOk) {
      setText(banner, `API unreachable since ${clockOfMillis(polls.stats.lastOk)}: retrying every ${settings.pollMs / 1000} s; figures below are stale.`);
      show(banner, true);
    } else if (!apiUp && polls.stats.error) {
      setText(banner, `Cannot read the API: ${polls.stats.error instanceof Error ? polls.stats.error.message : String(polls.stats.error)}`);
      show(banner, true);
    } else show(banner, false);
  }
}

/** @type {Dashboard | undefined} */
let current;

/**
 * Stops everything, forgets the token and asks for one; with a working token the page starts afresh
 * (a reload: no panel keeps state from the old session).
 * @param {string} [why]
 */
function reauthenticate(why) {
  current?.stop();
  current = undefined;
  forgetToken();
  void promptToken(checkToken, why).then(() => location.reload());
}

async function main() {
  byId("forget-token").addEventListener("click", () => reauthenticate());
  adoptTokenFromUrl();
  const saved = storedToken();
  const problem = saved ? await checkToken(saved) : undefined;
  let token = saved;
  if (!token || (problem !== undefined && problem !== "The API cannot be reached.")) {
    if (saved) forgetToken();
    token = await promptToken(checkToken, saved ? problem : undefined);
  }
  current = new Dashboard(token, reauthenticate);
  current.start();
}

main().catch((e) => {
  console.error("dashboard failed to start", e);
  const banner = byId("banner");
  banner.textContent = `The dashboard failed to start: ${e instanceof Error ? e.message : String(e)}`;
  banner.hidden = false;
});

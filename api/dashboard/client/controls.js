// @ts-check
/**
 * Controls: the trading state with the kill switch (confirmation dialog asking for the token), the
 * strategy on/off switches, and the circuit breakers (with reset for open ones).
 * @module
 */

import { ApiError } from "./api.js";
import { byId, el, setData, setText, show } from "./dom.js";
import { age } from "./format.js";

/** @typedef {(text: string, kind?: "ok" | "error") => void} Toast */

/** The trading-state pill and the kill-switch button with its confirmation dialog. */
export class TradingControl {
  /** @param {import("./api.js").Api} api @param {Toast} toast @param {() => void} refresh */
  constructor(api, toast, refresh) {
    this.api = api;
    this.toast = toast;
    this.refresh = refresh;
    this.pill = byId("trading-state");
    this.button = /** @type {HTMLButtonElement} */ (byId("kill-switch"));
    this.dialog = /** @type {HTMLDialogElement} */ (byId("kill-dialog"));
    this.form = /** @type {HTMLFormElement} */ (byId("kill-form"));
    this.tokenInput = /** @type {HTMLInputElement} */ (byId("kill-token"));
    this.error = byId("kill-error");
    this.confirm = /** @type {HTMLButtonElement} */ (byId("kill-confirm"));
    /** @type {string} ACTIVE, REDUCING, HALTED, or `none` / `unavailable` / `unknown` */
    this.state = "unknown";
    this.detail = "";
    this.button.addEventListener("click", () => this.open());
    byId("kill-cancel").addEventListener("click", () => this.dialog.close());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  /** @param {string} state @param {string} [detail] */
  set(state, detail = "") {
    this.state = state;
    this.detail = detail;
  }

  render() {
    const known = ["ACTIVE", "REDUCING", "HALTED"].includes(this.state);
    setData(this.pill, "state", this.state.toLowerCase());
    setText(this.pill, known ? this.state : this.state === "none" ? "no execution service" : this.state === "unavailable" ? "unavailable" : "—");
    this.pill.title = this.detail;
    this.button.disabled = !known;
    this.button.title = known ? "" : this.detail || "trading state unknown";
    setText(this.button, this.state === "HALTED" ? "Release kill switch" : "Kill switch");
    this.button.classList.toggle("danger", this.state !== "HALTED");
    this.button.classList.toggle("primary", this.state === "HALTED");
  }

  /** @private */
  open() {
    const engage = this.state !== "HALTED";
    setText(byId("kill-title"), engage ? "Engage the kill switch?" : "Release the kill switch?");
    setText(byId("kill-text"), engage
      ? "Trading halts at once: every new order is rejected until the switch is released. Open orders are cancelled by the risk manager."
      : "Trading resumes: strategies' orders are accepted again, within the risk limits.");
    setText(this.confirm, engage ? "Engage kill switch" : "Release kill switch");
    this.confirm.className = `btn ${engage ? "danger" : "primary"}`;
    // Engaging is the safe direction: the session's token is filled in and one click confirms. Releasing
    // resumes trading, so the token must be typed again.
    this.tokenInput.value = engage ? this.api.token : "";
    setText(byId("kill-token-label"), engage ? "API token" : "Type the API token to release");
    show(this.error, false);
    this.dialog.showModal();
    (engage ? this.confirm : this.tokenInput).focus();
  }

  /** @private */
  async submit() {
    const engage = this.state !== "HALTED";
    const token = this.tokenInput.value.trim();
    if (!token) return;
    this.confirm.disabled = true;
    try {
      const body = await this.api.request(engage ? "POST" : "DELETE", "/kill-switch", token);
      this.set(body.tradingState);
      this.dialog.close();
      this.toast(engage ? `Kill switch engaged: trading ${body.tradingState}` : `Kill switch released: trading ${body.tradingState}`, "ok");
      this.render();
      this.refresh();
    } catch (e) {
      const text = e instanceof ApiError && e.status === 401 ? "Wrong token." : e instanceof Error ? e.message : String(e);
      this.error.textContent = text;
      show(this.error, true);
    } finally {
      this.confirm.disabled = false;
    }
  }
}

/** @typedef {{ name: string, enabled: boolean, up: boolean }} Strategy */

/** One on/off switch per strategy (`POST /strategies/:name/enable|disable`). */
export class StrategiesPanel {
  /** @param {import("./api.js").Api} api @param {Toast} toast @param {() => void} refresh */
  constructor(api, toast, refresh) {
    this.api = api;
    this.toast = toast;
    this.refresh = refresh;
    this.list = byId("strategies");
    this.empty = byId("strategies-empty");
    /** @type {Strategy[]} */
    this.strategies = [];
    /** @type {Map<string, { item: HTMLElement, input: HTMLInputElement, status: HTMLElement }>} */
    this.items = new Map();
    /** Names with a request in flight (their switch is not overwritten by a poll meanwhile). */
    this.busy = new Set();
  }

  /** @param {Strategy[]} list */
  set(list) {
    this.strategies = list;
  }

  render() {
    show(this.empty, this.strategies.length === 0);
    for (const s of this.strategies) {
      let it = this.items.get(s.name);
      if (!it) {
        const input = el("input", { type: "checkbox", role: "switch", "aria-label": `enable ${s.name}` });
        const status = el("span", { class: "badge" });
        const item = el("li", { class: "switch-row", data: { strategy: s.name } },
          el("label", {}, input, el("span", { class: "track" }), el("span", { class: "name", text: s.name })), status);
        input.addEventListener("change", () => void this.toggle(s.name, input));
        this.list.append(item);
        it = { item, input, status };
        this.items.set(s.name, it);
      }
      if (!this.busy.has(s.name)) it.input.checked = s.enabled;
      it.input.disabled = !s.up || this.busy.has(s.name);
      setData(it.item, "enabled", String(s.enabled));
      setText(it.status, s.up ? (s.enabled ? "on" : "off") : "down");
      setData(it.status, "status", s.up ? (s.enabled ? "up" : "off") : "down");
    }
  }

  /** @private @param {string} name @param {HTMLInputElement} input */
  async toggle(name, input) {
    const enable = input.checked;
    this.busy.add(name);
    input.disabled = true;
    try {
      await this.api.request("POST", `/strategies/${encodeURIComponent(name)}/${enable ? "enable" : "disable"}`);
      const s = this.strategies.find((x) => x.name === name);
      if (s) s.enabled = enable;
      this.toast(`${name} ${enable ? "enabled" : "disabled"}`, "ok");
    } catch (e) {
      input.checked = !enable;
      this.toast(`${name}: ${e instanceof Error ? e.message : String(e)}`, "error");
    } finally {
      this.busy.delete(name);
      this.render();
      this.refresh();
    }
  }
}

/** @typedef {{ name: string, state: "closed" | "open" | "half-open", failures: number, openedAt: string | null }} Breaker */

/** The circuit-breaker table, with a reset button for breakers that are not closed. */
export class BreakersPanel {
  /** @param {import("./api.js").Api} api @param {Toast} toast @param {() => void} refresh */
  constructor(api, toast, refresh) {
    this.api = api;
    this.toast = toast;
    this.refresh = refresh;
    this.body = byId("breakers");
    this.empty = byId("breakers-empty");
    this.table = byId("breakers-table");
    /** @type {Breaker[]} */
    this.breakers = [];
  }

  /** @param {Breaker[]} list */
  set(list) {
    this.breakers = list;
  }

  /** @param {number} now */
  render(now) {
    show(this.empty, this.breakers.length === 0);
    show(this.table, this.breakers.length > 0);
    const rows = this.breakers.map((b) => {
      const reset = b.state === "closed" ? "" : el("button", { class: "btn small ghost", type: "button", text: "reset", onclick: () => void this.reset(b.name) });
      return el("tr", { data: { breaker: b.name, state: b.state } },
        el("td", { class: "name", text: b.name }),
        el("td", {}, el("span", { class: "badge", data: { status: b.state === "closed" ? "up" : b.state === "open" ? "down" : "starting" }, text: b.state })),
        el("td", { class: "num", text: String(b.failures) }),
        el("td", { class: "num muted", text: b.openedAt ? `${age(now - Date.parse(b.openedAt))} ago` : "—" }),
        el("td", { class: "num" }, reset));
    });
    this.body.replaceChildren(...rows);
  }

  /** @private @param {string} name */
  async reset(name) {
    try {
      await this.api.request("POST", `/circuit-breakers/${encodeURIComponent(name)}/reset`);
      this.toast(`breaker ${name} reset`, "ok");
    } catch (e) {
      this.toast(`${name}: ${e instanceof Error ? e.message : String(e)}`, "error");
    }
    this.refresh();
  }
}

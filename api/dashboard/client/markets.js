// @ts-check
/**
 * Per instrument: last trade, best bid/ask with spread, and a mini order book (5 levels a side with
 * depth bars), from `/stream?domain=market-data` Trade (1), Quote (2) and OrderBook (3). Messages only
 * update state; cards are built once and their text rewritten in batched frames.
 * @module
 */

import { byId, el, setData, setText, show } from "./dom.js";
import { age, fixed, ratio } from "./format.js";
import { instrumentKey } from "./settings.js";

const LEVELS = 5;

/** @typedef {{ price: string, size: string }} Level */
/** @typedef {import("./settings.js").InstrumentJson} InstrumentJson */

/**
 * @typedef {object} Instrument
 * @property {string} key
 * @property {InstrumentJson} id
 * @property {{ price: string, size: string, side: number, at: number } | undefined} trade
 * @property {{ bid: string, bidSize: string, ask: string, askSize: string, at: number } | undefined} top
 * @property {{ bids: Level[], asks: Level[], at: number } | undefined} book
 * @property {number} at last update (ms)
 * @property {boolean} dirty
 * @property {Card | undefined} card
 */

/**
 * @typedef {object} Card
 * @property {HTMLElement} root
 * @property {Record<string, HTMLElement>} f
 * @property {{ row: HTMLElement, price: HTMLElement, size: HTMLElement }[]} asks best last
 * @property {{ row: HTMLElement, price: HTMLElement, size: HTMLElement }[]} bids best first
 */

/** Spread in bps of the mid, 2 decimals, exact. @param {string} bid @param {string} ask @returns {string} */
export function spreadBps(bid, ask) {
  const b = BigInt(bid), a = BigInt(ask);
  if (b <= 0n || a <= 0n) return "—";
  return `${ratio((a - b) * 20_000n, a + b, 3)} bps`;
}

/** The instrument cards (at most `maxInstruments`, in symbol order). */
export class MarketsPanel {
  /** @param {import("./settings.js").Labels} labels @param {number} maxInstruments @param {number} staleAfterMs */
  constructor(labels, maxInstruments, staleAfterMs) {
    this.labels = labels;
    this.max = maxInstruments;
    this.staleAfterMs = staleAfterMs;
    this.grid = byId("instruments");
    this.countEl = byId("markets-count");
    /** @type {Map<string, Instrument>} */
    this.instruments = new Map();
    this.hidden = 0;
  }

  /** @param {any} tlv a Trade, Quote or OrderBook TLV (§7 JSON) @param {number} now */
  onTlv(tlv, now) {
    const id = /** @type {InstrumentJson | undefined} */ (tlv.instrument);
    if (!id) return;
    const inst = this.instrument(id);
    if (!inst) return;
    if (tlv.type === 1) inst.trade = { price: tlv.price, size: tlv.size, side: tlv.side, at: now };
    else if (tlv.type === 2) inst.top = { bid: tlv.bidPrice, bidSize: tlv.bidSize, ask: tlv.askPrice, askSize: tlv.askSize, at: now };
    else if (tlv.type === 3) {
      inst.book = { bids: tlv.bids ?? [], asks: tlv.asks ?? [], at: now };
      const b = inst.book.bids[0], a = inst.book.asks[0];
      if (b && a) inst.top = { bid: b.price, bidSize: b.size, ask: a.price, askSize: a.size, at: now };
    } else return;
    inst.at = now;
    inst.dirty = true;
  }

  /** @param {number} now */
  render(now) {
    for (const inst of this.instruments.values()) {
      if (!inst.card) {
        inst.card = this.createCard(inst);
        this.grid.querySelector(".empty")?.remove();
        // Cards stay in a stable order (symbol, then venue) whatever order the feeds start in.
        const key = inst.card.root.dataset.sort ?? "";
        const after = [...this.grid.children].find((c) => (/** @type {HTMLElement} */ (c).dataset.sort ?? "") > key);
        this.grid.insertBefore(inst.card.root, after ?? null);
      }
      const c = inst.card;
      const stale = now - inst.at > this.staleAfterMs;
      setData(c.root, "stale", String(stale));
      setText(c.f.age, stale ? `stale ${age(now - inst.at)}` : age(now - inst.at));
      if (!inst.dirty) continue;
      inst.dirty = false;
      const t = inst.trade;
      setText(c.f.last, t ? fixed(t.price) : "—");
      setText(c.f.lastSize, t ? fixed(t.size, 8, 0) : "");
      setText(c.f.side, t ? (t.side === 1 ? "buy" : t.side === 2 ? "sell" : "") : "");
      setData(c.f.lastRow, "side", t ? String(t.side) : "0");
      const q = inst.top;
      setText(c.f.bid, q ? fixed(q.bid) : "—");
      setText(c.f.bidSize, q ? fixed(q.bidSize, 8, 0) : "");
      setText(c.f.ask, q ? fixed(q.ask) : "—");
      setText(c.f.askSize, q ? fixed(q.askSize, 8, 0) : "");
      setText(c.f.spread, q ? spreadBps(q.bid, q.ask) : "—");
      this.renderBook(c, inst.book);
    }
    setText(this.countEl, this.instruments.size === 0 ? "" :
      `${this.instruments.size} instrument${this.instruments.size === 1 ? "" : "s"}${this.hidden ? ` (+${this.hidden} not shown)` : ""}`);
  }

  /** @private @param {Card} c @param {Instrument["book"]} book */
  renderBook(c, book) {
    show(c.f.book, Boolean(book));
    if (!book) return;
    let max = 0n;
    for (const l of [...book.bids.slice(0, LEVELS), ...book.asks.slice(0, LEVELS)]) {
      const s = BigInt(l.size);
      if (s > max) max = s;
    }
    /** @param {{ row: HTMLElement, price: HTMLElement, size: HTMLElement }} slot @param {Level | undefined} l */
    const fill = (slot, l) => {
      setText(slot.price, l ? fixed(l.price) : "");
      setText(slot.size, l ? fixed(l.size, 8, 0) : "");
      const pct = l && max > 0n ? Number((BigInt(l.size) * 1000n) / max) / 10 : 0;
      slot.row.style.setProperty("--depth", `${pct}%`);
    };
    for (let i = 0; i < LEVELS; i++) {
      fill(c.bids[i], book.bids[i]);
      fill(c.asks[LEVELS - 1 - i], book.asks[i]);
    }
  }

  /** @private @param {InstrumentJson} id @returns {Instrument | undefined} */
  instrument(id) {
    const key = instrumentKey(id);
    let inst = this.instruments.get(key);
    if (inst) return inst;
    if (this.instruments.size >= this.max) {
      this.hidden++;
      return undefined;
    }
    inst = { key, id, trade: undefined, top: undefined, book: undefined, at: 0, dirty: true, card: undefined };
    this.instruments.set(key, inst);
    return inst;
  }

  /** @private @param {Instrument} inst @returns {Card} */
  createCard(inst) {
    /** @type {Record<string, HTMLElement>} */
    const f = {
      age: el("span", { class: "age" }),
      last: el("span", { class: "px" }),
      lastSize: el("span", { class: "qty" }),
      side: el("span", { class: "side" }),
      bid: el("b", { class: "bid" }), bidSize: el("small"),
      ask: el("b", { class: "ask" }), askSize: el("small"),
      spread: el("b"),
    };
    f.lastRow = el("div", { class: "last" }, el("span", { class: "label", text: "Last" }), f.last, f.lastSize, f.side);
    const slot = (/** @type {string} */ side) => {
      const price = el("span", { class: "px" }), size = el("span", { class: "sz" });
      return { row: el("div", { class: `lvl ${side}` }, price, size), price, size };
    };
    const asks = Array.from({ length: LEVELS }, () => slot("ask"));
    const bids = Array.from({ length: LEVELS }, () => slot("bid"));
    f.book = el("div", { class: "book", hidden: true }, ...asks.map((s) => s.row), el("div", { class: "book-mid" }), ...bids.map((s) => s.row));
    const sort = `${this.labels.symbol(inst.id)}\u0000${this.labels.venue(inst.id.venue)}`;
    const root = el("article", { class: "inst", data: { instrument: this.labels.instrument(inst.id), stale: "false", sort } },
      el("header", {}, el("span", { class: "sym", text: this.labels.symbol(inst.id) }), el("span", { class: "venue", text: this.labels.venue(inst.id.venue) }), f.age),
      f.lastRow,
      el("div", { class: "bbo" },
        el("div", {}, el("span", { class: "label", text: "Bid" }), f.bid, f.bidSize),
        el("div", {}, el("span", { class: "label", text: "Ask" }), f.ask, f.askSize),
        el("div", {}, el("span", { class: "label", text: "Spread" }), f.spread)),
      f.book);
    return { root, f, asks, bids };
  }
}

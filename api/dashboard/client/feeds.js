// @ts-check
/**
 * The signal feed (`/stream?domain=signal`: arbitrage with net profit, momentum, liquidation alerts)
 * and the execution feed (`/stream?domain=execution`: orders, acks, fills, cancels). New entries are
 * queued and prepended once per frame; each feed keeps at most `cap` entries.
 * @module
 */

import { byId, el, setText, show, signClass } from "./dom.js";
import { bps, clockOfNanos, fixed, shortAddress, signOf, signedUsd, usd } from "./format.js";

/** A feed list capped at `cap` entries, newest first. */
export class Feed {
  /** @param {string} listId @param {string} emptyId @param {number} cap */
  constructor(listId, emptyId, cap) {
    this.list = byId(listId);
    this.empty = byId(emptyId);
    this.cap = cap;
    /** @type {HTMLElement[]} */
    this.queue = [];
    this.total = 0;
  }

  /** @param {HTMLElement} item */
  push(item) {
    this.queue.push(item);
    if (this.queue.length > this.cap) this.queue.splice(0, this.queue.length - this.cap);
    this.total++;
  }

  render() {
    if (this.queue.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (let i = this.queue.length - 1; i >= 0; i--) fragment.append(/** @type {HTMLElement} */ (this.queue[i]));
    this.queue = [];
    this.list.prepend(fragment);
    while (this.list.childElementCount > this.cap) this.list.lastElementChild?.remove();
    show(this.empty, false);
  }
}

/**
 * @param {string} kind css modifier @param {string} tag short label @param {string} time
 * @param {(Node | string)[]} main @param {(Node | string)[]} [meta]
 */
function item(kind, tag, time, main, meta = []) {
  return el("li", { class: `item kind-${kind}`, data: { kind } },
    el("time", { text: time }), el("span", { class: `tag tag-${kind}`, text: tag }),
    el("span", { class: "main" }, ...main), el("span", { class: "meta" }, ...meta));
}

/** @param {string} text @param {number} sign */
const signed = (text, sign) => el("b", { class: signClass(sign), text });

const ACK_STATUS = /** @type {Record<number, string>} */ ({ 1: "accepted", 2: "rejected", 3: "cancelled", 4: "expired" });
const REJECT = /** @type {Record<number, string>} */ ({ 1: "risk limit", 2: "kill switch", 3: "invalid", 4: "venue", 5: "stale" });
const ORDER_TYPE = /** @type {Record<number, string>} */ ({ 1: "market", 2: "limit", 3: "IOC", 4: "FOK" });
const CANCEL_REASON = /** @type {Record<number, string>} */ ({ 1: "user", 2: "risk", 3: "kill switch", 4: "timeout" });
/** @param {number} side */
const sideText = (side) => (side === 1 ? "BUY" : side === 2 ? "SELL" : "?");

/** The signal feed: arbitrage (net profit first), momentum and liquidation alerts, with counts. */
export class SignalFeed {
  /** @param {import("./settings.js").Labels} labels @param {number} cap */
  constructor(labels, cap) {
    this.labels = labels;
    this.feed = new Feed("signals-feed", "signals-empty", cap);
    this.countEl = byId("signals-count");
    this.counts = { arbitrage: 0, momentum: 0, liquidation: 0 };
  }

  /** @param {any} msg a signal-domain message (§7 JSON) */
  onMessage(msg) {
    const tlvs = /** @type {any[]} */ (msg.tlvs ?? []);
    const identity = tlvs.find((t) => t.type === 20);
    const time = clockOfNanos(msg.header?.timestamp);
    const who = identity ? [`strategy ${identity.strategyId}`, ` · ${identity.confidence}%`] : [];
    for (const t of tlvs) {
      if (t.type === 21) {
        this.counts.arbitrage++;
        const route = `${this.labels.venue(t.sourceVenue)} → ${this.labels.venue(t.targetVenue)}`;
        const pair = `${this.labels.token(t.tokenIn) ?? shortAddress(t.tokenIn)}/${this.labels.token(t.tokenOut) ?? shortAddress(t.tokenOut)}`;
        this.feed.push(item("arbitrage", "ARB", time,
          ["net ", signed(signedUsd(t.netProfitUsd), signOf(t.netProfitUsd)), ` · ${pair} · ${route} · spread ${bps(t.spreadBps)}`],
          [`gas ${usd(t.gasCostUsd)} · fees ${usd(t.dexFeesUsd)} · `, ...who]));
      } else if (t.type === 22) {
        this.counts.momentum++;
        const arrow = t.direction > 0 ? "▲" : t.direction < 0 ? "▼" : "■";
        this.feed.push(item("momentum", "MOM", time,
          [signed(`${arrow} ${bps(t.momentumBps)}`, t.direction), ` ${this.labels.instrument(t.instrument)} over ${t.windowSeconds}s @ ${fixed(t.referencePrice)}`],
          who));
      } else if (t.type === 23) {
        this.counts.liquidation++;
        this.feed.push(item("liquidation", "LIQ", time,
          [`${t.side === 1 ? "long" : "short"} ${this.labels.instrument(t.instrument)} size ${fixed(t.positionSize, 8, 0)} · liq ${fixed(t.liquidationPrice)} mark ${fixed(t.markPrice)} (${bps(t.distanceBps)})`],
          [`severity ${t.severity} · `, ...who]));
      }
    }
  }

  render() {
    this.feed.render();
    const c = this.counts;
    setText(this.countEl, this.feed.total ? `${c.arbitrage} arbitrage · ${c.momentum} momentum · ${c.liquidation} liquidation` : "");
  }
}

/** The execution feed: orders, acks/rejects, fills and cancels, with counts. */
export class ExecutionFeed {
  /** @param {import("./settings.js").Labels} labels @param {number} cap */
  constructor(labels, cap) {
    this.labels = labels;
    this.feed = new Feed("execution-feed", "execution-empty", cap);
    this.countEl = byId("execution-count");
    this.counts = { orders: 0, accepted: 0, rejected: 0, fills: 0, cancels: 0 };
  }

  /** @param {any} msg an execution-domain message (§7 JSON) */
  onMessage(msg) {
    const time = clockOfNanos(msg.header?.timestamp);
    for (const t of /** @type {any[]} */ (msg.tlvs ?? [])) {
      if (t.type === 40) {
        this.counts.orders++;
        const paper = (t.flags & 4) !== 0 ? " · paper" : "";
        const price = t.price === "0" ? "market" : `${ORDER_TYPE[t.orderType] ?? "type " + t.orderType} ${fixed(t.price)}`;
        this.feed.push(item("order", "ORDER", time,
          [signed(sideText(t.side), t.side === 1 ? 1 : -1), ` ${fixed(t.quantity, 8, 0)} ${this.labels.instrument(t.instrument)} · ${price}`],
          [`#${t.orderId} · strategy ${t.strategyId}${paper}`]));
      } else if (t.type === 41) {
        const status = ACK_STATUS[t.status] ?? `status ${t.status}`;
        if (t.status === 1) this.counts.accepted++;
        if (t.status === 2) this.counts.rejected++;
        const reason = t.status === 2 && t.rejectReason ? ` (${REJECT[t.rejectReason] ?? t.rejectReason})` : "";
        this.feed.push(item(t.status === 1 ? "ack" : "reject", t.status === 1 ? "ACK" : "REJECT", time,
          [`#${t.orderId} ${status}${reason}`], [t.venueOrderId !== "0" ? `venue #${t.venueOrderId}` : ""]));
      } else if (t.type === 42) {
        this.counts.fills++;
        this.feed.push(item("fill", "FILL", time,
          [signed(sideText(t.side), t.side === 1 ? 1 : -1), ` ${fixed(t.quantity, 8, 0)} ${this.labels.instrument(t.instrument)} @ ${fixed(t.price)}`],
          [`#${t.orderId} · fee ${fixed(t.fee, 8, 2)} · ${t.liquidity === 1 ? "maker" : t.liquidity === 2 ? "taker" : "—"}`]));
      } else if (t.type === 43) {
        this.counts.cancels++;
        this.feed.push(item("cancel", "CANCEL", time, [`#${t.orderId} (${CANCEL_REASON[t.reason] ?? t.reason})`]));
      }
    }
  }

  render() {
    this.feed.render();
    const c = this.counts;
    setText(this.countEl, this.feed.total ? `${c.orders} orders · ${c.fills} fills · ${c.rejected} rejected` : "");
  }
}

// @ts-check
/**
 * Per DEX pool: the marginal price and, for V2 pools, the reserves, from `/stream?domain=market-data`
 * PoolSwap (4) and PoolSync (7). Prices are computed with BigInt from the raw on-chain integers:
 * V2 reserves `r1·10^d0 / (r0·10^d1)`, V3 `sqrtPriceX96² · 10^d0 / (2^192 · 10^d1)`, and for a V2 swap
 * without a sync, the swap's own execution price. token0 is the lower address (Uniswap's ordering).
 * @module
 */

import { byId, el, setData, setText, show } from "./dom.js";
import { age, count, pow10, ratio, shortAddress } from "./format.js";

const Q192 = 1n << 192n;

/**
 * @typedef {object} Pool
 * @property {string} address
 * @property {number} venue
 * @property {string | undefined} token0
 * @property {string | undefined} token1
 * @property {number | undefined} dec0
 * @property {number | undefined} dec1
 * @property {bigint | undefined} reserve0
 * @property {bigint | undefined} reserve1
 * @property {[bigint, bigint] | undefined} price token1 per token0 as num/den
 * @property {string} block
 * @property {string} event
 * @property {number} events
 * @property {number} at
 * @property {boolean} dirty
 * @property {{ row: HTMLElement, cells: Record<string, HTMLElement> } | undefined} view
 */

/**
 * Price of token0 in token1 after a swap, as num/den, with the pool's token order.
 * @param {any} s a PoolSwap TLV (§7 JSON)
 * @returns {{ token0: string, token1: string, dec0: number, dec1: number, price: [bigint, bigint] } | undefined}
 */
export function swapPrice(s) {
  const tokenIn = String(s.tokenIn), tokenOut = String(s.tokenOut);
  const inIs0 = tokenIn < tokenOut;
  const token0 = inIs0 ? tokenIn : tokenOut, token1 = inIs0 ? tokenOut : tokenIn;
  const dec0 = inIs0 ? s.tokenInDecimals : s.tokenOutDecimals, dec1 = inIs0 ? s.tokenOutDecimals : s.tokenInDecimals;
  if (s.sqrtPriceX96After !== undefined) {
    const sq = BigInt(s.sqrtPriceX96After);
    if (sq === 0n) return undefined;
    return { token0, token1, dec0, dec1, price: [sq * sq * pow10(dec0), Q192 * pow10(dec1)] };
  }
  const amountIn = BigInt(s.amountIn), amountOut = BigInt(s.amountOut);
  if (amountIn === 0n || amountOut === 0n) return undefined;
  const price = inIs0
    ? /** @type {[bigint, bigint]} */ ([amountOut * pow10(s.tokenInDecimals), amountIn * pow10(s.tokenOutDecimals)])
    : /** @type {[bigint, bigint]} */ ([amountIn * pow10(s.tokenOutDecimals), amountOut * pow10(s.tokenInDecimals)]);
  return { token0, token1, dec0, dec1, price };
}

/** The pool table (at most `maxPools`, in first-seen order). */
export class PoolsPanel {
  /** @param {import("./settings.js").Labels} labels @param {number} maxPools @param {number} staleAfterMs */
  constructor(labels, maxPools, staleAfterMs) {
    this.labels = labels;
    this.max = maxPools;
    this.staleAfterMs = staleAfterMs;
    this.body = byId("pools");
    this.empty = byId("pools-empty");
    /** @type {Map<string, Pool>} */
    this.pools = new Map();
  }

  /** @param {any} tlv PoolSwap or PoolSync @param {number} now */
  onTlv(tlv, now) {
    if ((tlv.flags & 2) !== 0) return; // removed by a reorg: the replacement event follows
    const pool = this.pool(String(tlv.pool), tlv.venue);
    if (!pool) return;
    if (tlv.type === 7) {
      pool.dec0 = tlv.token0Decimals;
      pool.dec1 = tlv.token1Decimals;
      pool.reserve0 = BigInt(tlv.reserve0);
      pool.reserve1 = BigInt(tlv.reserve1);
      if (pool.reserve0 > 0n) pool.price = [pool.reserve1 * pow10(tlv.token0Decimals), pool.reserve0 * pow10(tlv.token1Decimals)];
      pool.event = "sync";
    } else if (tlv.type === 4) {
      const p = swapPrice(tlv);
      if (p) {
        pool.token0 = p.token0;
        pool.token1 = p.token1;
        pool.dec0 = p.dec0;
        pool.dec1 = p.dec1;
        if (tlv.sqrtPriceX96After !== undefined || pool.reserve0 === undefined) pool.price = p.price;
      }
      pool.event = tlv.sqrtPriceX96After !== undefined ? "swap v3" : "swap";
    } else return;
    pool.block = String(tlv.blockNumber);
    pool.events++;
    pool.at = now;
    pool.dirty = true;
  }

  /** @param {number} now */
  render(now) {
    show(this.empty, this.pools.size === 0);
    for (const pool of this.pools.values()) {
      if (!pool.view) {
        pool.view = this.createRow(pool);
        this.body.append(pool.view.row);
      }
      const { row, cells } = pool.view;
      const stale = now - pool.at > this.staleAfterMs;
      setData(row, "stale", String(stale));
      setText(cells.age, age(now - pool.at));
      if (!pool.dirty) continue;
      pool.dirty = false;
      const t0 = this.tokenLabel(pool.token0, "token0"), t1 = this.tokenLabel(pool.token1, "token1");
      setText(cells.pair, `${t0} / ${t1}`);
      setText(cells.price, this.priceText(pool, t0, t1));
      setText(cells.reserves, pool.reserve0 !== undefined && pool.reserve1 !== undefined && pool.dec0 !== undefined && pool.dec1 !== undefined
        ? `${ratio(pool.reserve0, pow10(pool.dec0), 5)} ${t0} · ${ratio(pool.reserve1, pow10(pool.dec1), 5)} ${t1}` : "—");
      setText(cells.block, count(pool.block));
      setText(cells.event, `${pool.event} · ${pool.events}`);
    }
  }

  /** @private @param {Pool} pool @param {string} t0 @param {string} t1 */
  priceText(pool, t0, t1) {
    if (!pool.price) return "—";
    const [num, den] = pool.price;
    if (num === 0n) return "—";
    return num >= den ? `1 ${t0} = ${ratio(num, den, 6)} ${t1}` : `1 ${t1} = ${ratio(den, num, 6)} ${t0}`;
  }

  /** @private @param {string | undefined} address @param {string} fallback */
  tokenLabel(address, fallback) {
    if (!address) return fallback;
    return this.labels.token(address) ?? shortAddress(address);
  }

  /** @private @param {string} address @param {number} venue @returns {Pool | undefined} */
  pool(address, venue) {
    let pool = this.pools.get(address);
    if (pool) return pool;
    if (this.pools.size >= this.max) return undefined;
    pool = {
      address, venue, token0: undefined, token1: undefined, dec0: undefined, dec1: undefined, reserve0: undefined, reserve1: undefined,
      price: undefined, block: "0", event: "", events: 0, at: 0, dirty: true, view: undefined,
    };
    this.pools.set(address, pool);
    return pool;
  }

  /** @private @param {Pool} pool */
  createRow(pool) {
    /** @type {Record<string, HTMLElement>} */
    const cells = {
      pair: el("span", { class: "pair" }),
      event: el("span"),
      block: el("span"),
      price: el("div", { class: "price" }),
      reserves: el("div", { class: "muted small wrap" }),
      age: el("span", { class: "age" }),
    };
    const row = el("tr", { data: { pool: pool.address } },
      el("td", {}, el("div", {}, cells.pair, " ", cells.age), el("div", { class: "muted small" }, `${this.labels.venue(pool.venue)} · `,
        el("span", { class: "mono", text: shortAddress(pool.address), title: pool.address })),
        el("div", { class: "muted small" }, "block ", cells.block, " · ", cells.event)),
      el("td", { class: "num" }, cells.price, cells.reserves));
    return { row, cells };
  }
}

/**
 * A simulated Coinbase Exchange feed in its real wire format: `subscribe`/`unsubscribe` handshakes
 * answered with `subscriptions`, level-2 `snapshot` + `l2update`, `match`/`last_match` (with the
 * maker's side), `ticker`, and a `heartbeat` per product every second. Sequences are per product with
 * holes, like the real feed; trade ids are consecutive. REST: `GET /products` and
 * `GET /products/<id>/trades` with Coinbase's cursor pagination (`before`/`after` trade ids, `limit`
 * ≤ 1000, newest first, `CB-BEFORE`/`CB-AFTER` headers) over the last {@link TRADE_HISTORY} trades of
 * each product — including the ones `dropNext` kept off the feed, as the real venue still has them.
 * Output is simulated data, not Coinbase's.
 *
 * @module
 */

import { MarketModel, type MarketDynamics, formatFixed, type MarketEvent, type SymbolSpec } from "./market.ts";
import { Rng } from "../../core/prng.ts";
import { isoMicros, type SimClient, type SimRestAnswer, type VenueSim } from "./venue-sim.ts";

/** Products simulated by default. DOGE-USD trades around 0.036 to exercise small prices. */
export const COINBASE_SIM_PRODUCTS: readonly SymbolSpec[] = [
  { symbol: "BTC-USD", base: "BTC", quote: "USD", priceDecimals: 2, sizeDecimals: 8, midTicks: 11_682_785, typicalLots: 2_000_000 },
  { symbol: "ETH-USD", base: "ETH", quote: "USD", priceDecimals: 2, sizeDecimals: 8, midTicks: 428_815, typicalLots: 50_000_000 },
  { symbol: "DOGE-USD", base: "DOGE", quote: "USD", priceDecimals: 5, sizeDecimals: 2, midTicks: 3_600, typicalLots: 500_000 },
];

const LEVEL2 = new Set(["level2", "level2_batch"]);

/** Trades per product the REST trades endpoint can return. */
export const TRADE_HISTORY = 5000;

/** One trade as `GET /products/<id>/trades` returns it. */
interface RestTrade {
  time: string;
  trade_id: number;
  price: string;
  size: string;
  side: string;
}

/** The Coinbase simulator. */
export class CoinbaseSim implements VenueSim {
  readonly name = "coinbase";
  readonly symbols: readonly string[];
  private readonly rng: Rng;
  private readonly markets = new Map<string, MarketModel>();
  private readonly sequence = new Map<string, number>();
  private readonly subs = new Map<SimClient, Map<string, Set<string>>>();
  private readonly drops = new Map<string, number>();
  private readonly history = new Map<string, RestTrade[]>();
  /** Products whose trades endpoint answers 500 (a test knob for backfill failures). */
  readonly failingTrades = new Set<string>();
  private lastHeartbeatMs = -Infinity;

  /** @param seed PRNG seed @param products products to simulate */
  constructor(seed: number, products: readonly SymbolSpec[] = COINBASE_SIM_PRODUCTS, dynamics: MarketDynamics = {}) {
    this.rng = new Rng(seed);
    for (const p of products) {
      this.markets.set(p.symbol, new MarketModel(p, this.rng, dynamics));
      this.sequence.set(p.symbol, 1_000_000 + this.rng.int(0, 1_000_000));
    }
    this.symbols = products.map((p) => p.symbol);
  }

  dropNext(symbol: string, count = 1): void {
    this.drops.set(symbol, (this.drops.get(symbol) ?? 0) + count);
  }

  onConnect(client: SimClient): void {
    this.subs.set(client, new Map());
  }

  onDisconnect(client: SimClient): void {
    this.subs.delete(client);
  }

  private uuid(): string {
    const h = (n: number): string => Array.from({ length: n }, () => this.rng.int(0, 15).toString(16)).join("");
    return `${h(8)}-${h(4)}-4${h(3)}-a${h(3)}-${h(12)}`;
  }

  private nextSeq(product: string, by = 1): number {
    const s = this.sequence.get(product)! + by;
    this.sequence.set(product, s);
    return s;
  }

  private subscriptionsFrame(client: SimClient): string {
    const channels = [...(this.subs.get(client) ?? new Map<string, Set<string>>()).entries()]
      .filter(([, ids]) => ids.size > 0)
      .map(([name, ids]) => ({ name, product_ids: [...ids] }));
    return JSON.stringify({ type: "subscriptions", channels });
  }

  onClientFrame(client: SimClient, text: string, nowMs: number): void {
    let msg: { type?: string; product_ids?: unknown; channels?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      client.send(JSON.stringify({ type: "error", message: "Malformed JSON", reason: "message is not JSON" }));
      return;
    }
    const subs = this.subs.get(client);
    if (!subs || (msg.type !== "subscribe" && msg.type !== "unsubscribe")) {
      client.send(JSON.stringify({ type: "error", message: "Failed to subscribe", reason: `${String(msg.type)} is not a valid message` }));
      return;
    }
    const ids = Array.isArray(msg.product_ids) ? (msg.product_ids as string[]) : [];
    const unknown = ids.find((id) => !this.markets.has(id));
    if (unknown !== undefined) {
      client.send(JSON.stringify({ type: "error", message: "Failed to subscribe", reason: `${unknown} is not a valid product` }));
      return;
    }
    const channels = Array.isArray(msg.channels) ? (msg.channels as unknown[]) : [];
    const added: [string, string][] = [];
    for (const ch of channels) {
      const name = typeof ch === "string" ? ch : (ch as { name?: string }).name ?? "";
      const chIds = typeof ch === "object" && ch !== null && Array.isArray((ch as { product_ids?: unknown }).product_ids)
        ? ((ch as { product_ids: string[] }).product_ids)
        : ids;
      let set = subs.get(name);
      if (!set) subs.set(name, (set = new Set()));
      for (const id of chIds) {
        if (msg.type === "subscribe") {
          if (!set.has(id)) added.push([name, id]);
          set.add(id);
        } else set.delete(id);
      }
    }
    client.send(this.subscriptionsFrame(client));
    for (const [name, id] of added) {
      const m = this.markets.get(id)!;
      if (LEVEL2.has(name)) {
        const fmt = (l: [number, number]): [string, string] => [formatFixed(l[0], m.spec.priceDecimals), formatFixed(l[1], m.spec.sizeDecimals)];
        client.send(JSON.stringify({
          type: "snapshot", product_id: id, bids: m.levels(true).map(fmt), asks: m.levels(false).map(fmt), time: isoMicros(nowMs),
        }));
      } else if (name === "matches" && m.lastTrade) {
        client.send(this.matchFrame(id, m, m.lastTrade, "last_match", this.sequence.get(id)!, nowMs));
      }
    }
  }

  private matchFrame(id: string, m: MarketModel, t: Extract<MarketEvent, { kind: "trade" }>, type: string, seq: number, nowMs: number): string {
    return JSON.stringify({
      type, trade_id: t.tradeId, maker_order_id: this.uuid(), taker_order_id: this.uuid(),
      side: t.takerBuys ? "sell" : "buy", // Coinbase reports the maker's side
      size: formatFixed(t.lots, m.spec.sizeDecimals), price: formatFixed(t.ticks, m.spec.priceDecimals),
      product_id: id, sequence: seq, time: isoMicros(nowMs),
    });
  }

  private sendTo(channel: string | Set<string>, product: string, text: string): void {
    for (const [client, subs] of this.subs) {
      const hit = typeof channel === "string"
        ? subs.get(channel)?.has(product)
        : [...channel].some((c) => subs.get(c)?.has(product));
      if (hit) client.send(text);
    }
  }

  step(nowMs: number): void {
    for (const [id, m] of this.markets) {
      const events = m.step();
      const dropping = (this.drops.get(id) ?? 0) > 0;
      const changes: [string, string, string][] = [];
      for (const ev of events) {
        if (ev.kind === "level") {
          changes.push([ev.bid ? "buy" : "sell", formatFixed(ev.ticks, m.spec.priceDecimals), formatFixed(ev.lots, m.spec.sizeDecimals)]);
          continue;
        }
        const seq = this.nextSeq(id, this.rng.int(1, 4));
        this.remember(id, {
          time: isoMicros(nowMs), trade_id: ev.tradeId, price: formatFixed(ev.ticks, m.spec.priceDecimals),
          size: formatFixed(ev.lots, m.spec.sizeDecimals), side: ev.takerBuys ? "sell" : "buy",
        });
        if (dropping) {
          this.drops.set(id, this.drops.get(id)! - 1);
          continue; // the match is lost on the way: the next trade id jumps
        }
        this.sendTo("matches", id, this.matchFrame(id, m, ev, "match", seq, nowMs));
        const bb = m.bestBid();
        const ba = m.bestAsk();
        this.sendTo("ticker", id, JSON.stringify({
          type: "ticker", sequence: seq, product_id: id, price: formatFixed(ev.ticks, m.spec.priceDecimals),
          open_24h: formatFixed(m.spec.midTicks, m.spec.priceDecimals), volume_24h: "1234.56789000",
          low_24h: formatFixed(m.spec.midTicks - 500, m.spec.priceDecimals), high_24h: formatFixed(m.spec.midTicks + 500, m.spec.priceDecimals),
          volume_30d: "98765.43210000", best_bid: formatFixed(bb, m.spec.priceDecimals),
          best_bid_size: formatFixed(m.bids.get(bb) ?? 0, m.spec.sizeDecimals), best_ask: formatFixed(ba, m.spec.priceDecimals),
          best_ask_size: formatFixed(m.asks.get(ba) ?? 0, m.spec.sizeDecimals), side: ev.takerBuys ? "buy" : "sell",
          time: isoMicros(nowMs), trade_id: ev.tradeId, last_size: formatFixed(ev.lots, m.spec.sizeDecimals),
        }));
      }
      if (changes.length > 0) {
        this.nextSeq(id, changes.length);
        this.sendTo(LEVEL2, id, JSON.stringify({ type: "l2update", product_id: id, changes, time: isoMicros(nowMs) }));
      }
    }
    if (nowMs - this.lastHeartbeatMs >= 1000) {
      this.lastHeartbeatMs = nowMs;
      for (const [id, m] of this.markets) {
        this.sendTo("heartbeat", id, JSON.stringify({
          type: "heartbeat", last_trade_id: m.lastTradeId, product_id: id, sequence: this.sequence.get(id), time: isoMicros(nowMs),
        }));
      }
    }
  }

  private remember(product: string, t: RestTrade): void {
    let h = this.history.get(product);
    if (!h) this.history.set(product, (h = []));
    h.push(t);
    if (h.length > TRADE_HISTORY) h.splice(0, h.length - TRADE_HISTORY);
  }

  /** `GET /products/<id>/trades` as Coinbase answers it. */
  private trades(product: string, query: URLSearchParams): SimRestAnswer {
    const json = (status: number, body: unknown, headers?: Record<string, string>): SimRestAnswer => ({ status, body: JSON.stringify(body), headers });
    if (!this.markets.has(product)) return json(404, { message: "NotFound" });
    if (this.failingTrades.has(product)) return json(500, { message: "Internal server error" });
    const int = (name: string): number | undefined | null => {
      const v = query.get(name);
      if (v === null) return undefined;
      return /^\d{1,15}$/.test(v) ? Number(v) : null;
    };
    const limit = int("limit");
    const before = int("before");
    const after = int("after");
    if (limit === null || (limit !== undefined && (limit < 1 || limit > 1000))) return json(400, { message: "Invalid limit" });
    if (before === null || after === null) return json(400, { message: "Invalid cursor" });
    const n = limit ?? 1000;
    const all = this.history.get(product) ?? []; // oldest first
    let page: RestTrade[];
    if (after !== undefined) {
      const older = all.filter((t) => t.trade_id < after);
      page = older.slice(Math.max(0, older.length - n));
    } else if (before !== undefined) {
      page = all.filter((t) => t.trade_id > before).slice(0, n);
    } else {
      page = all.slice(Math.max(0, all.length - n));
    }
    page = page.slice().reverse(); // newest first
    const headers: Record<string, string> = {};
    if (page.length > 0) {
      headers["cb-before"] = String(page[0]!.trade_id);
      headers["cb-after"] = String(page[page.length - 1]!.trade_id);
    }
    return json(200, page, headers);
  }

  rest(pathname: string, query: URLSearchParams = new URLSearchParams()): SimRestAnswer | undefined {
    const m = /^\/products\/([^/]+)\/trades$/.exec(pathname);
    if (m) return this.trades(decodeURIComponent(m[1]!), query);
    if (pathname === "/products") {
      return {
        status: 200,
        body: JSON.stringify([...this.markets.values()].map((m) => ({
          id: m.spec.symbol, base_currency: m.spec.base, quote_currency: m.spec.quote,
          quote_increment: formatFixed(1, m.spec.priceDecimals), base_increment: formatFixed(1, m.spec.sizeDecimals), status: "online",
        }))),
      };
    }
    return undefined;
  }
}

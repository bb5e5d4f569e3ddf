/**
 * A simulated Binance spot venue in its real wire format: combined-stream frames
 * (`{"stream":…,"data":…}`) for `trade`, `aggTrade`, `bookTicker` and `depth@100ms` (with `U`/`u` update
 * ids), `SUBSCRIBE`/`UNSUBSCRIBE` answered `{"result":null,"id":…}`, and REST `/api/v3/exchangeInfo` and
 * `/api/v3/depth` snapshots consistent with the stream. Tests can make REST answer 429/418 with
 * `Retry-After`. Output is simulated data, not Binance's.
 *
 * @module
 */

import { MarketModel, type MarketDynamics, formatFixed, type SymbolSpec } from "./market.ts";
import { Rng } from "../../core/prng.ts";
import type { SimClient, SimRestAnswer, VenueSim } from "./venue-sim.ts";

/** Symbols simulated by default. */
export const BINANCE_SIM_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: "BTCUSDT", base: "BTC", quote: "USDT", priceDecimals: 2, sizeDecimals: 5, midTicks: 11_681_012, typicalLots: 20_000 },
  { symbol: "ETHUSDT", base: "ETH", quote: "USDT", priceDecimals: 2, sizeDecimals: 4, midTicks: 428_760, typicalLots: 50_000 },
];

/** Binance writes every price and quantity with 8 decimals. */
function fmt8(units: number, decimals: number): string {
  return formatFixed(units * 10 ** (8 - decimals), 8);
}

/** The Binance simulator. */
export class BinanceSim implements VenueSim {
  readonly name = "binance";
  readonly symbols: readonly string[];
  private readonly rng: Rng;
  private readonly markets = new Map<string, MarketModel>();
  private readonly updateId = new Map<string, number>();
  private readonly subs = new Map<SimClient, Set<string>>();
  private readonly drops = new Map<string, number>();
  private limited = 0;
  private limitStatus = 429;
  private limitRetryAfter = 1;

  /** @param seed PRNG seed @param symbols symbols to simulate */
  constructor(seed: number, symbols: readonly SymbolSpec[] = BINANCE_SIM_SYMBOLS, dynamics: MarketDynamics = {}) {
    this.rng = new Rng(seed);
    for (const s of symbols) {
      this.markets.set(s.symbol, new MarketModel(s, this.rng, dynamics));
      this.updateId.set(s.symbol, 40_000_000_000 + this.rng.int(0, 1_000_000));
    }
    this.symbols = symbols.map((s) => s.symbol);
  }

  dropNext(symbol: string, count = 1): void {
    this.drops.set(symbol, (this.drops.get(symbol) ?? 0) + count);
  }

  /** The next `count` REST requests are answered `status` (429 or 418) with `Retry-After: retryAfterSec`. */
  rateLimitNext(count: number, retryAfterSec = 1, status = 429): void {
    this.limited = count;
    this.limitRetryAfter = retryAfterSec;
    this.limitStatus = status;
  }

  onConnect(client: SimClient): void {
    this.subs.set(client, new Set());
  }

  onDisconnect(client: SimClient): void {
    this.subs.delete(client);
  }

  onClientFrame(client: SimClient, text: string): void {
    let msg: { method?: string; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      client.send(JSON.stringify({ error: { code: 3, msg: "Invalid JSON" }, id: null }));
      return;
    }
    const subs = this.subs.get(client);
    const id = msg.id ?? null;
    if (!subs) return;
    if (msg.method === "LIST_SUBSCRIPTIONS") {
      client.send(JSON.stringify({ result: [...subs], id }));
      return;
    }
    if ((msg.method !== "SUBSCRIBE" && msg.method !== "UNSUBSCRIBE") || !Array.isArray(msg.params)) {
      client.send(JSON.stringify({ error: { code: 2, msg: "Invalid request" }, id }));
      return;
    }
    for (const p of msg.params as string[]) {
      if (msg.method === "SUBSCRIBE") subs.add(p);
      else subs.delete(p);
    }
    client.send(JSON.stringify({ result: null, id }));
  }

  private send(stream: string, data: unknown): void {
    let text: string | undefined;
    for (const [client, subs] of this.subs) {
      if (!subs.has(stream)) continue;
      text ??= JSON.stringify({ stream, data });
      client.send(text);
    }
  }

  step(nowMs: number): void {
    const E = Math.floor(nowMs);
    for (const [sym, m] of this.markets) {
      const l = sym.toLowerCase();
      const events = m.step();
      const bids = new Map<number, number>();
      const asks = new Map<number, number>();
      let changes = 0;
      for (const ev of events) {
        if (ev.kind === "level") {
          (ev.bid ? bids : asks).set(ev.ticks, ev.lots);
          changes++;
          continue;
        }
        const p = fmt8(ev.ticks, m.spec.priceDecimals);
        const q = fmt8(ev.lots, m.spec.sizeDecimals);
        this.send(`${l}@trade`, { e: "trade", E, s: sym, t: ev.tradeId, p, q, T: E, m: !ev.takerBuys, M: true });
        this.send(`${l}@aggTrade`, { e: "aggTrade", E, s: sym, a: ev.tradeId, p, q, f: ev.tradeId, l: ev.tradeId, T: E, m: !ev.takerBuys, M: true });
      }
      if (changes === 0) continue;
      const first = this.updateId.get(sym)! + 1;
      const last = first + changes - 1;
      this.updateId.set(sym, last);
      const side = (mp: Map<number, number>): [string, string][] =>
        [...mp].map(([t, lots]) => [fmt8(t, m.spec.priceDecimals), fmt8(lots, m.spec.sizeDecimals)]);
      if ((this.drops.get(sym) ?? 0) > 0) {
        this.drops.set(sym, this.drops.get(sym)! - 1);
      } else {
        this.send(`${l}@depth@100ms`, { e: "depthUpdate", E, s: sym, U: first, u: last, b: side(bids), a: side(asks) });
      }
      const bb = m.bestBid();
      const ba = m.bestAsk();
      this.send(`${l}@bookTicker`, {
        u: last, s: sym, b: fmt8(bb, m.spec.priceDecimals), B: fmt8(m.bids.get(bb) ?? 0, m.spec.sizeDecimals),
        a: fmt8(ba, m.spec.priceDecimals), A: fmt8(m.asks.get(ba) ?? 0, m.spec.sizeDecimals),
      });
    }
  }

  rest(pathname: string, query: URLSearchParams, nowMs: number): SimRestAnswer | undefined {
    if (this.limited > 0) {
      this.limited--;
      return {
        status: this.limitStatus, headers: { "retry-after": String(this.limitRetryAfter) },
        body: JSON.stringify({ code: -1003, msg: "Too many requests; simulated rate limit." }),
      };
    }
    if (pathname === "/api/v3/exchangeInfo") {
      let wanted: string[] | undefined;
      const raw = query.get("symbols") ?? (query.get("symbol") ? JSON.stringify([query.get("symbol")]) : null);
      if (raw !== null) {
        try {
          wanted = JSON.parse(raw) as string[];
        } catch {
          return { status: 400, body: JSON.stringify({ code: -1100, msg: "Illegal characters found in parameter 'symbols'." }) };
        }
      }
      const list = [...this.markets.values()].filter((m) => !wanted || wanted.includes(m.spec.symbol));
      return {
        status: 200,
        body: JSON.stringify({
          timezone: "UTC", serverTime: Math.floor(nowMs), rateLimits: [], exchangeFilters: [],
          symbols: list.map((m) => ({
            symbol: m.spec.symbol, status: "TRADING", baseAsset: m.spec.base, baseAssetPrecision: 8,
            quoteAsset: m.spec.quote, quotePrecision: 8, quoteAssetPrecision: 8,
          })),
        }),
      };
    }
    if (pathname === "/api/v3/depth") {
      const sym = query.get("symbol") ?? "";
      const m = this.markets.get(sym);
      if (!m) return { status: 400, body: JSON.stringify({ code: -1121, msg: "Invalid symbol." }) };
      const limit = Math.min(5000, Number(query.get("limit") ?? 100) || 100);
      const lv = (bid: boolean): [string, string][] =>
        m.levels(bid, limit).map(([t, lots]) => [fmt8(t, m.spec.priceDecimals), fmt8(lots, m.spec.sizeDecimals)]);
      return { status: 200, body: JSON.stringify({ lastUpdateId: this.updateId.get(sym), bids: lv(true), asks: lv(false) }) };
    }
    return undefined;
  }
}

/**
 * A simulated Kraken WebSocket v2 venue in its real wire format: `status` on connect, `subscribe` /
 * `unsubscribe` acknowledgements per symbol, `book` snapshot + updates kept to each client's subscribed
 * depth (levels coming into scope are sent, as Kraken does) with the CRC-32 `checksum`, `trade`,
 * `ticker` (bbo) and `heartbeat` once a second. Prices and quantities are JSON numbers at full precision
 * (e.g. `0.00100000`). Output is simulated data, not Kraken's.
 *
 * @module
 */

import { crc32 } from "../../protocol/mod.ts";
import { checksumDigits } from "../kraken/checksum.ts";
import { MarketModel, type MarketDynamics, formatFixed, type SymbolSpec } from "./market.ts";
import { Rng } from "../../core/prng.ts";
import { isoMicros, type SimClient, type SimRestAnswer, type VenueSim } from "./venue-sim.ts";

/** Symbols simulated by default. */
export const KRAKEN_SIM_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: "BTC/USD", base: "BTC", quote: "USD", priceDecimals: 1, sizeDecimals: 8, midTicks: 1_059_443, typicalLots: 20_000_000 },
  { symbol: "ETH/USD", base: "ETH", quote: "USD", priceDecimals: 2, sizeDecimals: 8, midTicks: 428_790, typicalLots: 300_000_000 },
];

type Level = [ticks: number, lots: number];

interface BookView {
  depth: number;
  bids: Level[];
  asks: Level[];
}

interface ClientSubs {
  book: Map<string, BookView>;
  trade: Set<string>;
  ticker: Set<string>;
}

/** The Kraken v2 simulator. */
export class KrakenSim implements VenueSim {
  readonly name = "kraken";
  readonly symbols: readonly string[];
  private readonly rng: Rng;
  private readonly markets = new Map<string, MarketModel>();
  private readonly clients = new Map<SimClient, ClientSubs>();
  private readonly drops = new Map<string, number>();
  private lastHeartbeatMs = -Infinity;

  /** @param seed PRNG seed @param symbols symbols to simulate */
  constructor(seed: number, symbols: readonly SymbolSpec[] = KRAKEN_SIM_SYMBOLS, dynamics: MarketDynamics = {}) {
    this.rng = new Rng(seed);
    for (const s of symbols) this.markets.set(s.symbol, new MarketModel(s, this.rng, dynamics));
    this.symbols = symbols.map((s) => s.symbol);
  }

  dropNext(symbol: string, count = 1): void {
    this.drops.set(symbol, (this.drops.get(symbol) ?? 0) + count);
  }

  onConnect(client: SimClient): void {
    this.clients.set(client, { book: new Map(), trade: new Set(), ticker: new Set() });
    client.send(JSON.stringify({
      channel: "status", type: "update",
      data: [{ version: "2.0.10", system: "online", api_version: "v2", connection_id: 1000 + client.id }],
    }));
  }

  onDisconnect(client: SimClient): void {
    this.clients.delete(client);
  }

  private px(m: MarketModel, ticks: number): string {
    return formatFixed(ticks, m.spec.priceDecimals);
  }

  private qty(m: MarketModel, lots: number): string {
    return formatFixed(lots, m.spec.sizeDecimals);
  }

  /** JSON of levels with numbers written raw (full precision, trailing zeros kept). */
  private levelsJson(m: MarketModel, levels: Level[]): string {
    return `[${levels.map(([t, l]) => `{"price":${this.px(m, t)},"qty":${this.qty(m, l)}}`).join(",")}]`;
  }

  private checksum(m: MarketModel, view: BookView): number {
    let s = "";
    for (const [t, l] of view.asks.slice(0, 10)) s += checksumDigits(this.px(m, t)) + checksumDigits(this.qty(m, l));
    for (const [t, l] of view.bids.slice(0, 10)) s += checksumDigits(this.px(m, t)) + checksumDigits(this.qty(m, l));
    return crc32(new TextEncoder().encode(s));
  }

  private ack(client: SimClient, method: string, result: Record<string, unknown>, reqId: unknown, nowMs: number): void {
    client.send(JSON.stringify({ method, result, success: true, time_in: isoMicros(nowMs), time_out: isoMicros(nowMs, 40), req_id: reqId }));
  }

  onClientFrame(client: SimClient, text: string, nowMs: number): void {
    let msg: { method?: string; params?: Record<string, unknown>; req_id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      client.send(JSON.stringify({ error: "EGeneral:Invalid arguments", success: false, time_in: isoMicros(nowMs), time_out: isoMicros(nowMs) }));
      return;
    }
    const subs = this.clients.get(client);
    if (!subs) return;
    const reqId = msg.req_id;
    if (msg.method === "ping") {
      client.send(JSON.stringify({ method: "pong", req_id: reqId, time_in: isoMicros(nowMs), time_out: isoMicros(nowMs, 5) }));
      return;
    }
    const p = msg.params ?? {};
    const channel = String(p.channel ?? "");
    const symbols = Array.isArray(p.symbol) ? (p.symbol as string[]) : [];
    if ((msg.method !== "subscribe" && msg.method !== "unsubscribe") || !["book", "trade", "ticker"].includes(channel)) {
      client.send(JSON.stringify({
        error: `EGeneral:Invalid arguments`, method: msg.method, req_id: reqId, success: false,
        time_in: isoMicros(nowMs), time_out: isoMicros(nowMs, 5),
      }));
      return;
    }
    for (const sym of symbols) {
      const m = this.markets.get(sym);
      if (!m) {
        client.send(JSON.stringify({
          error: `Currency pair not supported ${sym}`, method: msg.method, req_id: reqId, success: false, symbol: sym,
          time_in: isoMicros(nowMs), time_out: isoMicros(nowMs, 5),
        }));
        continue;
      }
      if (msg.method === "unsubscribe") {
        if (channel === "book") subs.book.delete(sym);
        else subs[channel as "trade" | "ticker"].delete(sym);
        this.ack(client, "unsubscribe", { channel, symbol: sym, ...(channel === "book" ? { depth: p.depth ?? 10 } : {}) }, reqId, nowMs);
        continue;
      }
      if (channel === "book") {
        const depth = Number(p.depth ?? 10);
        const view: BookView = { depth, bids: m.levels(true, depth), asks: m.levels(false, depth) };
        subs.book.set(sym, view);
        this.ack(client, "subscribe", { channel, depth, snapshot: true, symbol: sym }, reqId, nowMs);
        client.send(`{"channel":"book","type":"snapshot","data":[{"symbol":${JSON.stringify(sym)},"bids":${this.levelsJson(m, view.bids)},"asks":${this.levelsJson(m, view.asks)},"checksum":${this.checksum(m, view)}}]}`);
      } else if (channel === "trade") {
        subs.trade.add(sym);
        this.ack(client, "subscribe", { channel, snapshot: false, symbol: sym }, reqId, nowMs);
      } else {
        subs.ticker.add(sym);
        this.ack(client, "subscribe", { channel, event_trigger: "bbo", snapshot: true, symbol: sym }, reqId, nowMs);
        client.send(this.tickerFrame(m, "snapshot", nowMs));
      }
    }
  }

  private tickerFrame(m: MarketModel, type: string, nowMs: number): string {
    const bb = m.bestBid();
    const ba = m.bestAsk();
    const last = m.lastTrade?.ticks ?? m.spec.midTicks;
    return `{"channel":"ticker","type":"${type}","data":[{"symbol":${JSON.stringify(m.spec.symbol)},"bid":${this.px(m, bb)},"bid_qty":${this.qty(m, m.bids.get(bb) ?? 0)},"ask":${this.px(m, ba)},"ask_qty":${this.qty(m, m.asks.get(ba) ?? 0)},"last":${this.px(m, last)},"volume":1234.56789012,"vwap":${this.px(m, m.spec.midTicks)},"low":${this.px(m, m.spec.midTicks - 400)},"high":${this.px(m, m.spec.midTicks + 400)},"change":${this.px(m, last - m.spec.midTicks)},"change_pct":0.12,"timestamp":"${isoMicros(nowMs)}"}]}`;
  }

  private diff(prev: Level[], next: Level[]): Level[] {
    const before = new Map(prev);
    const after = new Map(next);
    const out: Level[] = [];
    for (const [t] of prev) if (!after.has(t)) out.push([t, 0]);
    for (const [t, l] of next) if (before.get(t) !== l) out.push([t, l]);
    return out;
  }

  step(nowMs: number): void {
    for (const [sym, m] of this.markets) {
      const bbBefore = m.bestBid();
      const baBefore = m.bestAsk();
      const topBefore = `${bbBefore}:${m.bids.get(bbBefore)}:${baBefore}:${m.asks.get(baBefore)}`;
      const events = m.step();
      const dropping = (this.drops.get(sym) ?? 0) > 0;
      if (dropping) this.drops.set(sym, this.drops.get(sym)! - 1);
      const trades = events.filter((e) => e.kind === "trade");
      if (trades.length > 0) {
        const data = trades.map((t) => `{"symbol":${JSON.stringify(sym)},"side":"${t.takerBuys ? "buy" : "sell"}","price":${this.px(m, t.ticks)},"qty":${this.qty(m, t.lots)},"ord_type":"market","trade_id":${t.tradeId},"timestamp":"${isoMicros(nowMs)}"}`);
        const text = `{"channel":"trade","type":"update","data":[${data.join(",")}]}`;
        for (const [client, subs] of this.clients) if (subs.trade.has(sym)) client.send(text);
      }
      for (const [client, subs] of this.clients) {
        const view = subs.book.get(sym);
        if (!view) continue;
        const bids = m.levels(true, view.depth);
        const asks = m.levels(false, view.depth);
        const db = this.diff(view.bids, bids);
        const da = this.diff(view.asks, asks);
        view.bids = bids;
        view.asks = asks;
        if (db.length + da.length === 0 || dropping) continue; // a dropped update leaves the client's book behind
        client.send(`{"channel":"book","type":"update","data":[{"symbol":${JSON.stringify(sym)},"bids":${this.levelsJson(m, db)},"asks":${this.levelsJson(m, da)},"checksum":${this.checksum(m, view)},"timestamp":"${isoMicros(nowMs)}"}]}`);
      }
      const bb = m.bestBid();
      const ba = m.bestAsk();
      if (`${bb}:${m.bids.get(bb)}:${ba}:${m.asks.get(ba)}` !== topBefore) {
        let text: string | undefined;
        for (const [client, subs] of this.clients) {
          if (!subs.ticker.has(sym)) continue;
          text ??= this.tickerFrame(m, "update", nowMs);
          client.send(text);
        }
      }
    }
    if (nowMs - this.lastHeartbeatMs >= 1000) {
      this.lastHeartbeatMs = nowMs;
      for (const [client, subs] of this.clients) {
        if (subs.book.size + subs.trade.size + subs.ticker.size > 0) client.send(`{"channel":"heartbeat"}`);
      }
    }
  }

  rest(): SimRestAnswer | undefined {
    return undefined;
  }
}

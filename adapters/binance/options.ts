/**
 * Binance adapter settings: the options a caller gives ({@link BinanceOptions}), the channels the
 * driver watches and the stream names subscribed.
 *
 * @example
 * ```ts
 * binanceStreams(["BTCUSDT"], { sink, symbols: ["BTCUSDT"] }); // ["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms"]
 * ```
 * @module
 */

import type { ChannelSpec } from "../common/adapter.ts";
import type { MessageSink } from "../common/sink.ts";

/** Default combined-stream endpoint. */
export const BINANCE_WS_URL = "wss://stream.binance.com:9443/stream";
/** Default REST base. */
export const BINANCE_REST_URL = "https://api.binance.com";

/** Settings of a Binance adapter. */
export interface BinanceOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Symbols ("BTCUSDT"). */
  symbols: readonly string[];
  /** Accept every symbol exchangeInfo lists (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Combined-stream URL (default {@link BINANCE_WS_URL}). */
  wsUrl?: string;
  /** REST base URL (default {@link BINANCE_REST_URL}). */
  restUrl?: string;
  /** Trade stream: "trade" (default), "aggTrade", or false. */
  trades?: "trade" | "aggTrade" | false;
  /** Subscribe to bookTicker (default true). */
  bookTicker?: boolean;
  /** Keep a depth book (default true). */
  depth?: boolean;
  /** Levels asked of the REST snapshot (default 1000). */
  snapshotLimit?: number;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one symbol, ms (default 100). */
  bookIntervalMs?: number;
  /** Silence of bookTicker/depth that abandons the connection, ms (default 60 000; 0 = not watched). */
  staleAfterMs?: number;
  /** Depth events buffered per symbol while its snapshot is awaited (default 10 000). */
  maxBuffered?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** Header `source` (default SourceId.Binance). */
  source?: number;
  /** Venue number (default Venue.Binance). */
  venue?: number;
}

/** Index of the trade channel in {@link binanceChannels} (for `io.touch`). */
export const CH_TRADES = 0;
/** Index of the bookTicker channel. */
export const CH_BOOK_TICKER = 1;
/** Index of the depth channel. */
export const CH_DEPTH = 2;

/** The channels the driver watches, indexed by the `CH_*` constants. */
export function binanceChannels(options: BinanceOptions): ChannelSpec[] {
  const stale = options.staleAfterMs ?? 60_000;
  return [
    { name: "trades", staleAfterMs: 0 },
    { name: "bookTicker", staleAfterMs: options.bookTicker === false ? 0 : stale },
    { name: "depth", staleAfterMs: options.depth === false ? 0 : stale },
  ];
}

/** The stream names to subscribe for `symbols` (venue spelling, "BTCUSDT"). */
export function binanceStreams(symbols: Iterable<string>, options: BinanceOptions): string[] {
  const out: string[] = [];
  for (const s of symbols) {
    const l = s.toLowerCase();
    if (options.trades !== false) out.push(`${l}@${options.trades ?? "trade"}`);
    if (options.bookTicker !== false) out.push(`${l}@bookTicker`);
    if (options.depth !== false) out.push(`${l}@depth@100ms`);
  }
  return out;
}

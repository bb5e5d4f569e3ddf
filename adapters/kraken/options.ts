/**
 * Kraken adapter settings: the options a caller gives ({@link KrakenOptions}), the book depths Kraken
 * accepts, and the channels the driver watches.
 *
 * @example
 * ```ts
 * krakenChannels({ sink, symbols: ["BTC/USD"] })[CH_HEARTBEAT]; // { name: "heartbeat", staleAfterMs: 5000 }
 * ```
 * @module
 */

import type { ChannelSpec } from "../common/adapter.ts";
import type { MessageSink } from "../common/sink.ts";

/** Default public v2 endpoint. */
export const KRAKEN_WS_URL = "wss://ws.kraken.com/v2";

/** Book depths Kraken accepts. */
export const KRAKEN_BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;

/** Settings of a Kraken adapter. */
export interface KrakenOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Symbols ("BTC/USD"; "XBT/USD" is read as BTC/USD). */
  symbols: readonly string[];
  /** Accept symbols not listed in `symbols` when they appear (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Endpoint (default {@link KRAKEN_WS_URL}). */
  url?: string;
  /** Subscribe to trade (default true). */
  trade?: boolean;
  /** Subscribe to ticker (bbo) (default true). */
  ticker?: boolean;
  /** Book depth subscribed: 10, 25, 100, 500, 1000, or 0 for no book (default 10). */
  bookSubscribeDepth?: number;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one symbol, ms (default 100). */
  bookIntervalMs?: number;
  /** Heartbeat silence that abandons the connection, ms (default 5000). */
  heartbeatStaleMs?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** Header `source` (default SourceId.Kraken). */
  source?: number;
  /** Venue number (default Venue.Kraken). */
  venue?: number;
}

/** Index of the `heartbeat` channel in {@link krakenChannels} (for `io.touch`). */
export const CH_HEARTBEAT = 0;
/** Index of the `book` channel. */
export const CH_BOOK = 1;
/** Index of the `trade` channel. */
export const CH_TRADE = 2;
/** Index of the `ticker` channel. */
export const CH_TICKER = 3;

/** The channels the driver watches, indexed by the `CH_*` constants. */
export function krakenChannels(options: KrakenOptions): ChannelSpec[] {
  return [
    { name: "heartbeat", staleAfterMs: options.heartbeatStaleMs ?? 5000 },
    { name: "book", staleAfterMs: 0 },
    { name: "trade", staleAfterMs: 0 },
    { name: "ticker", staleAfterMs: 0 },
  ];
}

/** The book depth subscribed (0: none); a RangeError when Kraken does not offer it. */
export function krakenSubscribeDepth(options: KrakenOptions): number {
  const d = options.bookSubscribeDepth ?? 10;
  if (d !== 0 && !(KRAKEN_BOOK_DEPTHS as readonly number[]).includes(d)) {
    throw new RangeError(`kraken book depth ${d} is not one of ${KRAKEN_BOOK_DEPTHS.join(", ")}`);
  }
  return d;
}

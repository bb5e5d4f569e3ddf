/**
 * Coinbase adapter settings: the options a caller gives ({@link CoinbaseOptions}), their defaults
 * resolved once ({@link coinbaseSettings}), and the channels the adapter subscribes and watches.
 *
 * @example
 * ```ts
 * const s = coinbaseSettings({ sink, products: ["BTC-USD"] });
 * s.level2; // "level2_batch"
 * ```
 * @module
 */

import type { ChannelSpec } from "../common/adapter.ts";
import type { MessageSink } from "../common/sink.ts";
import { COINBASE_REST_URL } from "./backfill.ts";

/** Default public feed URL. */
export const COINBASE_WS_URL = "wss://ws-feed.exchange.coinbase.com";

/** Settings of a Coinbase adapter. */
export interface CoinbaseOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Product ids ("BTC-USD"). */
  products: readonly string[];
  /** Accept products not listed in `products` when they appear (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Feed URL (default {@link COINBASE_WS_URL}; tests point it at a stand-in). */
  url?: string;
  /** Subscribe to matches (default true). */
  matches?: boolean;
  /** Subscribe to ticker (default true). */
  ticker?: boolean;
  /** Level-2 channel: "level2_batch" (default), "level2" (needs auth on the live feed), or false. */
  level2?: "level2_batch" | "level2" | false;
  /** Emit a Quote per ticker even when a book is kept (default: only without a book). */
  tickerQuotes?: boolean;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one product, ms (default 100). */
  bookIntervalMs?: number;
  /** Heartbeat silence that abandons the connection, ms (default 5000). */
  heartbeatStaleMs?: number;
  /** Level-2 silence that abandons the connection, ms (default 0 = not watched). */
  level2StaleMs?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** REST base for the trade backfill (default {@link COINBASE_REST_URL}; tests point it at a stand-in). */
  restUrl?: string;
  /**
   * Recover trades lost in a gap over REST and publish them in trade-id order, holding newer trades of
   * that product meanwhile (default true). False: a gap's trades are counted lost right away.
   */
  backfill?: boolean;
  /** Longest a backfill may hold a product's trades back, ms (default 10 000); then the rest is lost. */
  backfillTimeoutMs?: number;
  /** Most missing trades one product's backfill will fetch (default 10 000); a bigger gap is lost. */
  maxBackfill?: number;
  /** Most live trades held back during a backfill (default 10 000); then the backfill gives up. */
  maxHeld?: number;
  /** Header `source` (default SourceId.Coinbase). */
  source?: number;
  /** Venue number of the instruments (default Venue.Coinbase). */
  venue?: number;
}

/** Index of the `heartbeat` channel in {@link coinbaseChannels} (for `io.touch`). */
export const CH_HEARTBEAT = 0;
/** Index of the level-2 channel. */
export const CH_LEVEL2 = 1;
/** Index of the `matches` channel. */
export const CH_MATCHES = 2;
/** Index of the `ticker` channel. */
export const CH_TICKER = 3;

/** {@link CoinbaseOptions} with every default resolved. */
export interface CoinbaseSettings {
  /** Level-2 channel subscribed, or false. */
  readonly level2: "level2_batch" | "level2" | false;
  /** Publish ticker quotes (true by default only without a book). */
  readonly tickerQuotes: boolean;
  /** Levels per side in OrderBook snapshots. */
  readonly depth: number;
  /** Least time between two OrderBook snapshots of one product, ms. */
  readonly bookIntervalMs: number;
  /** REST base of the backfill, without a trailing slash. */
  readonly restBase: string;
  /** Longest a backfill may hold trades back, ms. */
  readonly backfillTimeoutMs: number;
  /** Most missing trades one backfill fetches (0: backfill off). */
  readonly maxBackfill: number;
  /** Most live trades held back during a backfill. */
  readonly maxHeld: number;
}

/** Resolves the defaults of `options`. */
export function coinbaseSettings(options: CoinbaseOptions): CoinbaseSettings {
  const level2 = options.level2 === undefined ? "level2_batch" : options.level2;
  return {
    level2,
    tickerQuotes: options.tickerQuotes ?? level2 === false,
    depth: options.bookDepth ?? 10,
    bookIntervalMs: options.bookIntervalMs ?? 100,
    restBase: (options.restUrl ?? COINBASE_REST_URL).replace(/\/+$/, ""),
    backfillTimeoutMs: options.backfillTimeoutMs ?? 10_000,
    maxBackfill: options.backfill === false ? 0 : options.maxBackfill ?? 10_000,
    maxHeld: options.maxHeld ?? 10_000,
  };
}

/** The channels the driver watches, indexed by the `CH_*` constants. */
export function coinbaseChannels(options: CoinbaseOptions, level2: CoinbaseSettings["level2"]): ChannelSpec[] {
  return [
    { name: "heartbeat", staleAfterMs: options.heartbeatStaleMs ?? 5000 },
    { name: "level2", staleAfterMs: level2 ? options.level2StaleMs ?? 0 : 0 },
    { name: "matches", staleAfterMs: 0 },
    { name: "ticker", staleAfterMs: 0 },
  ];
}

/** The channel names of the subscribe message. */
export function coinbaseChannelNames(options: CoinbaseOptions, level2: CoinbaseSettings["level2"]): string[] {
  const ch = ["heartbeat"];
  if (options.matches !== false) ch.push("matches");
  if (options.ticker !== false) ch.push("ticker");
  if (level2) ch.push(level2);
  return ch;
}

/**
 * Coinbase Exchange venue: the adapter (composed of frame.ts, products.ts, book-sync.ts, trade-gaps.ts
 * and options.ts), the REST trade backfill, the looping-replay pass shifter, and the registry entry.
 *
 * @example
 * ```ts
 * import { CoinbaseAdapter } from "./adapters/coinbase/mod.ts";
 * const adapter = new CoinbaseAdapter({ sink, products: ["BTC-USD"] });
 * ```
 *
 * @module
 */

import { intSetting, type VenueEntry } from "../venue-entry.ts";
import { CoinbaseSim } from "../sim/coinbase.ts";
import { CoinbaseAdapter } from "./adapter.ts";
import { CoinbasePassShifter } from "./pass-shift.ts";

export { CoinbaseAdapter } from "./adapter.ts";
export { COINBASE_WS_URL, type CoinbaseOptions } from "./options.ts";
export { COINBASE_REST_URL, TradeBackfill } from "./backfill.ts";
export { CoinbasePassShifter } from "./pass-shift.ts";

/**
 * Registry entry of Coinbase. Settings: bookDepth, bookIntervalMs, heartbeatStaleMs, level2StaleMs,
 * backfill (0 = count a gap's trades lost instead of fetching them), backfillTimeoutMs.
 */
export const coinbaseVenue: VenueEntry = {
  name: "coinbase",
  summary: "Coinbase Exchange public feed (matches, ticker, level2_batch, heartbeat)",
  defaultSymbols: ["BTC-USD", "ETH-USD"],
  env: { wsUrl: "ALPHAPULSE_COINBASE_WS_URL", restUrl: "ALPHAPULSE_COINBASE_REST_URL" },
  create: (o) => new CoinbaseAdapter({
    sink: o.sink, products: o.symbols ?? [], anySymbol: o.anySymbol, url: o.wsUrl, restUrl: o.restUrl,
    bookDepth: intSetting(o.settings, "bookDepth"), bookIntervalMs: intSetting(o.settings, "bookIntervalMs"),
    heartbeatStaleMs: intSetting(o.settings, "heartbeatStaleMs"), level2StaleMs: intSetting(o.settings, "level2StaleMs"),
    backfill: intSetting(o.settings, "backfill") !== 0, backfillTimeoutMs: intSetting(o.settings, "backfillTimeoutMs"),
  }),
  simulator: (seed, dynamics) => new CoinbaseSim(seed, undefined, dynamics),
  passShifter: () => new CoinbasePassShifter(),
};

/**
 * Binance spot venue: the adapter (composed of frame.ts, symbols.ts, book-sync.ts and options.ts), the
 * depth bridging rule, the looping-replay pass shifter, and the registry entry.
 *
 * @example
 * ```ts
 * import { BinanceAdapter } from "./adapters/binance/mod.ts";
 * const adapter = new BinanceAdapter({ sink, symbols: ["BTCUSDT"] });
 * ```
 *
 * @module
 */

import { intSetting, type VenueEntry } from "../venue-entry.ts";
import { BinanceSim } from "../sim/binance.ts";
import { BinanceAdapter } from "./adapter.ts";
import { BinancePassShifter } from "./pass-shift.ts";

export { BinanceAdapter } from "./adapter.ts";
export { BINANCE_REST_URL, BINANCE_WS_URL, type BinanceOptions } from "./options.ts";
export { DepthSync, type DepthPhase, type DepthVerdict } from "./depth-sync.ts";
export { BinancePassShifter } from "./pass-shift.ts";

/** Registry entry of Binance. Settings: bookDepth, bookIntervalMs, staleAfterMs, snapshotLimit, trades=trade|aggTrade. */
export const binanceVenue: VenueEntry = {
  name: "binance",
  summary: "Binance spot combined streams (trade, bookTicker, depth@100ms + REST snapshot)",
  defaultSymbols: ["BTCUSDT", "ETHUSDT"],
  env: { wsUrl: "ALPHAPULSE_BINANCE_WS_URL", restUrl: "ALPHAPULSE_BINANCE_REST_URL" },
  create: (o) => {
    const trades = o.settings?.trades;
    if (trades !== undefined && trades !== "trade" && trades !== "aggTrade") throw new RangeError(`setting trades=${trades} must be trade or aggTrade`);
    return new BinanceAdapter({
      sink: o.sink, symbols: o.symbols ?? [], anySymbol: o.anySymbol, wsUrl: o.wsUrl, restUrl: o.restUrl, trades,
      bookDepth: intSetting(o.settings, "bookDepth"), bookIntervalMs: intSetting(o.settings, "bookIntervalMs"),
      staleAfterMs: intSetting(o.settings, "staleAfterMs"), snapshotLimit: intSetting(o.settings, "snapshotLimit"),
    });
  },
  simulator: (seed, dynamics) => new BinanceSim(seed, undefined, dynamics),
  passShifter: () => new BinancePassShifter(),
};

/**
 * Kraken WebSocket v2 venue: the adapter (composed of frame.ts, symbols.ts, book-sync.ts and
 * options.ts), the book checksum, the looping-replay pass shifter, and the registry entry.
 *
 * @example
 * ```ts
 * import { KrakenAdapter } from "./adapters/kraken/mod.ts";
 * const adapter = new KrakenAdapter({ sink, symbols: ["BTC/USD"] });
 * ```
 *
 * @module
 */

import { intSetting, type VenueEntry } from "../venue-entry.ts";
import { KrakenSim } from "../sim/kraken.ts";
import { KrakenAdapter } from "./adapter.ts";
import { KrakenPassShifter } from "./pass-shift.ts";

export { KrakenAdapter } from "./adapter.ts";
export { KRAKEN_BOOK_DEPTHS, KRAKEN_WS_URL, type KrakenOptions } from "./options.ts";
export { splitKrakenSymbol } from "./symbols.ts";
export { checksumDigits, checksumText, krakenChecksum } from "./checksum.ts";
export { KrakenPassShifter } from "./pass-shift.ts";

/** Registry entry of Kraken. Settings: bookSubscribeDepth, bookDepth, bookIntervalMs, heartbeatStaleMs. */
export const krakenVenue: VenueEntry = {
  name: "kraken",
  summary: "Kraken WebSocket v2 (trade, ticker bbo, book with CRC-32 checksum)",
  defaultSymbols: ["BTC/USD", "ETH/USD"],
  env: { wsUrl: "ALPHAPULSE_KRAKEN_WS_URL" },
  create: (o) => new KrakenAdapter({
    sink: o.sink, symbols: o.symbols ?? [], anySymbol: o.anySymbol, url: o.wsUrl,
    bookSubscribeDepth: intSetting(o.settings, "bookSubscribeDepth"), bookDepth: intSetting(o.settings, "bookDepth"),
    bookIntervalMs: intSetting(o.settings, "bookIntervalMs"), heartbeatStaleMs: intSetting(o.settings, "heartbeatStaleMs"),
  }),
  simulator: (seed, dynamics) => new KrakenSim(seed, undefined, dynamics),
  passShifter: () => new KrakenPassShifter(),
};

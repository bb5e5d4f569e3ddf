/**
 * The venues `ap capture`, `ap normalize` and `ap adapter` know, by command-line name, loaded lazily so
 * a command only imports the venue it runs. Add a venue with one line in {@link VENUES}.
 *
 * @example
 * ```ts
 * const venue = await loadVenue("kraken");
 * const adapter = await venue.create({ sink, symbols: ["BTC/USD"] });
 * ```
 * @module
 */

import type { VenueEntry } from "./venue-entry.ts";

export { intSetting, type VenueAdapterOptions, type VenueEntry } from "./venue-entry.ts";

/** The known venues: name → lazy loader. */
export const VENUES: Record<string, () => Promise<VenueEntry>> = {
  coinbase: async () => (await import("./coinbase/mod.ts")).coinbaseVenue,
  binance: async () => (await import("./binance/mod.ts")).binanceVenue,
  kraken: async () => (await import("./kraken/mod.ts")).krakenVenue,
  polygon: async () => (await import("./evm/mod.ts")).polygonVenue,
  ethereum: async () => (await import("./evm/mod.ts")).ethereumVenue,
};

/** An unknown venue name. */
export class UnknownVenueError extends Error {
  /** @param name the name asked for */
  constructor(name: string) {
    super(`unknown venue ${JSON.stringify(name)}; known: ${Object.keys(VENUES).join(", ")}`);
    this.name = "UnknownVenueError";
  }
}

/** Loads a venue by name; {@link UnknownVenueError} otherwise. */
export async function loadVenue(name: string): Promise<VenueEntry> {
  const load = Object.hasOwn(VENUES, name) ? VENUES[name] : undefined;
  if (!load) throw new UnknownVenueError(name);
  return load();
}

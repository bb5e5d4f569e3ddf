/**
 * Venue symbols → Protocol V2 instruments, resolved once and cached.
 *
 * Each venue names pairs its own way ("BTC-USD", "BTCUSDT" + exchangeInfo, "XBT/USD"); the adapters
 * split them into base and quote and register them here. Symbols the protocol cannot pack (more than 6
 * characters, PROTOCOL §4) are reported once and their frames skipped and counted.
 *
 * @example
 * ```ts
 * const table = new InstrumentTable(Venue.Coinbase);
 * table.addPair("BTC-USD", "BTC", "USD"); // → { symbol: "BTC/USD", assetId: …, venue: 102, … }
 * table.get("BTC-USD");
 * ```
 * @module
 */

import { AssetType, canonicalSymbol, isPackableSymbol, pairAssetId } from "../../protocol/mod.ts";

/** A resolved spot instrument of one venue. */
export interface Instrument {
  /** The venue's own symbol ("BTC-USD", "BTCUSDT", "XBT/USD"). */
  readonly venueSymbol: string;
  /** Canonical `BASE/QUOTE`. */
  readonly symbol: string;
  /** Packed pair assetId. */
  readonly assetId: bigint;
  /** Venue number (PROTOCOL §6). */
  readonly venue: number;
  /** Asset type (spot). */
  readonly assetType: number;
}

/** Why a symbol was not registered. */
export interface SkippedSymbol {
  /** The venue's symbol. */
  readonly venueSymbol: string;
  /** Why. */
  readonly reason: string;
}

/** Cache of one venue's instruments by venue symbol. */
export class InstrumentTable {
  /** Venue number of every instrument in the table. */
  readonly venue: number;
  private readonly bySymbol = new Map<string, Instrument>();
  private readonly skipped = new Map<string, SkippedSymbol>();

  /** @param venue venue number of the instruments */
  constructor(venue: number) {
    this.venue = venue;
  }

  /**
   * Registers `venueSymbol` as the pair `base/quote` (canonicalised: upper case, XBT→BTC, XDG→DOGE).
   * Returns the instrument, or `undefined` when a side cannot be packed (then {@link skippedSymbols}
   * lists it).
   */
  addPair(venueSymbol: string, base: string, quote: string): Instrument | undefined {
    const b = canonicalSymbol(base);
    const q = canonicalSymbol(quote);
    if (!isPackableSymbol(b) || !isPackableSymbol(q)) {
      this.skipped.set(venueSymbol, { venueSymbol, reason: `${b}/${q} is not representable (1–6 characters of A–Z, 0–9)` });
      return undefined;
    }
    const ins: Instrument = {
      venueSymbol, symbol: `${b}/${q}`, assetId: pairAssetId(b, q), venue: this.venue, assetType: AssetType.Spot,
    };
    this.bySymbol.set(venueSymbol, ins);
    return ins;
  }

  /** The instrument of a venue symbol, if registered. */
  get(venueSymbol: string): Instrument | undefined {
    return this.bySymbol.get(venueSymbol);
  }

  /** True when the symbol was refused as unrepresentable. */
  isSkipped(venueSymbol: string): boolean {
    return this.skipped.has(venueSymbol);
  }

  /** Symbols refused so far, with reasons. */
  skippedSymbols(): SkippedSymbol[] {
    return [...this.skipped.values()];
  }

  /** Every registered instrument. */
  all(): Instrument[] {
    return [...this.bySymbol.values()];
  }

  /** Number of registered instruments. */
  get size(): number {
    return this.bySymbol.size;
  }
}

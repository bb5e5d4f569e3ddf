/**
 * Venues and instruments of imported history: a data vendor's exchange name → the PROTOCOL §6 venue id
 * and asset type (derivatives venues whose history is imported: Binance USD-M Futures 104, BitMEX 105,
 * Deribit 106, Bybit 107, OKX 108, Huobi/HTX 109 — their perpetuals are assetType 2), and a venue
 * symbol (`BTCUSDT`, `BTC-USD`, `XBTUSD`, `BTC-PERPETUAL`, `BTC-USDT-SWAP`) → an InstrumentId built with
 * the protocol's pair helpers. A `--symbol-map SYM=BASE/QUOTE` entry overrides the guess.
 *
 * @example
 * ```ts
 * const v = importVenue("binance-futures");          // { venue: 104, assetType: 2, name: "binance-futures" }
 * const r = new SymbolResolver(new Map());
 * r.resolve("BTCUSDT", v);                            // { assetId, venue: 104, assetType: 2, symbol: "BTC/USDT" }
 * ```
 * @module
 */

import { AssetType, canonicalSymbol, isPackableSymbol, pairAssetId, Venue } from "../../protocol/mod.ts";

/** Venue ids of PROTOCOL §6 used by imports. */
export const ImportVenue = {
  Binance: Venue.Binance,
  Kraken: Venue.Kraken,
  Coinbase: Venue.Coinbase,
  BinanceFutures: Venue.BinanceFutures,
  BitMEX: Venue.BitMEX,
  Deribit: Venue.Deribit,
  Bybit: Venue.Bybit,
  OKX: Venue.OKX,
  Huobi: Venue.Huobi,
} as const;

/** An exchange of imported data. */
export interface ImportVenueInfo {
  /** The vendor's exchange name as written in the data. */
  readonly name: string;
  /** PROTOCOL §6 venue id. */
  readonly venue: number;
  /** Asset type of its instruments (2 for perpetual venues). */
  readonly assetType: number;
}

const P = AssetType.Perpetual;
const S = AssetType.Spot;

/** tardis.dev exchange names → venue and asset type. */
export const TARDIS_EXCHANGES: Readonly<Record<string, readonly [number, number]>> = {
  "binance-futures": [ImportVenue.BinanceFutures, P],
  binance: [ImportVenue.Binance, S],
  coinbase: [ImportVenue.Coinbase, S],
  kraken: [ImportVenue.Kraken, S],
  bitmex: [ImportVenue.BitMEX, P],
  deribit: [ImportVenue.Deribit, P],
  bybit: [ImportVenue.Bybit, P],
  okex: [ImportVenue.OKX, S],
  okx: [ImportVenue.OKX, S],
  "okex-swap": [ImportVenue.OKX, P],
  "okx-swap": [ImportVenue.OKX, P],
  huobi: [ImportVenue.Huobi, S],
  "huobi-dm-swap": [ImportVenue.Huobi, P],
  "huobi-dm-linear-swap": [ImportVenue.Huobi, P],
};

const CACHE = new Map<string, ImportVenueInfo>();

/**
 * The venue of a tardis `exchange` value (an entry of `venueMap` first), or `undefined` when it has
 * no id.
 */
export function importVenue(exchange: string, venueMap?: ReadonlyMap<string, ImportVenueInfo>): ImportVenueInfo | undefined {
  const mapped = venueMap?.get(exchange);
  if (mapped !== undefined) return mapped;
  let v = CACHE.get(exchange);
  if (v !== undefined) return v;
  const e = TARDIS_EXCHANGES[exchange];
  if (e === undefined) return undefined;
  CACHE.set(exchange, (v = { name: exchange, venue: e[0], assetType: e[1] }));
  return v;
}

/** Text of the bad-row reason for an exchange without a venue id. */
export function unknownExchangeReason(exchange: string): string {
  return `exchange ${JSON.stringify(exchange)} has no venue id (known: ${Object.keys(TARDIS_EXCHANGES).join(", ")}); ` +
    `map it with --venue-map ${exchange || "NAME"}=<venue id>[:<assetType>]`;
}

/** A resolved instrument of imported data. */
export interface ImportInstrument {
  /** Packed pair assetId. */
  readonly assetId: bigint;
  /** Venue id. */
  readonly venue: number;
  /** Asset type. */
  readonly assetType: number;
  /** Canonical `BASE/QUOTE`. */
  readonly symbol: string;
}

/** Parses `--venue-map` entries `NAME=ID[:ASSETTYPE]` (comma-separated or repeated). Throws RangeError. */
export function parseVenueMap(entries: readonly string[]): Map<string, ImportVenueInfo> {
  const out = new Map<string, ImportVenueInfo>();
  for (const entry of entries.flatMap((e) => e.split(","))) {
    const t = entry.trim();
    if (t === "") continue;
    const m = /^([^=]+)=(\d{1,5})(?::(\d{1,3}))?$/.exec(t);
    const venue = m ? Number(m[2]) : NaN;
    const assetType = m?.[3] !== undefined ? Number(m[3]) : AssetType.Spot;
    if (!m || venue > 0xffff || assetType > 0xff) throw new RangeError(`--venue-map wants NAME=VENUE_ID[:ASSET_TYPE], got ${JSON.stringify(t)}`);
    out.set(m[1]!, { name: m[1]!, venue, assetType });
  }
  return out;
}

/** Quote currencies tried as suffixes of a run-together symbol (`BTCUSDT`), longest first. */
const QUOTES = ["FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDD", "DAI", "USD", "EUR", "GBP", "JPY", "TRY", "BRL", "AUD", "BTC", "ETH", "BNB", "XBT"];
/** Contract suffixes dropped before splitting (`BTC-PERPETUAL`, `BTC-USDT-SWAP`, `BTCUSD_PERP`). */
const CONTRACT_SUFFIX = /[-_](PERPETUAL|PERP|SWAP)$/;

/**
 * Guesses `[base, quote]` from a venue symbol, or `undefined`. Separators `-`, `/`, `_` split it;
 * otherwise a known quote currency is taken off the end. Deribit's `BTC-PERPETUAL` is BTC/USD.
 */
export function splitSymbol(symbol: string): [string, string] | undefined {
  const up = symbol.toUpperCase();
  if (/^[A-Z0-9]+-PERPETUAL$/.test(up)) return [up.slice(0, up.indexOf("-")), "USD"];
  const s = up.replace(CONTRACT_SUFFIX, "");
  const parts = s.split(/[-/_]/);
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") return [parts[0]!, parts[1]!];
  if (parts.length !== 1) return undefined;
  // Longest quote first, but not at the cost of a base under 3 letters: XBTUSD is XBT/USD, not XB/TUSD.
  let fallback: [string, string] | undefined;
  for (const q of QUOTES) {
    if (s.length <= q.length || !s.endsWith(q)) continue;
    const base = s.slice(0, -q.length);
    if (base.length >= 3) return [base, q];
    fallback ??= [base, q];
  }
  return fallback;
}

/** Parses `--symbol-map` entries `SYM=BASE/QUOTE` (comma-separated or repeated). Throws RangeError. */
export function parseSymbolMap(entries: readonly string[]): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const entry of entries.flatMap((e) => e.split(","))) {
    const t = entry.trim();
    if (t === "") continue;
    const m = /^([^=]+)=([A-Za-z0-9]+)\/([A-Za-z0-9]+)$/.exec(t);
    if (!m) throw new RangeError(`--symbol-map wants SYMBOL=BASE/QUOTE, got ${JSON.stringify(t)}`);
    out.set(m[1]!, [m[2]!, m[3]!]);
  }
  return out;
}

/** Resolves venue symbols to instruments, once per (venue, asset type, symbol). */
export class SymbolResolver {
  private readonly map: ReadonlyMap<string, [string, string]>;
  private readonly cache = new Map<string, ImportInstrument | string>();

  /** @param symbolMap explicit `symbol → [base, quote]` entries (win over the guess) */
  constructor(symbolMap: ReadonlyMap<string, [string, string]> = new Map()) {
    this.map = symbolMap;
  }

  /** The instrument of `symbol` on `venue`, or the reason it has none (a string). */
  resolve(symbol: string, venue: ImportVenueInfo): ImportInstrument | string {
    const key = `${venue.venue}:${venue.assetType}:${symbol}`;
    let r = this.cache.get(key);
    if (r !== undefined) return r;
    const pair = this.map.get(symbol) ?? splitSymbol(symbol);
    if (pair === undefined) {
      r = `symbol ${JSON.stringify(symbol)} cannot be split into base/quote; map it with --symbol-map ${symbol}=BASE/QUOTE`;
    } else {
      const b = canonicalSymbol(pair[0]);
      const q = canonicalSymbol(pair[1]);
      r = isPackableSymbol(b) && isPackableSymbol(q)
        ? { assetId: pairAssetId(b, q), venue: venue.venue, assetType: venue.assetType, symbol: `${b}/${q}` }
        : `symbol ${JSON.stringify(symbol)} → ${b}/${q} is not representable (1–6 characters of A–Z, 0–9 each); map it with --symbol-map`;
    }
    this.cache.set(key, r);
    return r;
  }
}

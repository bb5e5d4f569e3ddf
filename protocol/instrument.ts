/**
 * InstrumentId (PROTOCOL.md §4): the 12 bytes that open every instrument-specific TLV —
 * assetId u64 · venue u16 · assetType u8 · reserved u8.
 *
 * For pairs, `assetId = (pack37(base) << 32) | pack37(quote)`, a bijection over symbols of 1–6
 * characters of `[A-Z0-9]`. For tokens and pools it is the first 8 address bytes, big-endian.
 * Text form: `BTC/USD@coinbase`.
 *
 * @example
 * ```ts
 * const id = pairInstrument("BTC", "USD", Venue.Coinbase);
 * formatInstrument(id);              // "BTC/USD@coinbase"
 * parseInstrument("BTC/USD@coinbase"); // the same id
 * ```
 * @module
 */

import { AssetType, Venue } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { parseAddress } from "./wide-ints.ts";

/** Size of an encoded InstrumentId. */
export const INSTRUMENT_SIZE = 12;

/** A decoded InstrumentId. */
export interface InstrumentId {
  /** u64 asset id. */
  assetId: bigint;
  /** Venue number (§6). */
  venue: number;
  /** Asset type (1 spot, 2 perpetual, 3 future, 50 token, 100 pool). */
  assetType: number;
}

const MAX_SYMBOL = 6;

/** Upper-cases a venue symbol and maps Kraken's legacy codes (`XBT`→`BTC`, `XDG`→`DOGE`). */
export function canonicalSymbol(symbol: string): string {
  const s = symbol.toUpperCase();
  if (s === "XBT") return "BTC";
  if (s === "XDG") return "DOGE";
  return s;
}

/** True when `symbol` (already canonical) can be packed: 1–6 characters of `[A-Z0-9]`. */
export function isPackableSymbol(symbol: string): boolean {
  return /^[A-Z0-9]{1,6}$/.test(symbol);
}

/** Packs a canonical symbol into its base-37 number (< 37^6 < 2^32). `InvalidValue` if not packable. */
export function pack37(symbol: string): number {
  if (!isPackableSymbol(symbol)) {
    throw new ProtocolError("InvalidValue", `symbol ${JSON.stringify(symbol)} is not 1–6 characters of [A-Z0-9]`);
  }
  let v = 0;
  for (let i = 0; i < MAX_SYMBOL; i++) {
    const c = i < symbol.length ? symbol.charCodeAt(i) : 0;
    const digit = c === 0 ? 0 : c >= 65 ? c - 64 : c - 48 + 27;
    v = v * 37 + digit;
  }
  return v;
}

/** Unpacks a base-37 number into its symbol. `InvalidValue` for a number no symbol packs to. */
export function unpack37(value: number): string {
  if (!Number.isInteger(value) || value <= 0 || value >= 37 ** MAX_SYMBOL) {
    throw new ProtocolError("InvalidValue", `${value} is not a packed symbol`);
  }
  const digits: number[] = [];
  let v = value;
  for (let i = 0; i < MAX_SYMBOL; i++) {
    digits.unshift(v % 37);
    v = Math.floor(v / 37);
  }
  let out = "";
  let ended = false;
  for (const d of digits) {
    if (d === 0) {
      ended = true;
      continue;
    }
    if (ended) throw new ProtocolError("InvalidValue", `${value} has a character after the end marker`);
    out += d <= 26 ? String.fromCharCode(64 + d) : String.fromCharCode(48 + d - 27);
  }
  return out;
}

/** The assetId of a `base/quote` pair (symbols canonicalised first). */
export function pairAssetId(base: string, quote: string): bigint {
  return (BigInt(pack37(canonicalSymbol(base))) << 32n) | BigInt(pack37(canonicalSymbol(quote)));
}

/** Splits a pair assetId into `[base, quote]`; `InvalidValue` when it is not a packed pair. */
export function unpackPair(assetId: bigint): [string, string] {
  return [unpack37(Number(assetId >> 32n)), unpack37(Number(assetId & 0xffffffffn))];
}

/** The assetId of a token or pool: first 8 address bytes read big-endian. */
export function addressAssetId(address: string): bigint {
  const b = parseAddress(address);
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** An InstrumentId for a spot (or other) pair. */
export function pairInstrument(base: string, quote: string, venue: number, assetType: number = AssetType.Spot): InstrumentId {
  return { assetId: pairAssetId(base, quote), venue, assetType };
}

/** Reads an InstrumentId at `off`. */
export function readInstrument(dv: DataView, off: number): InstrumentId {
  return { assetId: dv.getBigUint64(off, true), venue: dv.getUint16(off + 8, true), assetType: dv.getUint8(off + 10) };
}

/** Writes an InstrumentId at `off` (reserved byte zeroed). */
export function writeInstrument(dv: DataView, off: number, id: InstrumentId): void {
  dv.setBigUint64(off, id.assetId, true);
  dv.setUint16(off + 8, id.venue, true);
  dv.setUint8(off + 10, id.assetType);
  dv.setUint8(off + 11, 0);
}

const VENUE_BY_NUMBER = new Map<number, string>(Object.entries(Venue).map(([name, n]) => [n, name.toLowerCase()]));
const VENUE_BY_NAME = new Map<string, number>(Object.entries(Venue).map(([name, n]) => [name.toLowerCase(), n]));

/** Lower-case name of a venue number, or the number itself as text for unnamed venues. */
export function venueName(venue: number): string {
  return VENUE_BY_NUMBER.get(venue) ?? String(venue);
}

/** Venue number for a name (case-insensitive) or numeric text; `InvalidValue` otherwise. */
export function venueNumber(name: string): number {
  const n = VENUE_BY_NAME.get(name.toLowerCase());
  if (n !== undefined) return n;
  if (/^\d+$/.test(name) && Number(name) <= 0xffff) return Number(name);
  throw new ProtocolError("InvalidValue", `unknown venue ${JSON.stringify(name)}`);
}

/** `BASE/QUOTE` of a pair instrument, or `undefined` when its assetId is not a packed pair. */
export function instrumentSymbol(id: InstrumentId): string | undefined {
  if (id.assetType === AssetType.Token || id.assetType === AssetType.Pool) return undefined;
  try {
    const [b, q] = unpackPair(id.assetId);
    return `${b}/${q}`;
  } catch {
    return undefined;
  }
}

/** Text form `BASE/QUOTE@venue` (pairs) or `#assetId@venue` (anything else). */
export function formatInstrument(id: InstrumentId): string {
  const sym = instrumentSymbol(id);
  return `${sym ?? `#${id.assetId}`}@${venueName(id.venue)}`;
}

/** Parses the text form `BASE/QUOTE@venue` into a spot InstrumentId. */
export function parseInstrument(text: string, assetType: number = AssetType.Spot): InstrumentId {
  const m = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)@([A-Za-z0-9]+)$/.exec(text);
  if (!m) throw new ProtocolError("InvalidValue", `instrument ${JSON.stringify(text)} is not BASE/QUOTE@venue`);
  return pairInstrument(m[1]!, m[2]!, venueNumber(m[3]!), assetType);
}

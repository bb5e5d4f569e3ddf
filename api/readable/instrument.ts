/**
 * Instruments as people read them in the API's JSON: the pair's symbol and the venue's name beside the
 * wire ids, e.g. `{"symbol":"BTC/USD","venue":"coinbase","venueId":102,"assetId":"…","assetType":"spot"}`.
 * Venue names come from the protocol's `Venue` table; a venue it does not name is shown as `@<id>`.
 *
 * @module
 */

import { AssetType, instrumentSymbol, Venue } from "../../protocol/mod.ts";

/** An instrument in the API's readable form. */
export interface ReadableInstrument {
  /** `BASE/QUOTE` of a pair; null for tokens and pools (no pair symbol). */
  symbol: string | null;
  /** Lower-case venue name (`coinbase`), or `@<id>` for a venue the protocol does not name. */
  venue: string;
  /** The venue's number (PROTOCOL §6). */
  venueId: number;
  /** The 64-bit asset id, as decimal text. */
  assetId: string;
  /** `spot`, `perpetual`, `future`, `token`, `pool`, or the number as text for an unknown type. */
  assetType: string;
}

const VENUE_NAMES = new Map<number, string>(Object.entries(Venue).map(([name, id]) => [id, name.toLowerCase()]));
const ASSET_TYPE_NAMES = new Map<number, string>(Object.entries(AssetType).map(([name, id]) => [id, name.toLowerCase()]));

/** Lower-case name of a venue number, `@<id>` when the protocol does not name it. */
export function readableVenue(venue: number): string {
  return VENUE_NAMES.get(venue) ?? `@${venue}`;
}

/** An instrument id as the execution service reports it (`assetId` as text or bigint). */
export interface RawInstrument {
  assetId: string | bigint;
  venue: number;
  assetType: number;
}

/** The readable form of an instrument id. */
export function readableInstrument(raw: RawInstrument): ReadableInstrument {
  const assetId = BigInt(raw.assetId);
  const venueId = Number(raw.venue);
  const assetType = Number(raw.assetType);
  return {
    symbol: instrumentSymbol({ assetId, venue: venueId, assetType }) ?? null,
    venue: readableVenue(venueId),
    venueId,
    assetId: assetId.toString(),
    assetType: ASSET_TYPE_NAMES.get(assetType) ?? String(assetType),
  };
}

/** `[base, quote]` currencies of a readable instrument (null each for a non-pair). */
export function currenciesOf(i: ReadableInstrument): [string | null, string | null] {
  if (i.symbol === null) return [null, null];
  const [base, quote] = i.symbol.split("/");
  return [base ?? null, quote ?? null];
}

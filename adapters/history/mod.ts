/**
 * Importers of historical market data into Protocol V2 recordings (`ap import`): tardis.dev CSV,
 * cryptofeed recorded sessions, Coinbase Exchange match JSON and ethereum-etl / JSON-RPC logs. The last
 * three run through the venue adapters' own parsers; tardis rows are written directly with exact
 * decimals. Every bad row is counted and reported with its file and line.
 *
 * @module
 */

export { coinbaseMatchEvents, COINBASE_FEED_URL } from "./coinbase-matches.ts";
export { cryptofeedVenue, mergeCryptofeed, readCryptofeedEvents, secondsToNanos } from "./cryptofeed.ts";
export { ImportError, ImportErrorKind } from "./errors.ts";
export { EvmLogImporter, readBlockTimes, rpcShape, type EvmLogImportOptions } from "./ethereum-etl.ts";
export { readJsonObjects, splitJsonObjects, type JsonItem } from "./json-objects.ts";
export { readFileLineBatches, readFileLines, splitLineBatches, splitLines, type FileLine } from "./lines.ts";
export { RecordingFile } from "./recording.ts";
export { FileReport, ImportReport, type BadRow } from "./report.ts";
export { detectTardisFormat, TARDIS_FORMATS, type TardisFormat } from "./tardis-format.ts";
export { TardisImporter, type TardisOptions } from "./tardis.ts";
export { replayTagged, type ErrorProbe, type MessageCounter, type TaggedEvent } from "./through-adapter.ts";
export {
  ImportVenue, importVenue, parseSymbolMap, parseVenueMap, splitSymbol, SymbolResolver, TARDIS_EXCHANGES,
  type ImportInstrument, type ImportVenueInfo,
} from "./venues.ts";

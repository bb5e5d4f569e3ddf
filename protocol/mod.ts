/**
 * AlphaPulse Protocol V2: the 32-byte header + TLV wire format (see PROTOCOL.md), complete and
 * dependency-free. Web-standard APIs only, so Deno can import it straight from a URL:
 *
 * @example
 * ```ts
 * import { encodeMessage, decodeMessage, pairInstrument, Venue } from "https://host/alphapulse/protocol/mod.ts";
 * const bytes = encodeMessage({ relayDomain: 1, source: 3, sequence: 1n, timestamp: 0n }, [{
 *   type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase),
 *   side: 1, flags: 0, price: 3_000_000_000_000n, size: 1_000_000n, execTimestamp: 0n,
 * }]);
 * decodeMessage(bytes).tlvs[0]; // the Trade back
 * ```
 * @module
 */

export {
  AssetType, CancelReason, ChainId, DOMAIN_TLV_RANGE, EXTENDED_TLV_MARKER, GapReason, HEADER_SIZE, HeaderOffset, HelloRole,
  Liquidity, MAGIC, MAX_MESSAGE_SIZE, MAX_PAYLOAD_SIZE, ORDER_FLAG_DEX_ROUTE, ORDER_FLAG_PAPER, ORDER_FLAG_REDUCE_ONLY,
  OrderStatus, OrderType, POOL_FLAG_REMOVED, POOL_FLAG_V3, PRICE_DECIMALS, PRICE_SCALE, PROTOCOL_VERSION, RELAY_DOMAIN_NAMES,
  RejectReason, RelayDomain, ServiceState, Side, SourceId, TRADE_FLAG_INEXACT, TlvType, Venue,
} from "./constants.ts";
export { ProtocolError, ProtocolErrorKind, isProtocolError } from "./errors.ts";
export { concat, equals, indexOfNeedle } from "./bytes.ts";
export { crc32, crc32Update, messageChecksum } from "./crc32.ts";
export {
  I64_MAX, I64_MIN, U64_MAX, U128_MAX, fitsI64, fitsU64, U160_MAX, fromHex, normalizeAddress, parseAddress, readAddress, readU128,
  readU160, toHex, writeAddress, writeI64, writeU128, writeU160, writeU64,
} from "./wide-ints.ts";
export { formatDecimal, parseDecimal, type FixedPoint } from "./decimal.ts";
export {
  INSTRUMENT_SIZE, addressAssetId, canonicalSymbol, formatInstrument, instrumentSymbol, isPackableSymbol, pack37,
  pairAssetId, pairInstrument, parseInstrument, readInstrument, unpack37, unpackPair, venueName, venueNumber,
  writeInstrument, type InstrumentId,
} from "./instrument.ts";
export { checkHeader, isKnownDomain, readHeader, typeBelongsToDomain, type MessageHeader } from "./header.ts";
export type {
  ArbitrageSignalTlv, BookLevel, CancelTlv, FillTlv, GapTlv, GasPriceTlv, HeartbeatTlv, HelloTlv, KnownTlv,
  LiquidationAlertTlv, MomentumSignalTlv, OrderAckTlv, OrderBookTlv, OrderRequestTlv, PoolBurnTlv, PoolLiquidityFields,
  PoolMintTlv, PoolSwapTlv, PoolSwapV3Fields, PoolSyncTlv, QuoteTlv, RetransmitRequestTlv, SignalIdentityTlv, StatusReportTlv,
  SubscribeTlv, Tlv, TlvFields, TlvOf, TradeTlv, UnknownTlv,
} from "./tlv-types.ts";
export { MAX_BOOK_LEVELS, MAX_EXTRA_HOPS, MAX_HELLO_TOKEN, TLV_SPECS, tlvSpec, tlvSpecByName, type FieldKind, type FieldSpec, type TlvSpec } from "./tlv-schema.ts";
export { readTlvValue, tlvHeaderSize, tlvValueSize, writeTlvHeader, writeTlvValue } from "./tlv-codec.ts";
export {
  assertMessage, decodeMessage, encodeMessage, encodeMessageInto, encodedSize, validateMessage,
  type Message, type MessageMeta, type ValidateOptions,
} from "./message.ts";
export { ChunkViews, viewsOf, type BufferViews } from "./buffer-views.ts";
export { MessageView } from "./message-view.ts";
export { TlvFault, tlvLength, tlvNext, tlvType, tlvValue } from "./tlv-walk.ts";
export {
  ArbitrageSignalField, CancelField, FillField, GapField, GasPriceField, HeartbeatField, HelloField, LiquidationAlertField, MomentumSignalField, OrderAckField, OrderBookField, OrderRequestField, PoolBurnField, PoolMintField, PoolSwapField, PoolSyncField, QuoteField, RetransmitRequestField, SignalIdentityField, StatusReportField, TradeField,
} from "./fields.ts";
export { MessageBuilder } from "./builder.ts";
export { setSafeInt64 } from "./fast-int64.ts";
export { StreamFramer, type MessageHandler } from "./framer.ts";
export { epochMillis, nowNanos, writeEpochMillisAsNanos, writeNanosParts, writeNowNanos } from "./time.ts";
export {
  encodeJsonMessage, headerToJson, messageFromJson, messageToJson, tlvFromJson, tlvToJson, type Json, type JsonObject,
} from "./json.ts";
export { DEFAULT_POOL_FEE, isPoolAddress, parsePoolMetaEntry, readPoolMetaEntry, type PoolMetaEntry } from "./pool-meta.ts";

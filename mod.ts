/**
 * AlphaPulse public API: the Protocol V2 codec (also importable on its own from `protocol/mod.ts`). Every name
 * is listed here, so a change of the public surface shows in the diff; `tests/architecture/public-surface.test.ts`
 * checks that this list and `protocol/mod.ts` agree.
 *
 * @example
 * ```ts
 * import { MessageBuilder, RelayDomain, TlvType } from "alphapulse";
 * ```
 * @module
 */

/** Wire constants: header layout and sizes, relay domains, TLV types, venues, enums of the protocol (`as const` objects). */
export {
  AssetType, CancelReason, ChainId, DOMAIN_TLV_RANGE, EXTENDED_TLV_MARKER, GapReason, HEADER_SIZE, HeaderOffset,
  HelloRole, Liquidity, MAGIC, MAX_MESSAGE_SIZE, MAX_PAYLOAD_SIZE, ORDER_FLAG_DEX_ROUTE, ORDER_FLAG_PAPER,
  ORDER_FLAG_REDUCE_ONLY, OrderStatus, OrderType, POOL_FLAG_REMOVED, POOL_FLAG_V3, PRICE_DECIMALS, PRICE_SCALE,
  PROTOCOL_VERSION, RejectReason, RELAY_DOMAIN_NAMES, RelayDomain, ServiceState, Side, SourceId, TlvType,
  TRADE_FLAG_INEXACT, Venue,
} from "./protocol/mod.ts";

/** The typed protocol error (what, where, why) and its kinds. */
export {
  isProtocolError, ProtocolError, ProtocolErrorKind,
} from "./protocol/mod.ts";

/** Byte helpers: concatenation, equality, search. */
export {
  concat, equals, indexOfNeedle,
} from "./protocol/mod.ts";

/** CRC-32 of messages (the trailer checksum). */
export {
  crc32, crc32Update, messageChecksum,
} from "./protocol/mod.ts";

/** Fixed-width integers and addresses: 64/128/160-bit bounds, readers and writers, hex. */
export {
  fitsI64, fitsU64, fromHex, I64_MAX, I64_MIN, normalizeAddress, parseAddress, readAddress, readU128, readU160,
  setSafeInt64, toHex, U128_MAX, U160_MAX, U64_MAX, writeAddress, writeI64, writeU128, writeU160, writeU64,
} from "./protocol/mod.ts";

/** Fixed-point decimals: exact parse and format. */
export {
  type FixedPoint, formatDecimal, parseDecimal,
} from "./protocol/mod.ts";

/** Instrument ids: packing, parsing, formatting, venue names. */
export {
  addressAssetId, canonicalSymbol, formatInstrument, INSTRUMENT_SIZE, type InstrumentId, instrumentSymbol,
  isPackableSymbol, pack37, pairAssetId, pairInstrument, parseInstrument, readInstrument, unpack37, unpackPair,
  venueName, venueNumber, writeInstrument,
} from "./protocol/mod.ts";

/** The 32-byte message header: read and check. */
export {
  checkHeader, isKnownDomain, type MessageHeader, readHeader, typeBelongsToDomain,
} from "./protocol/mod.ts";

/** The TLV registry: one spec per TLV type (fields, sizes, limits). */
export {
  type FieldKind, type FieldSpec, MAX_BOOK_LEVELS, MAX_EXTRA_HOPS, MAX_HELLO_TOKEN, TLV_SPECS, tlvSpec, type
  TlvSpec, tlvSpecByName,
} from "./protocol/mod.ts";

/** One TLV: header and value, read and written by spec. */
export {
  readTlvValue, tlvHeaderSize, tlvValueSize, writeTlvHeader, writeTlvValue,
} from "./protocol/mod.ts";

/** The one TLV walker: from one TLV to the next without allocating, with the fault when cut short. */
export { TlvFault, tlvLength, tlvNext, tlvType, tlvValue } from "./protocol/mod.ts";

/** Decoded TLV shapes, one per type. */
export {
  type ArbitrageSignalTlv, type BookLevel, type CancelTlv, type FillTlv, type GapTlv, type GasPriceTlv, type
  HeartbeatTlv, type HelloTlv, type KnownTlv, type LiquidationAlertTlv, type MomentumSignalTlv, type
  OrderAckTlv, type OrderBookTlv, type OrderRequestTlv, type PoolBurnTlv, type PoolLiquidityFields, type
  PoolMintTlv, type PoolSwapTlv, type PoolSwapV3Fields, type PoolSyncTlv, type QuoteTlv, type
  RetransmitRequestTlv, type SignalIdentityTlv, type StatusReportTlv, type SubscribeTlv, type Tlv, type
  TlvFields, type TlvOf, type TradeTlv, type UnknownTlv,
} from "./protocol/mod.ts";

/** Whole messages: encode, decode, validate. */
export {
  assertMessage, decodeMessage, encodedSize, encodeMessage, encodeMessageInto, type Message, type MessageMeta,
  validateMessage, type ValidateOptions,
} from "./protocol/mod.ts";

/** Zero-copy views over received buffers. */
export {
  type BufferViews, ChunkViews, viewsOf,
} from "./protocol/mod.ts";

/** A reusable zero-copy reader of one message. */
export {
  MessageView,
} from "./protocol/mod.ts";

/** Literal byte-offset tables of every fixed-layout TLV. */
export {
  ArbitrageSignalField, CancelField, FillField, GapField, GasPriceField, HeartbeatField, HelloField,
  LiquidationAlertField, MomentumSignalField, OrderAckField, OrderBookField, OrderRequestField, PoolBurnField,
  PoolMintField, PoolSwapField, PoolSyncField, QuoteField, RetransmitRequestField, SignalIdentityField,
  StatusReportField, TradeField,
} from "./protocol/mod.ts";

/** Builds messages into a reused buffer (the hot path). */
export {
  MessageBuilder,
} from "./protocol/mod.ts";

/** Splits a byte stream into messages. */
export {
  type MessageHandler, StreamFramer,
} from "./protocol/mod.ts";

/** Timestamps: nanoseconds since the epoch, written in place. */
export {
  epochMillis, nowNanos, writeEpochMillisAsNanos, writeNanosParts, writeNowNanos,
} from "./protocol/mod.ts";

/** The JSON form of messages (PROTOCOL §7). */
export {
  encodeJsonMessage, headerToJson, type Json, type JsonObject, messageFromJson, messageToJson, tlvFromJson,
  tlvToJson,
} from "./protocol/mod.ts";

/** DEX pool metadata entries. */
export {
  DEFAULT_POOL_FEE, isPoolAddress, parsePoolMetaEntry, type PoolMetaEntry, readPoolMetaEntry,
} from "./protocol/mod.ts";

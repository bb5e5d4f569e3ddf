/**
 * Protocol V2 constants: header layout, limits and the identifier registries of PROTOCOL.md §2, §4 and §6.
 *
 * Everything is an `as const` object so values stay plain numbers on the wire and names stay
 * greppable in code (no enums: the sources must run type-stripped).
 *
 * @module
 */

/** Header magic `0xDEADBEEF`, on the wire as `EF BE AD DE` (little-endian). */
export const MAGIC = 0xdeadbeef;
/** The only protocol version this codec speaks. */
export const PROTOCOL_VERSION = 1;
/** Size of the fixed message header in bytes. */
export const HEADER_SIZE = 32;
/** Largest whole message (header + payload) any reader accepts: 1 MiB. */
export const MAX_MESSAGE_SIZE = 1024 * 1024;
/** Largest TLV payload a message can carry. */
export const MAX_PAYLOAD_SIZE = MAX_MESSAGE_SIZE - HEADER_SIZE;
/** Fixed-point scale of CEX prices, sizes, fees and USD amounts: 10^8. */
export const PRICE_SCALE = 100_000_000n;
/** Decimal digits behind {@link PRICE_SCALE}. */
export const PRICE_DECIMALS = 8;

/** Byte offsets of the header fields (PROTOCOL.md §2). */
export const HeaderOffset = {
  magic: 0,
  version: 4,
  relayDomain: 5,
  source: 6,
  sequence: 8,
  timestamp: 16,
  payloadSize: 24,
  checksum: 28,
} as const;

/** Relay domains (header byte 5). */
export const RelayDomain = {
  MarketData: 1,
  Signal: 2,
  Execution: 3,
  System: 4,
} as const;
/** A relay domain number. */
export type RelayDomain = (typeof RelayDomain)[keyof typeof RelayDomain];

/** Lower-case names of the relay domains, as used in paths, config and metrics. */
export const RELAY_DOMAIN_NAMES: Readonly<Record<RelayDomain, string>> = {
  1: "market-data",
  2: "signal",
  3: "execution",
  4: "system",
};

/** TLV type numbers of the registry (PROTOCOL.md §4). */
export const TlvType = {
  Trade: 1,
  Quote: 2,
  OrderBook: 3,
  PoolSwap: 4,
  PoolMint: 5,
  PoolBurn: 6,
  PoolSync: 7,
  SignalIdentity: 20,
  ArbitrageSignal: 21,
  MomentumSignal: 22,
  LiquidationAlert: 23,
  OrderRequest: 40,
  OrderAck: 41,
  Fill: 42,
  Cancel: 43,
  GasPrice: 44,
  Heartbeat: 80,
  StatusReport: 81,
  Hello: 82,
  Subscribe: 83,
  RetransmitRequest: 84,
  Gap: 85,
} as const;
/** A registered TLV type number. */
export type TlvType = (typeof TlvType)[keyof typeof TlvType];

/** Marker byte that opens an extended TLV: `[255][0][type][len u16]`. */
export const EXTENDED_TLV_MARKER = 255;

/** Inclusive TLV type range each domain accepts; System types (80–99) ride on any domain. */
export const DOMAIN_TLV_RANGE: Readonly<Record<RelayDomain, readonly [number, number]>> = {
  1: [1, 19],
  2: [20, 39],
  3: [40, 79],
  4: [80, 99],
};

/** Venue identifiers (PROTOCOL.md §6). 65000 and above are test/simulated venues. */
export const Venue = {
  Binance: 100,
  Kraken: 101,
  Coinbase: 102,
  Gemini: 103,
  /** The venues below, up to 109, are ones whose history a user imports (their perpetuals are assetType 2). */
  BinanceFutures: 104,
  BitMEX: 105,
  Deribit: 106,
  Bybit: 107,
  OKX: 108,
  Huobi: 109,
  Ethereum: 200,
  Polygon: 202,
  UniswapV2: 300,
  UniswapV3: 301,
  SushiSwapV2: 302,
  QuickSwapV2: 400,
  QuickSwapV3: 401,
  UniswapV3Polygon: 402,
  SushiSwapV2Polygon: 403,
  Simulated: 65000,
} as const;
/** A venue number. Any u16 is legal on the wire; these are the named ones. */
export type Venue = (typeof Venue)[keyof typeof Venue];

/** InstrumentId asset types. */
export const AssetType = {
  Spot: 1,
  Perpetual: 2,
  Future: 3,
  Token: 50,
  Pool: 100,
} as const;
/** An asset type number. */
export type AssetType = (typeof AssetType)[keyof typeof AssetType];

/** Well-known `source` ids of services (PROTOCOL.md §6). */
export const SourceId = {
  Binance: 1,
  Kraken: 2,
  Coinbase: 3,
  Polygon: 4,
  StrategyFirst: 20,
  ExecutionFirst: 40,
  ApiFirst: 60,
  RelayFirst: 80,
  ReplayFirst: 90,
} as const;

/** Chain ids. */
export const ChainId = { Ethereum: 1, Polygon: 137 } as const;

/** Trade/Fill/OrderRequest side. */
export const Side = { Unknown: 0, Buy: 1, Sell: 2 } as const;
/** A side number. */
export type Side = (typeof Side)[keyof typeof Side];

/** OrderRequest order types. */
export const OrderType = { Market: 1, Limit: 2, IOC: 3, FOK: 4 } as const;
/** OrderAck statuses. */
export const OrderStatus = { Accepted: 1, Rejected: 2, Cancelled: 3, Expired: 4 } as const;
/** OrderAck reject reasons. */
export const RejectReason = { None: 0, RiskLimit: 1, KillSwitch: 2, Invalid: 3, Venue: 4, Stale: 5 } as const;
/** Cancel reasons. */
export const CancelReason = { User: 1, Risk: 2, KillSwitch: 3, Timeout: 4 } as const;
/** Fill liquidity. */
export const Liquidity = { Maker: 1, Taker: 2 } as const;
/** Heartbeat/StatusReport service states. */
export const ServiceState = { Starting: 1, Running: 2, Degraded: 3, Stopping: 4 } as const;
/** Hello roles. */
export const HelloRole = { Publisher: 1, Subscriber: 2, Both: 3 } as const;
/** Gap reasons. */
export const GapReason = { Evicted: 1, SlowConsumer: 2 } as const;

/** Trade `flags` bit 0: the price or size was rounded to fit 10^8 fixed point. */
export const TRADE_FLAG_INEXACT = 1;
/** Pool TLV `flags` bit 0: V3 fields present. */
export const POOL_FLAG_V3 = 1;
/** Pool TLV `flags` bit 1: the log was removed by a reorg. */
export const POOL_FLAG_REMOVED = 2;
/** OrderRequest `flags` bit 0: a DEX route (pool, minAmountOut) follows. */
export const ORDER_FLAG_DEX_ROUTE = 1;
/** OrderRequest `flags` bit 1: reduce-only. */
export const ORDER_FLAG_REDUCE_ONLY = 2;
/** OrderRequest `flags` bit 2: paper order. */
export const ORDER_FLAG_PAPER = 4;

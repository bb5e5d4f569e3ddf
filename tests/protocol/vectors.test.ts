/**
 * Byte-exact Protocol V2 vectors. Every vector below was laid out field by field from the tables of
 * PROTOCOL.md (§2 header, §3 TLV forms, §4 layouts), never produced by this codebase's encoder; the
 * checksum words were computed with an independent CRC-32 (Python's zlib) over the message with bytes
 * 28..31 zero, and are re-checked here against a bit-at-a-time CRC-32 written in this file.
 *
 * For each vector: encode(typed) == bytes, decode(bytes) == typed, checksum == CRC-32(zeroed message).
 */

import { describe, expect, it } from "vitest";
import {
  crc32, crc32Update, decodeMessage, encodeMessage, messageChecksum, messageToJson, pairAssetId, addressAssetId,
  type MessageMeta, type Tlv,
} from "../../protocol/mod.ts";

/** Hex literal with `//` comments and whitespace ignored. */
function hex(strings: TemplateStringsArray): Uint8Array {
  const digits = strings.raw.join("").replace(/\/\/[^\n]*/g, "").replace(/\s+/g, "");
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`bad hex vector: ${digits}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Reference CRC-32 (IEEE, reflected 0xEDB88320, init/xorout 0xFFFFFFFF), one bit at a time. */
function referenceCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Trade: 74 bytes. */
const TRADE = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  0300                               // source 3
  0100000000000000                   // sequence 1
  00c21542fe9c9717                   // timestamp 1700000000200000000
  2a000000                           // payloadSize 42
  b77c153c                           // checksum 0x3c157cb7
  01                                 // TLV type 1 Trade
  28                                 // TLV length 40
  d0a4ee58157a820a                   // instrument.assetId 757301919456601296
  6600                               // instrument.venue 102
  01                                 // instrument.assetType 1
  00                                 // instrument.reserved
  01                                 // side 1 buy
  00                                 // flags 0
  0000                               // reserved
  4e91ab7eba020000                   // price 30000.12345678 = 3000012345678
  80ee360000000000                   // size 0.036 = 3600000
  15cd853dfe9c9717                   // execTimestamp 1700000000123456789
`;

/** Quote: 86 bytes. */
const QUOTE = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  0100                               // source 1
  2a00000000000000                   // sequence 42
  01a30b48fe9c9717                   // timestamp 1700000000300000001
  36000000                           // payloadSize 54
  df762643                           // checksum 0x432676df
  02                                 // TLV type 2 Quote
  34                                 // TLV length 52
  c40fef58e5a7ec16                   // instrument.assetId 1651879766819540932
  6400                               // instrument.venue 100
  01                                 // instrument.assetType 1
  00                                 // instrument.reserved
  80c0e8932e000000                   // bidPrice 2000.5
  4059730700000000                   // bidSize 1.25
  c002f8932e000000                   // askPrice 2000.51
  2a00000000000000                   // askSize 0.00000042
  00a30b48fe9c9717                   // quoteTimestamp 1700000000300000000
`;

/** PoolSwap V2: 154 bytes. */
const POOLSWAP_V2 = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  0400                               // source 4
  e803000000000000                   // sequence 1000
  00cac471fe9c9717                   // timestamp 1700000001000000000
  7a000000                           // payloadSize 122
  c6d2153d                           // checksum 0x3d15d2c6
  04                                 // TLV type 4 PoolSwap
  78                                 // TLV length 120
  9001                               // venue 400 QuickSwapV2
  00                                 // flags 0 (V2)
  12                                 // tokenInDecimals 18
  06                                 // tokenOutDecimals 6
  000000                             // reserved[3]
  6e7a5fafcec6bb1e78bae2a1f0b612012bf14827 // pool 0x6e7a5fafcec6bb1e78bae2a1f0b612012bf14827
  0d500b1d8e8ef31e21c99d1db9a6444d3adf1270 // tokenIn 0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270
  3c499c542cef5e3811e1192ce70d8cc03d5c3359 // tokenOut 0x3c499c542cef5e3811e1192ce70d8cc03d5c3359
  000064a7b3b6e00d0000000000000000   // amountIn 10^18
  59d10700000000000000000000000000   // amountOut 512345
  80f0fa0200000000                   // blockNumber 50000000
  07000000                           // logIndex 7
  00002a36fe9c9717                   // blockTimestamp 1700000000000000000
`;

/** PoolSwap V3: 194 bytes. */
const POOLSWAP_V3 = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  0400                               // source 4
  e903000000000000                   // sequence 1001
  01cac471fe9c9717                   // timestamp 1700000001000000001
  a2000000                           // payloadSize 162
  e185fa16                           // checksum 0x16fa85e1
  04                                 // TLV type 4 PoolSwap
  a0                                 // TLV length 160
  9101                               // venue 401 QuickSwapV3
  01                                 // flags 1 (V3)
  06                                 // tokenInDecimals 6
  12                                 // tokenOutDecimals 18
  000000                             // reserved[3]
  a374094527e1673a86de625aa59517c5de346d32 // pool 0xa374094527e1673a86de625aa59517c5de346d32
  3c499c542cef5e3811e1192ce70d8cc03d5c3359 // tokenIn 0x3c499c542cef5e3811e1192ce70d8cc03d5c3359
  0d500b1d8e8ef31e21c99d1db9a6444d3adf1270 // tokenOut 0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270
  00f90295000000000000000000000000   // amountIn 2500000000
  ca93e9295cc5a15b0801000000000000   // amountOut 4876543210987654321098
  81f0fa0200000000                   // blockNumber 50000001
  2c010000                           // logIndex 300
  0000000000000000                   // blockTimestamp 0 (unknown)
  14131211100f0e0d0c0b0a090807060504030280 // sqrtPriceX96After 730795682860513219686185102040902828829254488852
  05000000000000000000000000000080   // liquidityAfter 170141183460469231731687303715884105733
  9bc8fbff                           // tickAfter -276325
`;

/** ArbitrageSignal: 256 bytes. */
const ARBITRAGESIGNAL = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  02                                 // relayDomain 2
  1400                               // source 20
  0700000000000000                   // sequence 7
  002f928ffe9c9717                   // timestamp 1700000001500000000
  e0000000                           // payloadSize 224
  4293249a                           // checksum 0x9a249342
  14                                 // TLV type 20 SignalIdentity
  10                                 // TLV length 16
  1500                               // strategyId 21
  55                                 // confidence 85
  00                                 // reserved
  00000000                           // reserved
  0100000000002000                   // signalId 9007199254740993 (2^53+1)
  15                                 // TLV type 21 ArbitrageSignal
  cc                                 // TLV length 204 = 184 + 20·1
  89000000                           // chainId 137
  9001                               // sourceVenue 400
  9301                               // targetVenue 403
  1111111111111111111111111111111111111111 // sourcePool 0x1111111111111111111111111111111111111111
  2222222222222222222222222222222222222222 // targetPool 0x2222222222222222222222222222222222222222
  0d500b1d8e8ef31e21c99d1db9a6444d3adf1270 // tokenIn 0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270
  3c499c542cef5e3811e1192ce70d8cc03d5c3359 // tokenOut 0x3c499c542cef5e3811e1192ce70d8cc03d5c3359
  0000f444829163450000000000000000   // amountIn 5·10^18
  80b2e60e00000000                   // expectedProfitUsd 2.5
  8096980000000000                   // gasCostUsd 0.1
  80c3c90100000000                   // dexFeesUsd 0.3
  404b4c0000000000                   // slippageUsd 0.05
  802e0ff7ffffffff                   // netProfitUsd -1.5
  f4ffffff                           // spreadBps -12
  3200                               // slippageToleranceBps 50
  01                                 // extraHops 1
  00                                 // reserved
  00945fadfe9c9717                   // validUntil 1700000002000000000
  00ac23fc06000000                   // maxGasPriceWei 30 gwei
  009f2400000000000000000000000000   // minAmountOut 2400000
  abcdefabcdefabcdefabcdefabcdefabcdef0123 // extraHopPools[0] 0xabcdefabcdefabcdefabcdefabcdefabcdef0123
`;

/** OrderRequest: 134 bytes. */
const ORDERREQUEST = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  03                                 // relayDomain 3
  1500                               // source 21
  0300000000000000                   // sequence 3
  01108895fe9c9717                   // timestamp 1700000001600000001
  66000000                           // payloadSize 102
  fb1c6c32                           // checksum 0x326c1cfb
  28                                 // TLV type 40 OrderRequest
  64                                 // TLV length 100 (with DEX route)
  ffffffffffffffff                   // orderId 2^64-1
  1ef38e8e1d0b500d                   // instrument.assetId 959278942203605790
  9101                               // instrument.venue 401
  32                                 // instrument.assetType 50
  00                                 // instrument.reserved
  02                                 // side 2 sell
  03                                 // orderType 3 IOC
  1500                               // strategyId 21
  0000000000000000                   // price 0
  0065cd1d00000000                   // quantity 5
  0100000000002000                   // signalId 9007199254740993
  00108895fe9c9717                   // createdAt 1700000001600000000
  1e00                               // maxSlippageBps 30
  05                                 // flags 5 = DEX route | paper
  0000000000                         // reserved[5]
  a374094527e1673a86de625aa59517c5de346d32 // pool 0xa374094527e1673a86de625aa59517c5de346d32
  ffffffffffffffffffffffffffffffff   // minAmountOut 2^128-1
`;

/** OrderBook extended: 341 bytes. */
const ORDERBOOK_EXTENDED = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  0200                               // source 2
  6300000000000000                   // sequence 99
  015efae8fe9c9717                   // timestamp 1700000003000000001
  35010000                           // payloadSize 309
  daa00450                           // checksum 0x5004a0da
  ff                                 // extended TLV marker 255
  00                                 // must be 0
  03                                 // TLV type 3 OrderBook
  3001                               // TLV length 304 = 32 + 16·17 (u16)
  d0a4ee58157a820a                   // instrument.assetId 757301919456601296
  6500                               // instrument.venue 101
  01                                 // instrument.assetType 1
  00                                 // instrument.reserved
  005efae8fe9c9717                   // bookTimestamp 1700000003000000000
  15cd5b0700000000                   // exchangeSequence 123456789
  0900                               // bidCount 9
  0800                               // askCount 8
  00b864d9450000008096980000000000   // bids[0] price 300000000000 size 10000000
  c07555d945000000002d310100000000   // bids[1] price 299999000000 size 20000000
  803346d94500000080c3c90100000000   // bids[2] price 299998000000 size 30000000
  40f136d945000000005a620200000000   // bids[3] price 299997000000 size 40000000
  00af27d94500000080f0fa0200000000   // bids[4] price 299996000000 size 50000000
  c06c18d9450000000087930300000000   // bids[5] price 299995000000 size 60000000
  802a09d945000000801d2c0400000000   // bids[6] price 299994000000 size 70000000
  40e8f9d84500000000b4c40400000000   // bids[7] price 299993000000 size 80000000
  00a6ead845000000804a5d0500000000   // bids[8] price 299992000000 size 90000000
  40fa73d945000000002d310100000000   // asks[0] price 300001000000 size 20000000
  803c83d945000000005a620200000000   // asks[1] price 300002000000 size 40000000
  c07e92d9450000000087930300000000   // asks[2] price 300003000000 size 60000000
  00c1a1d94500000000b4c40400000000   // asks[3] price 300004000000 size 80000000
  4003b1d94500000000e1f50500000000   // asks[4] price 300005000000 size 100000000
  8045c0d945000000000e270700000000   // asks[5] price 300006000000 size 120000000
  c087cfd945000000003b580800000000   // asks[6] price 300007000000 size 140000000
  00caded9450000000068890900000000   // asks[7] price 300008000000 size 160000000
`;

/** Hello: 54 bytes. */
const HELLO = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  04                                 // relayDomain 4
  1400                               // source 20
  0100000000000000                   // sequence 1
  00289524ff9c9717                   // timestamp 1700000004000000000
  16000000                           // payloadSize 22
  02158cf5                           // checksum 0xf58c1502
  52                                 // TLV type 82 Hello
  14                                 // TLV length 20 = 8 + 12
  02                                 // role 2 subscriber
  00                                 // reserved
  1400                               // serviceId 20
  00000000                           // reserved
  7365637265742d746f6b656e           // token "secret-token" (UTF-8)
`;

/** Subscribe: 44 bytes. */
const SUBSCRIBE = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  1400                               // source 20
  0200000000000000                   // sequence 2
  01289524ff9c9717                   // timestamp 1700000004000000001
  0c000000                           // payloadSize 12
  a15c62e0                           // checksum 0xe0625ca1
  53                                 // TLV type 83 Subscribe
  0a                                 // TLV length 10 = 4 + 2·3
  0300                               // typeCount 3
  0000                               // reserved
  0100                               // types[0] 1 Trade
  0200                               // types[1] 2 Quote
  0400                               // types[2] 4 PoolSwap
`;

/** Gap: 58 bytes. */
const GAP = hex`
  efbeadde                           // magic 0xDEADBEEF
  01                                 // version 1
  01                                 // relayDomain 1
  5000                               // source 80
  8813000000000000                   // sequence 5000
  00f22f60ff9c9717                   // timestamp 1700000005000000000
  1a000000                           // payloadSize 26
  85e9ddf3                           // checksum 0xf3dde985
  55                                 // TLV type 85 Gap
  18                                 // TLV length 24
  0300                               // source 3
  02                                 // reason 2 slow consumer
  0000000000                         // reserved[5]
  6400000000000000                   // fromSequence 100
  c700000000000000                   // toSequence 199
`;

// Shared values of the vectors.
const BTC_USD = 757301919456601296n; // (pack37("BTC") << 32) | pack37("USD")
const ETH_USDT = 1651879766819540932n;
const WMATIC = "0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270";
const USDC = "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359";
const V2_POOL = "0x6e7a5fafcec6bb1e78bae2a1f0b612012bf14827";
const V3_POOL = "0xa374094527e1673a86de625aa59517c5de346d32";

interface Vector {
  name: string;
  bytes: Uint8Array;
  meta: MessageMeta;
  tlvs: Tlv[];
}

const VECTORS: Vector[] = [
  {
    name: "Trade",
    bytes: TRADE,
    meta: { relayDomain: 1, source: 3, sequence: 1n, timestamp: 1700000000200000000n },
    tlvs: [{
      type: 1, name: "Trade", instrument: { assetId: BTC_USD, venue: 102, assetType: 1 }, side: 1, flags: 0,
      price: 3000012345678n, size: 3600000n, execTimestamp: 1700000000123456789n,
    }],
  },
  {
    name: "Quote",
    bytes: QUOTE,
    meta: { relayDomain: 1, source: 1, sequence: 42n, timestamp: 1700000000300000001n },
    tlvs: [{
      type: 2, name: "Quote", instrument: { assetId: ETH_USDT, venue: 100, assetType: 1 }, bidPrice: 200050000000n,
      bidSize: 125000000n, askPrice: 200051000000n, askSize: 42n, quoteTimestamp: 1700000000300000000n,
    }],
  },
  {
    name: "PoolSwap V2",
    bytes: POOLSWAP_V2,
    meta: { relayDomain: 1, source: 4, sequence: 1000n, timestamp: 1700000001000000000n },
    tlvs: [{
      type: 4, name: "PoolSwap", venue: 400, flags: 0, tokenInDecimals: 18, tokenOutDecimals: 6, pool: V2_POOL,
      tokenIn: WMATIC, tokenOut: USDC, amountIn: 10n ** 18n, amountOut: 512345n, blockNumber: 50000000n, logIndex: 7,
      blockTimestamp: 1700000000000000000n,
    }],
  },
  {
    name: "PoolSwap V3",
    bytes: POOLSWAP_V3,
    meta: { relayDomain: 1, source: 4, sequence: 1001n, timestamp: 1700000001000000001n },
    tlvs: [{
      type: 4, name: "PoolSwap", venue: 401, flags: 1, tokenInDecimals: 6, tokenOutDecimals: 18, pool: V3_POOL,
      tokenIn: USDC, tokenOut: WMATIC, amountIn: 2500000000n, amountOut: 4876543210987654321098n,
      blockNumber: 50000001n, logIndex: 300, blockTimestamp: 0n,
      sqrtPriceX96After: 730795682860513219686185102040902828829254488852n, // bit 159 set: uses all 160 bits
      liquidityAfter: 170141183460469231731687303715884105733n, // 2^127 + 5
      tickAfter: -276325,
    }],
  },
  {
    name: "ArbitrageSignal (one extra hop)",
    bytes: ARBITRAGESIGNAL,
    meta: { relayDomain: 2, source: 20, sequence: 7n, timestamp: 1700000001500000000n },
    tlvs: [
      { type: 20, name: "SignalIdentity", strategyId: 21, confidence: 85, signalId: 9007199254740993n },
      {
        type: 21, name: "ArbitrageSignal", chainId: 137, sourceVenue: 400, targetVenue: 403,
        sourcePool: "0x1111111111111111111111111111111111111111", targetPool: "0x2222222222222222222222222222222222222222",
        tokenIn: WMATIC, tokenOut: USDC, amountIn: 5n * 10n ** 18n, expectedProfitUsd: 250000000n, gasCostUsd: 10000000n,
        dexFeesUsd: 30000000n, slippageUsd: 5000000n, netProfitUsd: -150000000n, spreadBps: -12,
        slippageToleranceBps: 50, validUntil: 1700000002000000000n, maxGasPriceWei: 30000000000n,
        minAmountOut: 2400000n, extraHopPools: ["0xabcdefabcdefabcdefabcdefabcdefabcdef0123"],
      },
    ],
  },
  {
    name: "OrderRequest with DEX route",
    bytes: ORDERREQUEST,
    meta: { relayDomain: 3, source: 21, sequence: 3n, timestamp: 1700000001600000001n },
    tlvs: [{
      type: 40, name: "OrderRequest", orderId: 18446744073709551615n,
      instrument: { assetId: 959278942203605790n, venue: 401, assetType: 50 }, side: 2, orderType: 3, strategyId: 21,
      price: 0n, quantity: 500000000n, signalId: 9007199254740993n, createdAt: 1700000001600000000n,
      maxSlippageBps: 30, flags: 5, pool: V3_POOL, minAmountOut: 340282366920938463463374607431768211455n,
    }],
  },
  {
    name: "OrderBook (extended TLV, 304-byte value)",
    bytes: ORDERBOOK_EXTENDED,
    meta: { relayDomain: 1, source: 2, sequence: 99n, timestamp: 1700000003000000001n },
    tlvs: [{
      type: 3, name: "OrderBook", instrument: { assetId: BTC_USD, venue: 101, assetType: 1 },
      bookTimestamp: 1700000003000000000n, exchangeSequence: 123456789n,
      bids: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ price: 300000000000n - BigInt(i) * 1000000n, size: 10000000n * BigInt(i + 1) })),
      asks: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ price: 300001000000n + BigInt(i) * 1000000n, size: 20000000n * BigInt(i + 1) })),
    }],
  },
  {
    name: "Hello",
    bytes: HELLO,
    meta: { relayDomain: 4, source: 20, sequence: 1n, timestamp: 1700000004000000000n },
    tlvs: [{ type: 82, name: "Hello", role: 2, serviceId: 20, token: "secret-token" }],
  },
  {
    name: "Subscribe",
    bytes: SUBSCRIBE,
    meta: { relayDomain: 1, source: 20, sequence: 2n, timestamp: 1700000004000000001n },
    tlvs: [{ type: 83, name: "Subscribe", types: [1, 2, 4] }],
  },
  {
    name: "Gap",
    bytes: GAP,
    meta: { relayDomain: 1, source: 80, sequence: 5000n, timestamp: 1700000005000000000n },
    tlvs: [{ type: 85, name: "Gap", source: 3, reason: 2, fromSequence: 100n, toSequence: 199n }],
  },
];

describe("CRC-32", () => {
  const check = new TextEncoder().encode("123456789");

  it("gives the standard check value 0xCBF43926 for \"123456789\"", () => {
    expect(referenceCrc32(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
  });

  it("is 0 for no bytes and matches the reference on every length 0..64 (slicing-by-8 tails)", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 64; n++) expect(crc32(bytes, 0, n)).toBe(referenceCrc32(bytes.subarray(0, n)));
  });

  it("can be computed incrementally with crc32Update", () => {
    const state = crc32Update(crc32Update(0xffffffff, check, 0, 4), check, 4, 9);
    expect(~state >>> 0).toBe(0xcbf43926);
  });
});

describe("hand-written vectors", () => {
  it("pack pairs as PROTOCOL.md §4 computes them", () => {
    // pack37("BTC") = ((2·37 + 20)·37 + 3)·37³ = 176323093; pack37("USD") = ((21·37 + 19)·37 + 4)·37³ = 1492034768
    expect(BTC_USD).toBe((176323093n << 32n) | 1492034768n);
    expect(pairAssetId("BTC", "USD")).toBe(BTC_USD);
    expect(pairAssetId("ETH", "USDT")).toBe(ETH_USDT);
    expect(addressAssetId(WMATIC)).toBe(959278942203605790n); // 0x0d500b1d8e8ef31e big-endian
  });

  for (const v of VECTORS) {
    describe(v.name, () => {
      it("encodes to exactly the vector bytes", () => {
        expect(Array.from(encodeMessage(v.meta, v.tlvs))).toEqual(Array.from(v.bytes));
      });

      it("decodes the vector to the typed value", () => {
        const msg = decodeMessage(v.bytes);
        expect(msg.header).toEqual({
          magic: 0xdeadbeef, version: 1, ...v.meta, payloadSize: v.bytes.length - 32,
          checksum: new DataView(v.bytes.buffer).getUint32(28, true),
        });
        expect(msg.tlvs).toStrictEqual(v.tlvs);
      });

      it("carries the CRC-32 of the message with bytes 28..31 zero", () => {
        const zeroed = v.bytes.slice();
        zeroed.fill(0, 28, 32);
        const stored = new DataView(v.bytes.buffer).getUint32(28, true);
        expect(stored).toBe(referenceCrc32(zeroed));
        expect(crc32(zeroed)).toBe(stored);
        expect(messageChecksum(v.bytes, 0, v.bytes.length)).toBe(stored);
      });
    });
  }

  it("uses the extended form [255][0][type][len u16] for the 304-byte OrderBook value", () => {
    expect(Array.from(ORDERBOOK_EXTENDED.subarray(32, 37))).toEqual([255, 0, 3, 0x30, 0x01]);
  });

  it("gives the Trade vector the JSON form of PROTOCOL.md §7", () => {
    expect(JSON.parse(JSON.stringify(messageToJson(decodeMessage(TRADE))))).toEqual({
      header: {
        magic: 3735928559, version: 1, relayDomain: 1, source: 3, sequence: "1", timestamp: "1700000000200000000",
        payloadSize: 42, checksum: 0x3c157cb7,
      },
      tlvs: [{
        type: 1, name: "Trade",
        instrument: { assetId: "757301919456601296", venue: 102, assetType: 1, symbol: "BTC/USD" },
        side: 1, flags: 0, price: "3000012345678", size: "3600000", execTimestamp: "1700000000123456789",
      }],
    });
  });
});

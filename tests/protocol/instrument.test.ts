/**
 * InstrumentId (PROTOCOL.md §4): pack37/unpack37 is a bijection over 1–6 characters of [A-Z0-9],
 * canonical symbols (XBT→BTC, XDG→DOGE), the text form `BTC/USD@coinbase`, and rejection of symbols
 * that cannot be packed.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AssetType, ProtocolError, Venue, addressAssetId, canonicalSymbol, formatInstrument, instrumentSymbol,
  isPackableSymbol, pack37, pairAssetId, pairInstrument, parseInstrument, unpack37, unpackPair, venueName, venueNumber,
} from "../../protocol/mod.ts";

const symbolArb = fc.stringMatching(/^[A-Z0-9]{1,6}$/);
const SPACE = 37 ** 6;

function invalidValue(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).kind).toBe("InvalidValue");
    return e as ProtocolError;
  }
  throw new Error("expected InvalidValue");
}

describe("pack37 / unpack37", () => {
  it("packs as base-37 digits, first character most significant, right-padded with 0", () => {
    expect(pack37("A")).toBe(1 * 37 ** 5);
    expect(pack37("Z")).toBe(26 * 37 ** 5);
    expect(pack37("0")).toBe(27 * 37 ** 5);
    expect(pack37("9")).toBe(36 * 37 ** 5);
    expect(pack37("BTC")).toBe(((2 * 37 + 20) * 37 + 3) * 37 ** 3);
    expect(pack37("AAAAAA")).toBe((37 ** 6 - 1) / 36);
    expect(pack37("999999")).toBe(SPACE - 1);
    expect(SPACE - 1).toBeLessThan(2 ** 32);
  });

  it("round-trips every valid symbol (unpack37 ∘ pack37 = id)", () => {
    fc.assert(fc.property(symbolArb, (s) => {
      const v = pack37(s);
      expect(Number.isInteger(v) && v > 0 && v < SPACE).toBe(true);
      expect(unpack37(v)).toBe(s);
    }), { numRuns: 5000 });
  });

  it("is injective: different symbols pack to different numbers", () => {
    fc.assert(fc.property(symbolArb, symbolArb, (a, b) => {
      fc.pre(a !== b);
      expect(pack37(a)).not.toBe(pack37(b));
    }), { numRuns: 5000 });
  });

  it("unpacks every number of the space either to the symbol that packs to it or InvalidValue", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: SPACE - 1 }), (v) => {
      let s: string;
      try {
        s = unpack37(v);
      } catch (e) {
        expect((e as ProtocolError).kind).toBe("InvalidValue"); // a character after the end marker
        return;
      }
      expect(pack37(s)).toBe(v);
    }), { numRuns: 5000 });
  });

  it("rejects numbers no symbol packs to", () => {
    for (const v of [0, -1, SPACE, 1.5, Number.NaN, 2 ** 32]) invalidValue(() => unpack37(v));
    invalidValue(() => unpack37(1)); // "\0\0\0\0\0A": a character after the end
  });

  it("rejects symbols that are not 1–6 characters of [A-Z0-9], including 7-character ones", () => {
    for (const s of ["", "ABCDEFG", "BITCOIN", "btc", "BT-C", "BTC ", "€"]) {
      expect(isPackableSymbol(s)).toBe(false);
      expect(invalidValue(() => pack37(s)).message).toContain(JSON.stringify(s));
    }
    invalidValue(() => pairAssetId("ABCDEFG", "USD"));
    invalidValue(() => pairAssetId("BTC", "USDTUSD"));
    invalidValue(() => parseInstrument("ABCDEFG/USD@binance"));
  });
});

describe("pair asset ids", () => {
  it("are (pack37(base) << 32) | pack37(quote), and unpack back", () => {
    fc.assert(fc.property(symbolArb, symbolArb, (b, q) => {
      fc.pre(b !== "XBT" && b !== "XDG" && q !== "XBT" && q !== "XDG");
      const id = pairAssetId(b, q);
      expect(id).toBe((BigInt(pack37(b)) << 32n) | BigInt(pack37(q)));
      expect(unpackPair(id)).toEqual([b, q]);
    }), { numRuns: 2000 });
  });

  it("canonicalise symbols: upper case, Kraken XBT→BTC and XDG→DOGE", () => {
    expect(canonicalSymbol("xbt")).toBe("BTC");
    expect(canonicalSymbol("XDG")).toBe("DOGE");
    expect(canonicalSymbol("eth")).toBe("ETH");
    expect(pairAssetId("XBT", "USD")).toBe(pairAssetId("BTC", "USD"));
    expect(pairAssetId("xdg", "usd")).toBe(pairAssetId("DOGE", "USD"));
    expect(unpackPair(pairAssetId("XBT", "XDG"))).toEqual(["BTC", "DOGE"]);
  });

  it("token and pool ids are the first 8 address bytes, big-endian", () => {
    expect(addressAssetId("0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270")).toBe(0x0d500b1d8e8ef31en);
    expect(addressAssetId("0xFFFFFFFFFFFFFFFF000000000000000000000000")).toBe(0xffffffffffffffffn);
    invalidValue(() => addressAssetId("0x1234"));
  });
});

describe("text form BASE/QUOTE@venue", () => {
  it("parses and formats the examples", () => {
    const id = parseInstrument("BTC/USD@coinbase");
    expect(id).toEqual({ assetId: pairAssetId("BTC", "USD"), venue: Venue.Coinbase, assetType: AssetType.Spot });
    expect(formatInstrument(id)).toBe("BTC/USD@coinbase");
    expect(parseInstrument("XBT/USD@Kraken")).toEqual(pairInstrument("BTC", "USD", Venue.Kraken));
    expect(formatInstrument(parseInstrument("xdg/eur@kraken"))).toBe("DOGE/EUR@kraken");
    expect(formatInstrument(pairInstrument("ETH", "USDT", 65001))).toBe("ETH/USDT@65001");
    expect(parseInstrument("ETH/USDT@65001").venue).toBe(65001);
  });

  it("round-trips every pair on every named venue and on numbered venues", () => {
    const venueArb = fc.oneof(fc.constantFrom(...Object.values(Venue)), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(fc.property(symbolArb, symbolArb, venueArb, (b, q, venue) => {
      fc.pre(![b, q].some((s) => s === "XBT" || s === "XDG"));
      const text = `${b}/${q}@${venueName(venue)}`;
      const id = parseInstrument(text);
      expect(id).toEqual(pairInstrument(b, q, venue));
      expect(formatInstrument(id)).toBe(text);
    }), { numRuns: 2000 });
  });

  it("formats tokens, pools and unpackable ids by number", () => {
    const token = { assetId: addressAssetId("0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270"), venue: Venue.Polygon, assetType: AssetType.Token };
    expect(instrumentSymbol(token)).toBeUndefined();
    expect(formatInstrument(token)).toBe(`#${0x0d500b1d8e8ef31en}@polygon`);
    expect(formatInstrument({ assetId: 0n, venue: 1, assetType: AssetType.Spot })).toBe("#0@1");
  });

  it("rejects malformed text and unknown venues", () => {
    for (const t of ["BTC-USD@coinbase", "BTC/USD", "BTC/USD@", "/USD@coinbase", "BTC/USD@nowhere", "BTC/USD@70000"]) {
      invalidValue(() => parseInstrument(t));
    }
    expect(venueNumber("BINANCE")).toBe(100);
    invalidValue(() => venueNumber("65536"));
  });
});

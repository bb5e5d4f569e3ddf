/**
 * tardis.dev CSV import against the real Binance USD-M futures files in ../shared/data/tardis: every
 * trade and quote row checked exactly against an independent reading of the CSV (decimal text vs the
 * decoded message's decimal rendering, µs → ns times, side, venue 104, assetType 2), the book snapshots
 * level by level; an incremental_book_L2 file kept as a book; bad rows with their line numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImportError, ImportReport, SymbolResolver, TardisImporter, parseSymbolMap, splitSymbol } from "../../../adapters/history/mod.ts";
import { AssetType, formatDecimal, instrumentSymbol, pairAssetId, Side, SourceId, type OrderBookTlv, type QuoteTlv, type TradeTlv } from "../../../protocol/mod.ts";
import { BytesSink, canon, DATA, joined, readRecording } from "./helpers.ts";

const TARDIS = join(DATA, "tardis");
const tmp = mkdtempSync(join(tmpdir(), "ap-import-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Independent reading: the CSV's rows as objects keyed by header names. */
function csv(file: string): { line: number; row: Record<string, string> }[] {
  const [head, ...rest] = readFileSync(file, "utf8").split("\n");
  const names = head!.split(",");
  const out: { line: number; row: Record<string, string> }[] = [];
  rest.forEach((l, i) => {
    if (l === "") return;
    const cells = l.split(",");
    out.push({ line: i + 2, row: Object.fromEntries(names.map((n, j) => [n, cells[j]!])) });
  });
  return out;
}

async function importFiles(files: string[], symbolMap: string[] = []): Promise<{ sink: BytesSink; report: ImportReport; imp: TardisImporter }> {
  const sink = new BytesSink();
  const report = new ImportReport();
  const imp = new TardisImporter(sink, { source: SourceId.ReplayFirst, symbols: new SymbolResolver(parseSymbolMap(symbolMap)) });
  for (const f of files) await imp.importFile(f, report.file(f));
  return { sink, report, imp };
}

const BTCUSDT = pairAssetId("BTC", "USDT");
const ns = (us: string): bigint => BigInt(us) * 1000n;

describe("tardis import of the real Binance USD-M futures files", () => {
  it("turns every real trade row into one exact Trade (taker side, venue 104, perpetual)", async () => {
    const file = join(TARDIS, "binance-futures_trades_BTCUSDT_2020-02-22.csv");
    const rows = csv(file);
    const { sink, report } = await importFiles([file]);
    expect(rows.length).toBe(9999);
    expect(report.files[0]!.summary()).toBe(`${file} (trades): 9999 rows → 9999 messages, 0 bad`);
    const msgs = readRecording(joined(sink.list));
    expect(msgs.length).toBe(rows.length);
    rows.forEach(({ row }, i) => {
      const m = msgs[i]!;
      const t = m.tlvs[0] as TradeTlv;
      expect(m.header.sequence).toBe(BigInt(i + 1));
      expect(m.header.source).toBe(90);
      expect(m.header.timestamp).toBe(ns(row.timestamp!));
      expect(t.name).toBe("Trade");
      expect([t.instrument.venue, t.instrument.assetType, t.instrument.assetId]).toEqual([104, AssetType.Perpetual, BTCUSDT]);
      expect(instrumentSymbol(t.instrument)).toBe("BTC/USDT");
      expect(formatDecimal(t.price)).toBe(canon(row.price!));
      expect(formatDecimal(t.size)).toBe(canon(row.amount!));
      expect(t.side).toBe(row.side === "buy" ? Side.Buy : Side.Sell);
      expect(t.execTimestamp).toBe(ns(row.timestamp!));
      expect(t.flags).toBe(0);
    });
    const sides = new Set(rows.map((r) => r.row.side));
    expect([...sides].sort()).toEqual(["buy", "sell"]);
  });

  it("turns every real quote row into one exact Quote", async () => {
    const file = join(TARDIS, "binance-futures_quotes_BTCUSDT_2020-02-22.csv");
    const rows = csv(file);
    const { sink, report } = await importFiles([file]);
    expect(report.badCount).toBe(0);
    const msgs = readRecording(joined(sink.list));
    expect(msgs.length).toBe(rows.length);
    expect(rows.length).toBe(9999);
    rows.forEach(({ row }, i) => {
      const q = msgs[i]!.tlvs[0] as QuoteTlv;
      expect(msgs[i]!.header.timestamp).toBe(ns(row.timestamp!));
      expect([q.instrument.venue, q.instrument.assetType, q.instrument.assetId]).toEqual([104, 2, BTCUSDT]);
      expect([formatDecimal(q.bidPrice), formatDecimal(q.bidSize), formatDecimal(q.askPrice), formatDecimal(q.askSize)])
        .toEqual([canon(row.bid_price!), canon(row.bid_amount!), canon(row.ask_price!), canon(row.ask_amount!)]);
      expect(q.quoteTimestamp).toBe(ns(row.timestamp!));
    });
  });

  it.each([5, 25])("turns book_snapshot_%i rows into OrderBooks, level by level", async (n) => {
    const file = join(TARDIS, `binance-futures_book_snapshot_${n}_BTCUSDT.csv`);
    const rows = csv(file);
    const { sink, report } = await importFiles([file]);
    expect(report.files[0]!.format).toBe(`book_snapshot_${n}`);
    expect(report.badCount).toBe(0);
    const msgs = readRecording(joined(sink.list));
    expect(msgs.length).toBe(rows.length);
    expect(rows.length).toBe(10);
    rows.forEach(({ row }, i) => {
      const b = msgs[i]!.tlvs[0] as OrderBookTlv;
      expect(b.name).toBe("OrderBook");
      expect([b.instrument.venue, b.instrument.assetType, b.bookTimestamp, msgs[i]!.header.timestamp]).toEqual([104, 2, ns(row.timestamp!), ns(row.timestamp!)]);
      expect([b.bids.length, b.asks.length]).toEqual([n, n]);
      for (let k = 0; k < n; k++) {
        expect([formatDecimal(b.bids[k]!.price), formatDecimal(b.bids[k]!.size)]).toEqual([canon(row[`bids[${k}].price`]!), canon(row[`bids[${k}].amount`]!)]);
        expect([formatDecimal(b.asks[k]!.price), formatDecimal(b.asks[k]!.size)]).toEqual([canon(row[`asks[${k}].price`]!), canon(row[`asks[${k}].amount`]!)]);
      }
    });
  });

  it("keeps one sequence over several files, in the order given", async () => {
    const files = ["trades_BTCUSDT_2020-02-22", "quotes_BTCUSDT_2020-02-22", "book_snapshot_5_BTCUSDT"].map((f) => join(TARDIS, `binance-futures_${f}.csv`));
    const { sink, report } = await importFiles(files);
    expect(report.summaryLines().map((l) => l.split(": ")[1])).toEqual(["9999 rows → 9999 messages, 0 bad", "9999 rows → 9999 messages, 0 bad", "10 rows → 10 messages, 0 bad"]);
    const msgs = readRecording(joined(sink.list));
    expect(msgs.map((m) => m.header.sequence)).toEqual(msgs.map((_, i) => BigInt(i + 1)));
    expect([msgs[9998]!.tlvs[0]!.name, msgs[9999]!.tlvs[0]!.name, msgs[19998]!.tlvs[0]!.name]).toEqual(["Trade", "Quote", "OrderBook"]);
  });
});

describe("tardis incremental_book_L2 and bad input", () => {
  const L2 = [
    "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount",
    "bitmex,XBTUSD,1585699200000000,1585699200100000,true,ask,6500.5,1000",
    "bitmex,XBTUSD,1585699200000000,1585699200100000,true,ask,6501,2500",
    "bitmex,XBTUSD,1585699200000000,1585699200100000,true,bid,6500,3000",
    "bitmex,XBTUSD,1585699200000000,1585699200100000,true,bid,6499.5,700",
    "bitmex,XBTUSD,1585699200254000,1585699200300000,false,bid,6500,0",
    "bitmex,XBTUSD,1585699200254000,1585699200300000,false,bid,6500.25,12.5",
    "deribit,BTC-PERPETUAL,1585699200300000,1585699200350000,true,bid,6499,10",
    "deribit,BTC-PERPETUAL,1585699200300000,1585699200350000,true,ask,6502,20",
    "bitmex,XBTUSD,1585699200400000,1585699200450000,false,ask,6500.5,0",
    "bitmex,XBTUSD,1585699200500000,1585699200550000,true,bid,6400,1",
    "bitmex,XBTUSD,1585699200500000,1585699200550000,true,ask,6401,1",
  ].join("\n") + "\n";

  it("keeps a book per instrument and publishes its levels after each update (one per timestamp)", async () => {
    const file = join(tmp, "bitmex_incremental_book_L2.csv");
    writeFileSync(file, L2);
    const { sink, report } = await importFiles([file]);
    expect(report.files[0]!.summary()).toBe(`${file} (incremental_book_L2): 11 rows → 5 messages, 0 bad`);
    const books = readRecording(joined(sink.list)).map((m) => m.tlvs[0] as OrderBookTlv);
    const show = (b: OrderBookTlv): string[][] => [b.bids.map((l) => `${formatDecimal(l.price)}×${formatDecimal(l.size)}`), b.asks.map((l) => `${formatDecimal(l.price)}×${formatDecimal(l.size)}`)];
    expect(books.map((b) => [instrumentSymbol(b.instrument), b.instrument.venue, b.instrument.assetType, b.bookTimestamp])).toEqual([
      ["BTC/USD", 105, 2, 1_585_699_200_000_000_000n],
      ["BTC/USD", 105, 2, 1_585_699_200_254_000_000n],
      ["BTC/USD", 106, 2, 1_585_699_200_300_000_000n],
      ["BTC/USD", 105, 2, 1_585_699_200_400_000_000n],
      ["BTC/USD", 105, 2, 1_585_699_200_500_000_000n],
    ]);
    expect(books.map(show)).toEqual([
      [["6500×3000", "6499.5×700"], ["6500.5×1000", "6501×2500"]],
      [["6500.25×12.5", "6499.5×700"], ["6500.5×1000", "6501×2500"]],
      [["6499×10"], ["6502×20"]],
      [["6500.25×12.5", "6499.5×700"], ["6501×2500"]],
      [["6400×1"], ["6401×1"]], // a new snapshot replaces the book
    ]);
  });

  it("reports each malformed row with its line and reason, and imports the rest", async () => {
    const file = join(tmp, "bad_trades.csv");
    writeFileSync(file, [
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
      "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,9682,0.132",
      "binance-futures,BTCUSDT,1582329602116000,1582329602418420,2,buy,96x2,0.412",
      "binance-futures,BTCUSDT,1582329602117000,1582329602418420,3,sideways,9682,0.1",
      "",
      "ftx,BTC-PERP,1582329602118000,1582329602418420,4,sell,9682,0.1",
      "binance-futures,BTCUSDT,1582329602119000,1582329602418420,5,sell,9682",
      "binance-futures,BTCUSDT,15823296021190001582329602,1,6,sell,9682,1",
      "binance-futures,ABCDEFGHUSDT,1582329602120000,1582329602418420,7,sell,1,1",
      "binance-futures,BTCUSDT,1582329602121000,1582329602418420,8,sell,9681.5,-1",
      "binance-futures,BTCUSDT,1582329602122000,1582329602418420,9,sell,9681.123456789,1",
    ].join("\r\n"));
    const { sink, report, imp } = await importFiles([file]);
    expect(report.badRows.map((b) => [b.line, b.reason.split(/[:;(]/)[0]])).toEqual([
      [3, "price"],
      [4, 'side "sideways" is not buy, sell or unknown'],
      [6, 'exchange "ftx" has no venue id '],
      [7, "7 fields where the header has 8"],
      [8, 'timestamp "15823296021190001582329602" is not µs since the epoch'],
      [9, 'symbol "ABCDEFGHUSDT" → ABCDEFGH/USDT is not representable '],
      [10, 'amount "-1" is negative'],
    ]);
    expect(report.badRows[0]!.reason).toBe('price: "96x2" is not a decimal number');
    expect(report.badRows.every((b) => b.file === file)).toBe(true);
    expect(report.badRows[2]!.reason).toContain("--venue-map ftx=");
    expect(report.files[0]!.summary()).toBe(`${file} (trades): 9 rows → 2 messages, 7 bad`); // the blank line is no row
    const trades = readRecording(joined(sink.list)).map((m) => m.tlvs[0] as TradeTlv);
    expect(trades.map((t) => [formatDecimal(t.price), t.flags])).toEqual([["9682", 0], ["9681.12345679", 1]]); // rounded half-to-even, flagged
    expect(imp.inexact).toBe(1);
  });

  it("refuses a file whose header is no tardis format, naming file and line 1", async () => {
    const file = join(tmp, "liquidations.csv");
    writeFileSync(file, "exchange,symbol,timestamp,local_timestamp,id,price\nx\n");
    const err = await importFiles([file]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toMatch(/liquidations\.csv:1: the first line is not a tardis\.dev CSV header/);
  });

  it("splits venue symbols into pairs, and --symbol-map overrides", async () => {
    expect(["BTCUSDT", "XBTUSD", "BTC-PERPETUAL", "BTC-USDT-SWAP", "ETH-USD", "ETHBTC", "BTCUSD_PERP", "BTC/EUR", "XYZ"].map(splitSymbol)).toEqual([
      ["BTC", "USDT"], ["XBT", "USD"], ["BTC", "USD"], ["BTC", "USDT"], ["ETH", "USD"], ["ETH", "BTC"], ["BTC", "USD"], ["BTC", "EUR"], undefined,
    ]);
    const file = join(tmp, "mapped.csv");
    writeFileSync(file, "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nbybit,XYZ,1,1,1,unknown,2,3\n");
    const plain = await importFiles([file]);
    expect(plain.report.badRows[0]!.reason).toContain("--symbol-map XYZ=BASE/QUOTE");
    const mapped = await importFiles([file], ["XYZ=XYZ/USDT"]);
    const t = readRecording(joined(mapped.sink.list))[0]!.tlvs[0] as TradeTlv;
    expect([instrumentSymbol(t.instrument), t.instrument.venue, t.instrument.assetType, t.side, t.execTimestamp]).toEqual(["XYZ/USDT", 107, 2, Side.Unknown, 1000n]);
  });
});

/**
 * The imports that run through the venue adapters produce exactly what the existing normalize paths
 * produce on the same real inputs (../shared/data): cryptofeed sessions (Coinbase, Binance) against
 * the test reading of tests/adapters/real-data.ts replayed with `replayCapture`; Coinbase matches
 * against the adapter fed the file's objects, with every trade checked; ethereum-etl logs against the
 * EVM feed fed `eth_subscription` notifications (as tests/adapters/evm/real-data.test.ts does).
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CaptureEvent } from "../../../adapters/common/capture.ts";
import { replayCapture } from "../../../adapters/common/replay.ts";
import { ETHEREUM, POLYGON } from "../../../adapters/evm/chains.ts";
import { eventKindOf } from "../../../adapters/evm/events.ts";
import { EvmFeed } from "../../../adapters/evm/feed.ts";
import { PoolCache } from "../../../adapters/evm/pool-cache.ts";
import {
  coinbaseMatchEvents, EvmLogImporter, ImportReport, mergeCryptofeed, readBlockTimes, replayTagged, splitJsonObjects, splitLines,
} from "../../../adapters/history/mod.ts";
import { loadVenue, type VenueAdapterOptions } from "../../../adapters/registry.ts";
import { decodeMessage, formatDecimal, formatInstrument, Side, type PoolSwapTlv, type PoolSyncTlv, type TradeTlv } from "../../../protocol/mod.ts";
import { readCryptofeedFile } from "../real-data.ts";
import { BytesSink, DATA, firstDifference } from "./helpers.ts";

const SAMPLE = join(DATA, "cryptofeed/sample_data");
const tmp = mkdtempSync(join(tmpdir(), "ap-import-adapters-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The test's own merge of cryptofeed files (as tests/adapters/real-data.ts readCryptofeed, from DATA). */
function referenceEvents(names: string[]): CaptureEvent[] {
  const all = names.flatMap((n, fi) => readCryptofeedFile(join(SAMPLE, n)).map((e, i) => ({ e, i, fi })));
  all.sort((a, b) => (a.e.t < b.e.t ? -1 : a.e.t > b.e.t ? 1 : a.fi - b.fi || a.i - b.i));
  return all.map((x) => x.e);
}

async function adapterFor(venue: string, sink: BytesSink, settings: Record<string, string>) {
  const entry = await loadVenue(venue);
  return entry.create({ sink, anySymbol: true, settings } as VenueAdapterOptions);
}

describe("cryptofeed import = the normalize path over the same sessions", () => {
  it.each([
    ["coinbase", ["COINBASE.0", "COINBASE.ws.28.0"], { bookIntervalMs: "0" }, 9946],
    ["binance", ["BINANCE.0", "BINANCE.http.0.0", "BINANCE.ws.1.0"], { bookIntervalMs: "0", trades: "aggTrade" }, 265],
  ] as const)("%s: byte-identical messages, rows and lines accounted", async (venue, names, settings, frames) => {
    const want = new BytesSink();
    const ref = await adapterFor(venue, want, settings);
    await replayCapture(ref, referenceEvents([...names]), { pace: "fast" });

    const got = new BytesSink();
    const a = await adapterFor(venue, got, settings);
    const report = new ImportReport();
    const paths = names.map((n) => join(SAMPLE, n));
    await replayTagged(a, mergeCryptofeed(paths, report), report, got, { errors: () => a.metrics.parseErrors, lastError: () => a.metrics.lastError });

    expect(a.metrics.frames).toBe(frames);
    expect(want.list.length).toBeGreaterThan(200);
    expect(got.list.length).toBe(want.list.length);
    expect(firstDifference(got.list, want.list)).toBe(-1);
    expect(report.badCount).toBe(0);
    expect(report.messages).toBe(got.list.length);
    // every non-blank, non-configuration line is a row of its file
    names.forEach((n, i) => {
      const lines = readFileSync(paths[i]!, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("configuration: "));
      expect(report.file(paths[i]!).rows, n).toBe(lines.length);
    });
  });

  it("reports a line that is no cryptofeed line with its file and number", async () => {
    const file = join(tmp, "COINBASE.ws.1.0");
    const real = readFileSync(join(SAMPLE, "COINBASE.ws.28.0"), "utf8").split("\n").slice(0, 40);
    real.splice(10, 0, "garbage in the middle");
    writeFileSync(file, real.join("\n"));
    const report = new ImportReport();
    const sink = new BytesSink();
    const a = await adapterFor("coinbase", sink, {});
    await replayTagged(a, mergeCryptofeed([file], report), report, sink, { errors: () => a.metrics.parseErrors, lastError: () => a.metrics.lastError });
    expect(report.badRows.map((b) => [b.file, b.line])).toEqual([[file, 11]]);
    expect(report.badRows[0]!.reason).toContain("not a cryptofeed line");
  });
});

describe("Coinbase matches import = the Coinbase adapter over the same objects", () => {
  it("publishes the 447 real matches exactly, taker side, header time = match time", async () => {
    const path = join(DATA, "coinbase-exchange/matches.json");
    const matches = JSON.parse(readFileSync(path, "utf8")) as { side: string; size: string; price: string; product_id: string; time: string }[];
    const report = new ImportReport();
    const got = new BytesSink();
    const a = await adapterFor("coinbase", got, { backfill: "0" });
    await replayTagged(a, coinbaseMatchEvents([path], report), report, got, { errors: () => a.metrics.parseErrors, lastError: () => a.metrics.lastError });
    expect(report.files[0]!.summary()).toBe(`${path} (coinbase-matches): 447 rows → 447 messages, 0 bad`);

    // the reference: the same adapter fed each object's text (the file's lines from "{" to "}")
    const want = new BytesSink();
    const ref = await adapterFor("coinbase", want, { backfill: "0" });
    const text = readFileSync(path, "utf8");
    const objects = text.split(/\n  \},?\n/).map((s, i, all) => (i < all.length - 1 ? `${s}\n  }` : s)).map((s) => s.slice(s.indexOf("{"))).filter((s) => s.startsWith("{"));
    expect(objects.length).toBe(447);
    const url = "wss://ws-feed.exchange.coinbase.com";
    const ts = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n + BigInt(iso.slice(23, 26).padEnd(3, "0")) * 1000n;
    const events: CaptureEvent[] = [{ t: ts(matches[0]!.time), kind: "connect", url }];
    objects.forEach((o, i) => events.push({ t: ts(matches[i]!.time), kind: "recv", url, data: o }));
    await replayCapture(ref, events);
    expect(got.list.length).toBe(447);
    expect(firstDifference(got.list, want.list)).toBe(-1);

    got.list.forEach((bytes, i) => {
      const x = matches[i]!;
      const m = decodeMessage(bytes);
      const t = m.tlvs[0] as TradeTlv;
      expect(formatInstrument(t.instrument)).toBe(`${x.product_id.replace("-", "/")}@coinbase`);
      expect(formatDecimal(t.price)).toBe(x.price.replace(/\.?0+$/, ""));
      expect(formatDecimal(t.size)).toBe(x.size.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ""));
      expect(t.side).toBe(x.side === "buy" ? Side.Sell : Side.Buy);
      expect(m.header.timestamp).toBe(ts(x.time));
      expect(t.execTimestamp).toBe(ts(x.time));
    });
  });

  it("streams objects and lines across any chunking, with the line each starts on", async () => {
    const text = '[\n  {"a": "}{\\"", "b": [1, {"c": 2}]},\n  {"d":\n 3}\n, oops ]\n';
    for (const size of [1, 2, 3, 7, 1000]) {
      const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
      const items = [];
      for await (const it of splitJsonObjects(chunks, "x.json")) items.push([it.kind, it.line, it.text]);
      expect(items, `chunk ${size}`).toEqual([
        ["object", 2, '{"a": "}{\\"", "b": [1, {"c": 2}]}'], ["object", 3, '{"d":\n 3}'], ["junk", 5, "oops"],
      ]);
      const lines = [];
      for await (const l of splitLines(chunks, "x.json")) lines.push([l.line, l.text]);
      expect(lines.map((l) => l[1]).join("\n") + "\n").toBe(text);
      expect(lines.at(-1)![0]).toBe(5);
    }
  });
});

describe("ethereum-etl import = the EVM feed over the same logs", () => {
  const RPC = join(DATA, "evm/eth_mainnet_17173049-17173050.uniswap_logs.rpc.jsonl");
  const DECODED = join(DATA, "evm/eth_mainnet_17173049-17173050.uniswap_logs.decoded.jsonl");
  const T0 = "0x00000000000000000000000000000000000000a0";
  const T1 = "0x00000000000000000000000000000000000000a1";
  const logs = readFileSync(RPC, "utf8").split("\n").filter((l) => l.trim() !== "");
  const decoded = readFileSync(DECODED, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as {
    event: string; address: string; blockNumber: number; logIndex: number; blockTimestamp: number; args: Record<string, string>;
  });

  function cacheFile(skip?: string): string {
    const pools: Record<string, unknown> = {};
    for (const l of logs) {
      const log = JSON.parse(l) as { address: string; topics: string[] };
      const v3 = eventKindOf(log.topics[0]) >= 5;
      if (log.address !== skip) pools[log.address] = { kind: v3 ? "v3" : "v2", venue: v3 ? 301 : 300, token0: T0, token1: T1, decimals0: 18, decimals1: 6, fee: 3000 };
    }
    const f = join(tmp, `pools-${skip ?? "all"}.json`);
    writeFileSync(f, JSON.stringify(pools));
    return f;
  }

  it("publishes the 148 real logs byte for byte as the feed does, with block times from --blocks", async () => {
    const cachePath = cacheFile();
    const want = new BytesSink();
    const feed = new EvmFeed({ chain: ETHEREUM, cache: await PoolCache.load(cachePath), emit: (m) => want.publish(m), priorityFeeWei: 0n });
    feed.noteSent(feed.subscribeRequest("logs"));
    feed.onWsText('{"jsonrpc":"2.0","id":1,"result":"0x1"}');
    feed.frameTimestamp = 0n;
    for (const l of logs) feed.onWsText(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":${l}}}`);

    const got = new BytesSink();
    const report = new ImportReport();
    const imp = new EvmLogImporter(got, { chain: ETHEREUM, cache: await PoolCache.load(cachePath) });
    await imp.importFile(RPC, report.file(RPC));
    expect(report.files[0]!.summary()).toBe(`${RPC} (ethereum-etl): 148 rows → 148 messages, 0 bad`);
    expect(imp.withoutTime).toBe(148);
    expect(got.list.length).toBe(148);
    expect(firstDifference(got.list, want.list)).toBe(-1);

    // with block times: the same values, blockTimestamp and header time = the block's
    const timed = new BytesSink();
    const r2 = new ImportReport();
    const times = await readBlockTimes(DECODED, r2.file(DECODED));
    const imp2 = new EvmLogImporter(timed, { chain: ETHEREUM, cache: await PoolCache.load(cachePath), blockTimes: times });
    await imp2.importFile(RPC, r2.file(RPC));
    expect([r2.badCount, imp2.withoutTime, timed.list.length]).toEqual([0, 0, 148]);
    let swaps = 0;
    timed.list.forEach((bytes, i) => {
      const m = decodeMessage(bytes);
      const t = m.tlvs[0] as PoolSwapTlv | PoolSyncTlv;
      const d = decoded[i]!;
      const ns = BigInt(d.blockTimestamp) * 1_000_000_000n;
      expect([t.pool, t.blockNumber, t.logIndex, t.blockTimestamp, m.header.timestamp]).toEqual([d.address, BigInt(d.blockNumber), d.logIndex, ns, ns]);
      if (t.name === "PoolSync") expect([t.reserve0.toString(), t.reserve1.toString()]).toEqual([d.args.reserve0, d.args.reserve1]);
      else {
        swaps++;
        if (d.event === "UniswapV3.Swap") {
          const [a0, a1] = [BigInt(d.args.amount0!), BigInt(d.args.amount1!)];
          expect([t.amountIn, t.amountOut]).toEqual(a0 > 0n ? [a0, -a1] : [a1, -a0]);
        } else {
          expect([t.amountIn.toString(), t.amountOut.toString()]).toEqual(
            d.args.amount0In !== "0" ? [d.args.amount0In, d.args.amount1Out] : [d.args.amount1In, d.args.amount0Out]);
        }
      }
    });
    expect(swaps).toBe(79);
  });

  it("names the line and pool of each log without metadata, and reads the polygon file too", async () => {
    const missing = (JSON.parse(logs[0]!) as { address: string }).address;
    const report = new ImportReport();
    const sink = new BytesSink();
    const imp = new EvmLogImporter(sink, { chain: ETHEREUM, cache: await PoolCache.load(cacheFile(missing)) });
    await imp.importFile(RPC, report.file(RPC));
    const lines = logs.map((l, i) => [l, i + 1] as const).filter(([l]) => (JSON.parse(l) as { address: string }).address === missing).map(([, n]) => n);
    expect(lines.length).toBeGreaterThan(0);
    expect(report.badRows.map((b) => b.line)).toEqual(lines);
    expect(report.badRows[0]!.reason).toBe(`pool ${missing} has no metadata: add it to the pool cache file (--pool-cache, PROTOCOL §8)`);
    expect(sink.list.length).toBe(148 - lines.length);

    const poly = join(DATA, "evm/polygon.uniswap_logs.rpc.jsonl");
    const pools: Record<string, unknown> = {};
    for (const l of readFileSync(poly, "utf8").split("\n").filter((x) => x.trim() !== "")) {
      const log = JSON.parse(l) as { address: string; topics: string[] };
      const v3 = eventKindOf(log.topics[0]) >= 5;
      pools[log.address] = { kind: v3 ? "v3" : "v2", venue: v3 ? 402 : 400, token0: T0, token1: T1, decimals0: 18, decimals1: 6, fee: 3000 };
    }
    const cache = new PoolCache();
    cache.loadJson(JSON.stringify(pools));
    const r2 = new ImportReport();
    const s2 = new BytesSink();
    await new EvmLogImporter(s2, { chain: POLYGON, cache }).importFile(poly, r2.file(poly));
    expect(r2.files[0]!.summary()).toBe(`${poly} (ethereum-etl): 3 rows → 3 messages, 0 bad`);
    expect(s2.list.map((m) => decodeMessage(m).header.source)).toEqual([4, 4, 4]);
  });
});

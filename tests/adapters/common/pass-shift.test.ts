/**
 * The pieces of the pass shifters: JSON value spans, in-place edits, time, quantity and id rewriting,
 * and the venue shifters' treatment of real frames (only the counters move; every other byte stays).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinancePassShifter } from "../../../adapters/binance/pass-shift.ts";
import type { CaptureEvent } from "../../../adapters/common/capture.ts";
import { applyEdits, fieldOf, scanJsonObjects } from "../../../adapters/common/json-spans.ts";
import { IdSpan, maskHexId, PassClock, shiftHexQuantity, shiftIsoTime } from "../../../adapters/common/pass-shift.ts";
import { CoinbasePassShifter } from "../../../adapters/coinbase/pass-shift.ts";
import { EvmPassShifter } from "../../../adapters/evm/pass-shift.ts";
import { KrakenPassShifter } from "../../../adapters/kraken/pass-shift.ts";

/** Every object inside a parsed JSON value, in document order. */
function objectsOf(v: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(v)) for (const x of v) objectsOf(x, out);
  else if (v !== null && typeof v === "object") {
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) objectsOf(x, out);
  }
  return out;
}

describe("scanJsonObjects", () => {
  it("finds every object and the exact text of each of its values, compact or indented", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.boolean(), (value, indent) => {
      const text = JSON.stringify(value, null, indent ? 2 : undefined);
      const objects = scanJsonObjects(text);
      expect(objects).toBeDefined();
      const parsed = objectsOf(JSON.parse(text));
      expect(objects!.length).toBe(parsed.length);
      objects!.forEach((o, i) => {
        // fast-check keys may hold escapes; compare only keys written without any.
        const keys = Object.keys(parsed[i]!).filter((k) => JSON.stringify(k) === `"${k}"`);
        for (const k of keys) {
          const f = fieldOf(o, k);
          expect(f).toBeDefined();
          expect(JSON.parse(text.slice(f!.start, f!.end))).toEqual(parsed[i]![k]);
        }
      });
    }), { numRuns: 300 });
  });

  it("refuses what is not one JSON value, and edits leave every other byte alone", () => {
    for (const bad of ["", "{", '{"a":}', '{"a":1,}', "[1 2]", '{"a":1} x', '"open']) expect(scanJsonObjects(bad)).toBeUndefined();
    const text = '{"s":"BTCUSDT","b":[["1.10","2"]],"t":7, "q":"0.50"}';
    const t = fieldOf(scanJsonObjects(text)![0]!, "t")!;
    expect(applyEdits(text, [{ start: t.start, end: t.end, text: "1007" }])).toBe('{"s":"BTCUSDT","b":[["1.10","2"]],"t":1007, "q":"0.50"}');
    expect(applyEdits(text, [])).toBe(text);
  });
});

describe("time, quantity and id rewriting", () => {
  it("moves an RFC 3339 time by milliseconds as Date arithmetic does, keeping its fraction digits", () => {
    expect(shiftIsoTime("2026-01-01T00:00:00.100000Z", 30_027)).toBe("2026-01-01T00:00:30.127000Z");
    expect(shiftIsoTime("2026-01-01T23:59:59.999999Z", 1)).toBe("2026-01-02T00:00:00.000999Z");
    expect(shiftIsoTime("2026-01-01T00:00:00.5Z", 600)).toBe("2026-01-01T00:00:01.1Z");
    expect(shiftIsoTime("2026-01-01T00:00:00Z", 2_000)).toBe("2026-01-01T00:00:02Z");
    expect(shiftIsoTime("yesterday", 1)).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: -1e9, max: 1e9 }), (ms, micros, delta) => {
      const iso = new Date(ms).toISOString().replace("Z", `${String(micros).padStart(3, "0")}Z`);
      const moved = shiftIsoTime(iso, delta)!;
      expect(moved).toBe(new Date(ms + delta).toISOString().replace("Z", `${String(micros).padStart(3, "0")}Z`));
    }));
  });

  it("moves hex quantities, and masks hex ids one way per pass (pass 0 as recorded, distinct stay distinct)", () => {
    expect(shiftHexQuantity("0x3938704", 11)).toBe("0x393870f");
    expect(shiftHexQuantity("3938704", 1)).toBeUndefined();
    const id = "0x80db0ec4fdad15f61bb0fdbe5570e36d";
    expect(maskHexId(id, 0)).toBe(id);
    expect(maskHexId(id, 1)).not.toBe(id);
    expect(maskHexId(id, 1)).not.toBe(maskHexId(id, 2));
    expect(maskHexId(id, 1)!.length).toBe(id.length);
    expect(maskHexId("not hex", 1)).toBeUndefined();
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1e6 }), (a, b, pass) => {
      const hex = (u: Uint8Array) => "0x" + [...u].map((x) => x.toString(16).padStart(2, "0")).join("");
      const [x, y] = [hex(a), hex(b)];
      expect(maskHexId(maskHexId(x, pass)!, pass)).toBe(x);
      if (x !== y && x.length === y.length) expect(maskHexId(x, pass)).not.toBe(maskHexId(y, pass));
    }));
  });

  it("an id span is max − min + 1, a 'last id' reference naming the id before the next", () => {
    const s = new IdSpan();
    expect(s.size).toBe(0);
    s.noteLast(0); // a heartbeat before any trade: the next trade is 1
    for (const id of [1, 2, 3, 7]) s.note(id);
    expect(s.size).toBe(7);
    const c = new PassClock();
    for (const t of [0n, 10_000_000_000n, 30_000_000_000n]) c.note(t);
    expect(c.millis()).toBe(45_000); // 30 s span + the mean gap of 15 s
  });
});

const ev = (data: string, t = 1_767_225_600_000_000_000n, url = "wss://x/"): CaptureEvent => ({ t, kind: "recv", url, data });

describe("venue shifters rewrite only what moves on", () => {
  it("coinbase: trade ids, last_trade_id, sequence and time per product; prices untouched", () => {
    const s = new CoinbasePassShifter();
    const frames = [
      '{"type":"heartbeat","last_trade_id":0,"product_id":"BTC-USD","sequence":100,"time":"2026-01-01T00:00:00.100000Z"}',
      '{"type":"match","trade_id":1,"side":"buy","size":"0.1","price":"116827.80","product_id":"BTC-USD","sequence":101,"time":"2026-01-01T00:00:01.000000Z"}',
      '{"type":"match","trade_id":2,"side":"buy","size":"0.1","price":"116827.80","product_id":"BTC-USD","sequence":140,"time":"2026-01-01T00:00:02.000000Z"}',
      '{"type":"match","trade_id":500,"side":"sell","size":"1","price":"4288.14","product_id":"ETH-USD","sequence":9,"time":"2026-01-01T00:00:02.000000Z"}',
    ];
    frames.forEach((f, i) => s.learn(ev(f, 1_767_225_600_000_000_000n + BigInt(i) * 1_000_000_000n)));
    s.finish();
    expect(s.passMs).toBe(4_000);
    const p2 = frames.map((f) => s.shift(ev(f), 2).data);
    expect(p2[0]).toBe('{"type":"heartbeat","last_trade_id":4,"product_id":"BTC-USD","sequence":182,"time":"2026-01-01T00:00:08.100000Z"}');
    expect(p2[2]).toBe('{"type":"match","trade_id":6,"side":"buy","size":"0.1","price":"116827.80","product_id":"BTC-USD","sequence":222,"time":"2026-01-01T00:00:10.000000Z"}');
    expect(p2[3]).toBe('{"type":"match","trade_id":502,"side":"sell","size":"1","price":"4288.14","product_id":"ETH-USD","sequence":11,"time":"2026-01-01T00:00:10.000000Z"}');
    expect(s.shift(ev(frames[1]!), 0).data).toBe(frames[1]);
  });

  it("binance: trade ids, update ids (stream and REST snapshot) per symbol, and ms times", () => {
    const s = new BinancePassShifter();
    const depth = '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1767225600105,"s":"BTCUSDT","U":40,"u":49,"b":[["1.00","0.00"]],"a":[]}}';
    const ticker = '{"stream":"btcusdt@bookTicker","data":{"u":49,"s":"BTCUSDT","b":"1.01","B":"2","a":"1.02","A":"3"}}';
    const trade = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1767225600519,"s":"BTCUSDT","t":1,"p":"1.01","q":"0.5","T":1767225600519,"m":true,"M":true}}';
    const snapshot: CaptureEvent = { t: 1_767_225_600_000_000_000n, kind: "rest", url: "https://x/api/v3/depth?symbol=BTCUSDT&limit=1000", data: '{"lastUpdateId":38,"bids":[],"asks":[]}' };
    for (const e of [snapshot, ev(depth), ev(ticker), ev(trade), ev(trade.replace('"t":1', '"t":3'), 1_767_225_601_000_000_000n)]) s.learn(e);
    s.finish();
    expect(s.passMs).toBe(1_250);
    expect(s.shift(ev(depth), 1).data).toBe(depth.replace('"E":1767225600105', '"E":1767225601355').replace('"U":40,"u":49', '"U":52,"u":61'));
    expect(s.shift(ev(ticker), 1).data).toBe(ticker.replace('"u":49', '"u":61'));
    expect(s.shift(ev(trade), 1).data).toBe(trade.replaceAll("1767225600519", "1767225601769").replace('"t":1', '"t":4'));
    expect(s.shift(snapshot, 1).data).toBe('{"lastUpdateId":50,"bids":[],"asks":[]}');
  });

  it("kraken: trade ids per symbol, connection id and times; book numbers (the checksum's text) untouched", () => {
    const s = new KrakenPassShifter();
    const trade = '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":105944.2,"qty":0.02905596,"ord_type":"market","trade_id":1,"timestamp":"2026-01-01T00:00:00.100000Z"},{"symbol":"ETH/USD","side":"buy","price":4000.0,"qty":1.0,"ord_type":"market","trade_id":10,"timestamp":"2026-01-01T00:00:00.100000Z"}]}';
    const book = '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":105944.0,"qty":0.10000000}],"asks":[],"checksum":123,"timestamp":"2026-01-01T00:00:00.200000Z"}]}';
    const status = '{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2","connection_id":1001}]}';
    for (const f of [status, trade, book, trade.replace('"trade_id":1,', '"trade_id":2,').replace('"trade_id":10,', '"trade_id":12,')]) s.learn(ev(f));
    s.finish();
    const shifted = s.shift(ev(trade), 1).data!;
    expect(shifted).toContain('"price":105944.2,"qty":0.02905596,"ord_type":"market","trade_id":3,"timestamp":"2026-01-01T00:00:00.101000Z"');
    expect(shifted).toContain('"price":4000.0,"qty":1.0,"ord_type":"market","trade_id":13,');
    expect(s.shift(ev(book), 1).data).toBe(book.replace("00:00:00.200000Z", "00:00:00.201000Z"));
    expect(s.shift(ev(status), 3).data).toContain('"connection_id":1004');
  });

  it("evm: blocks, hashes, subscription and request ids move on; the pass's backfill is answered as the node would", () => {
    const s = new EvmPassShifter();
    const t0 = 1_795_503_857_000_000_000n;
    const events: CaptureEvent[] = [
      { t: t0, kind: "connect", url: "ws://n/" },
      ev('{"jsonrpc":"2.0","id":1,"result":"0x80db0ec4fdad15f61bb0fdbe5570e36d"}', t0),
      ev('{"jsonrpc":"2.0","id":"1:tip:1","result":"0x6fc23ac00"}', t0),
      ev('{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x80db0ec4fdad15f61bb0fdbe5570e36d","result":{"address":"0xaa","topics":["0x1c"],"data":"0x","blockNumber":"0xa","transactionHash":"0x01","transactionIndex":"0x0","blockHash":"0xb1","logIndex":"0x0","removed":false}}}', t0 + 100_000_000n),
      ev('{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9724","result":{"parentHash":"0xb0","number":"0xa","hash":"0xb1","timestamp":"0x64"}}}', t0 + 100_000_000n),
      ev('{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9724","result":{"parentHash":"0xb1","number":"0xb","hash":"0xb2","timestamp":"0x66"}}}', t0 + 200_000_000n),
    ];
    for (const e of events) s.learn(e);
    s.finish();
    // Blocks 10–11 → 2 per pass; 2 s a block → 4 s a pass; the simulated chain clock (100 s after 1970) is moved to the capture's.
    expect(s.passMs).toBe(4_000);
    for (const e of events) s.shift(e, 0);
    const head = JSON.parse(s.shift(events[4]!, 1).data!).params.result;
    expect(head.number).toBe("0xc");
    expect(head.parentHash).toBe(maskHexId("0xb2", 0)); // the previous pass's last block
    expect(head.hash).toBe(maskHexId("0xb1", 1));
    const log = JSON.parse(s.shift(events[3]!, 1).data!);
    expect(log.params.subscription).toBe(maskHexId("0x80db0ec4fdad15f61bb0fdbe5570e36d", 1));
    expect(log.params.result.logIndex).toBe("0x0");
    expect(log.params.result.transactionHash).toBe(maskHexId("0x01", 1));
    expect(JSON.parse(s.shift(events[1]!, 1).data!)).toEqual({ jsonrpc: "2.0", id: 2, result: maskHexId("0x80db0ec4fdad15f61bb0fdbe5570e36d", 1) });
    expect(JSON.parse(s.shift(events[2]!, 1).data!).id).toBe("2:tip:2");
    // The capture answers its own requests; the reconnect's backfill in pass 1 it never saw is answered from what was served.
    expect(s.answer('{"jsonrpc":"2.0","id":"2:tip:2","method":"eth_maxPriorityFeePerGas","params":[]}', 1)).toEqual([]);
    expect(s.answer('{"jsonrpc":"2.0","id":"2:bn","method":"eth_blockNumber","params":[]}', 1)).toEqual(['{"jsonrpc":"2.0","id":"2:bn","result":"0xc"}']);
    const logs = JSON.parse(s.answer('{"jsonrpc":"2.0","id":"2:logs:10:12","method":"eth_getLogs","params":[{"fromBlock":"0xa","toBlock":"0xc"}]}', 1)[0]!);
    expect(logs.result.map((l: { blockNumber: string }) => l.blockNumber)).toEqual(["0xa", "0xc"]);
  });
});

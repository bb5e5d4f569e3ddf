import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  CaptureError, CaptureWriter, formatCaptureLine, openTextOut, parseCaptureLine, parseCaptureText, readCaptureFile,
  type CaptureEvent,
} from "../../../adapters/common/capture.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-capture-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frame-like text full of what JSON must escape. */
const frameText = fc.array(fc.constantFrom('"', "\\", "\n", "\r", "\t", "a", "0", ".", "é", "€", "😀", "\u0000", "\u2028", "{", "}", "\ud800"), { maxLength: 60 })
  .map((parts) => parts.join(""));

describe("capture files", () => {
  it("round-trips any frame text exactly (quotes, unicode, newlines)", () => {
    fc.assert(fc.property(frameText, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (data, t) => {
      const ev: CaptureEvent = { t, kind: "recv", url: "wss://x/v2", data };
      const line = formatCaptureLine(ev);
      expect(line.endsWith("\n")).toBe(true);
      expect(line.slice(0, -1).includes("\n")).toBe(false);
      expect(parseCaptureLine(line, 1)).toEqual(ev);
    }), { numRuns: 500 });
  });

  it("writes and reads a file, PROTOCOL §8 shape", async () => {
    const path = join(dir, "a.jsonl");
    const w = new CaptureWriter(await openTextOut(path));
    w.connect("wss://ws.kraken.com/v2", 1n);
    w.sent("wss://ws.kraken.com/v2", '{"method":"subscribe"}', 2n);
    w.recv("wss://ws.kraken.com/v2", '{"price":0.036}', 3n);
    w.rest("https://api.binance.com/api/v3/depth?symbol=BTCUSDT", '{"lastUpdateId":1}', 4n);
    await w.close();
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")[0]).toBe('{"t":"1","kind":"connect","url":"wss://ws.kraken.com/v2"}');
    expect(JSON.parse(text.split("\n")[2]!)).toEqual({ t: "3", kind: "recv", url: "wss://ws.kraken.com/v2", data: '{"price":0.036}' });
    const back: CaptureEvent[] = [];
    for await (const ev of readCaptureFile(path)) back.push(ev);
    expect(back.map((e) => e.kind)).toEqual(["connect", "sent", "recv", "rest"]);
    expect(back[2]!.data).toBe('{"price":0.036}');
  });

  it("names the line of a bad event, and skips a cut-short final line only when told", async () => {
    expect(() => parseCaptureText('{"t":"1","kind":"connect","url":"u"}\n{"t":1,"kind":"recv","url":"u","data":"x"}')).toThrow(/line 2/);
    expect(() => parseCaptureLine('{"t":"1","kind":"recv","url":"u"}', 7)).toThrow(CaptureError);
    expect(() => parseCaptureLine('{"t":"1","kind":"poke","url":"u"}', 7)).toThrow(/kind/);
    const path = join(dir, "cut.jsonl");
    writeFileSync(path, '{"t":"1","kind":"connect","url":"u"}\n{"t":"2","kind":"recv","url":"u","da');
    const notes: number[] = [];
    const got: CaptureEvent[] = [];
    for await (const ev of readCaptureFile(path, { onTruncatedTail: (line) => notes.push(line) })) got.push(ev);
    expect(got.length).toBe(1);
    expect(notes).toEqual([2]);
    await expect((async () => {
      for await (const _ of readCaptureFile(path)) void _;
    })()).rejects.toThrow(/line 2/);
  });
});

/**
 * cli/io.ts in process: line splitting across arbitrary chunk edges, input errors, and the stdout
 * writer's batching, back-pressure and broken-pipe handling against a stream that pushes back.
 */

import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CommandError } from "../../cli/command.ts";
import { StdoutWriter, openInput, parseInputArgs, readLines, type WritableOut } from "../../cli/io.ts";
import { concat, equals } from "../../protocol/mod.ts";

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(at, c);
    at = c;
  }
  yield bytes.subarray(at);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("readLines", () => {
  it("yields the same numbered lines wherever the chunks are cut (multi-byte UTF-8, CRLF, blank lines, no final newline)", async () => {
    const text = 'first\r\n\n{"token":"s3cret ✓ 🚀"}\nlast without newline';
    const bytes = new TextEncoder().encode(text);
    const expected = [
      { line: 1, text: "first" },
      { line: 2, text: "" },
      { line: 3, text: '{"token":"s3cret ✓ 🚀"}' },
      { line: 4, text: "last without newline" },
    ];
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }), async (cuts) => {
        expect(await collect(readLines(chunksOf(bytes, cuts)))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects invalid UTF-8 and over-long lines with the line number", async () => {
    const bad = new Uint8Array([0x61, 0x0a, 0xff, 0x0a]);
    await expect(collect(readLines(chunksOf(bad, [])))).rejects.toThrow("line 2: input is not valid UTF-8");
    const long = new TextEncoder().encode("ok\n" + "x".repeat(100));
    await expect(collect(readLines(chunksOf(long, [50]), 64))).rejects.toThrow("line 2: longer than 64 bytes");
  });
});

describe("openInput / parseInputArgs", () => {
  it("streams a file in chunks and names a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ap-io-"));
    try {
      const data = new Uint8Array(200_000).map((_, i) => i & 0xff);
      writeFileSync(join(dir, "x.bin"), data);
      const chunks = await collect(openInput(join(dir, "x.bin")));
      expect(chunks.length).toBeGreaterThan(1);
      expect(equals(concat(chunks), data)).toBe(true);
      const missing = join(dir, "missing.bin");
      await expect(collect(openInput(missing))).rejects.toThrow(`cannot read ${missing}: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses [FILE|-] and flags; unknown options and extra inputs are usage errors (exit 2)", () => {
    expect(parseInputArgs(["-", "--json"], ["json", "no-checksum"])).toEqual({ path: "-", flags: { json: true, "no-checksum": false } });
    expect(parseInputArgs([], ["force"])).toEqual({ path: undefined, flags: { force: false } });
    for (const args of [["--bogus"], ["a.bin", "b.bin"]]) {
      try {
        parseInputArgs(args, ["json"]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CommandError);
        expect((e as CommandError).exitCode).toBe(2);
      }
    }
  });
});

/** A stdout stand-in that accepts `capacity` writes, then pushes back until it emits `drain`. */
class SlowStream extends EventEmitter implements WritableOut {
  readonly written: (Uint8Array | string)[] = [];
  private inFlight = 0;
  private readonly capacity: number;
  constructor(capacity: number) {
    super();
    this.capacity = capacity;
  }
  write(data: Uint8Array | string): boolean {
    this.written.push(typeof data === "string" ? data : data.slice());
    this.inFlight++;
    if (this.inFlight < this.capacity) return true;
    setTimeout(() => {
      this.inFlight = 0;
      this.emit("drain");
    }, 1);
    return false;
  }
}

describe("StdoutWriter", () => {
  it("batches, waits for drain under back-pressure, and never hands the stream a buffer it later overwrites", async () => {
    const stream = new SlowStream(2);
    const w = new StdoutWriter(stream, 100);
    const sent: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const msg = new Uint8Array(7).fill(i & 0xff);
      w.bytesOf(msg);
      msg.fill(0); // the writer copied it
      sent.push(...new Uint8Array(7).fill(i & 0xff));
      await w.drain();
    }
    await w.flush();
    expect(equals(concat(stream.written as Uint8Array[]), new Uint8Array(sent))).toBe(true);
    expect(stream.written.length).toBeGreaterThan(10); // batched, not one write per message
    expect(stream.written.length).toBeLessThan(1_000);
  });

  it("stops writing after EPIPE and reports closed; other stream errors become a CommandError", async () => {
    const stream = new SlowStream(1_000);
    const w = new StdoutWriter(stream, 10);
    w.text("hello\n");
    await w.flush();
    stream.emit("error", Object.assign(new Error("broken pipe"), { code: "EPIPE" }));
    expect(w.closed).toBe(true);
    w.text("dropped\n");
    await w.flush();
    expect(stream.written).toEqual(["hello\n"]);

    const failing = new SlowStream(1_000);
    const w2 = new StdoutWriter(failing, 10);
    failing.emit("error", Object.assign(new Error("no space left"), { code: "ENOSPC" }));
    w2.text("x");
    await expect(w2.flush()).rejects.toThrow("cannot write to stdout: ENOSPC: no space left");
  });
});

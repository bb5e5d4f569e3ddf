/**
 * Capture files (PROTOCOL §8): a venue session's raw frames and REST bodies as JSON Lines,
 * `{"t":"<ns>","kind":"connect"|"recv"|"sent"|"rest","url":"…","data":"<raw text>"}` (`data` absent for
 * `connect`). The frame text is stored verbatim inside a JSON string, so reading a line back gives the
 * venue's exact bytes — replays parse precisely what the live session parsed.
 *
 * @example
 * ```ts
 * const w = new CaptureWriter(await openTextOut("session.jsonl"));
 * w.connect("wss://ws-feed.exchange.coinbase.com");
 * w.recv("wss://ws-feed.exchange.coinbase.com", frameText);
 * await w.close();
 * for await (const ev of readCaptureFile("session.jsonl")) console.log(ev.kind, ev.t);
 * ```
 * @module
 */

import { createReadStream, createWriteStream } from "node:fs";
import process from "node:process";
import { nowNanos } from "../../protocol/mod.ts";

/** Kinds of capture event. */
export type CaptureKind = "connect" | "recv" | "sent" | "rest";

/** One capture line. */
export interface CaptureEvent {
  /** Nanoseconds since the epoch when it happened. */
  t: bigint;
  /** What happened. */
  kind: CaptureKind;
  /** The WebSocket URL (connect/recv/sent) or REST URL (rest). */
  url: string;
  /** Raw frame text or REST body; absent for `connect`. */
  data?: string;
}

/** A capture line that cannot be read: which line and why. */
export class CaptureError extends Error {
  /** 1-based line number. */
  readonly line: number;

  /** @param line 1-based line number @param message why */
  constructor(line: number, message: string) {
    super(`capture line ${line}: ${message}`);
    this.name = "CaptureError";
    this.line = line;
  }
}

/** Where capture text goes. */
export interface TextOut {
  /** Appends text. */
  write(text: string): void;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** Opens a file (or `-` for stdout) for writing text; the file is created or truncated. */
export async function openTextOut(path: string): Promise<TextOut> {
  if (path === "-") {
    return {
      write: (t) => void process.stdout.write(t),
      close: () => new Promise((r) => process.stdout.write("", () => r())),
    };
  }
  const stream = createWriteStream(path, { flags: "w" });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  return {
    write: (t) => void stream.write(t),
    close: () => new Promise<void>((resolve, reject) => {
      stream.once("error", reject);
      stream.end(() => resolve());
    }),
  };
}

const KINDS = new Set<string>(["connect", "recv", "sent", "rest"]);

/** Formats one capture line (with the trailing newline). */
export function formatCaptureLine(ev: CaptureEvent): string {
  const head = `{"t":"${ev.t}","kind":"${ev.kind}","url":${JSON.stringify(ev.url)}`;
  return ev.data === undefined ? `${head}}\n` : `${head},"data":${JSON.stringify(ev.data)}}\n`;
}

/** Parses one capture line; throws {@link CaptureError} naming `lineNo`. */
export function parseCaptureLine(line: string, lineNo: number): CaptureEvent {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new CaptureError(lineNo, `not JSON (${(e as Error).message})`);
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new CaptureError(lineNo, "not a JSON object");
  const r = o as Record<string, unknown>;
  if (typeof r.t !== "string" || !/^\d{1,20}$/.test(r.t)) throw new CaptureError(lineNo, `"t" must be nanoseconds as a decimal string`);
  if (typeof r.kind !== "string" || !KINDS.has(r.kind)) throw new CaptureError(lineNo, `"kind" must be connect, recv, sent or rest`);
  if (typeof r.url !== "string") throw new CaptureError(lineNo, `"url" must be a string`);
  const kind = r.kind as CaptureKind;
  if (kind !== "connect" && typeof r.data !== "string") throw new CaptureError(lineNo, `"data" must be a string for ${kind}`);
  const ev: CaptureEvent = { t: BigInt(r.t), kind, url: r.url };
  if (typeof r.data === "string") ev.data = r.data;
  return ev;
}

/** Writes capture lines; times default to now. */
export class CaptureWriter {
  private readonly out: TextOut;
  /** Lines written. */
  lines = 0;

  /** @param out destination */
  constructor(out: TextOut) {
    this.out = out;
  }

  /** Writes one event. */
  write(ev: CaptureEvent): void {
    this.out.write(formatCaptureLine(ev));
    this.lines++;
  }

  /** A connection to `url` opened. */
  connect(url: string, t: bigint = nowNanos()): void {
    this.write({ t, kind: "connect", url });
  }

  /** A frame arrived on `url`. */
  recv(url: string, data: string, t: bigint = nowNanos()): void {
    this.write({ t, kind: "recv", url, data });
  }

  /** A frame was sent on `url`. */
  sent(url: string, data: string, t: bigint = nowNanos()): void {
    this.write({ t, kind: "sent", url, data });
  }

  /** The body of a REST GET of `url` arrived. */
  rest(url: string, data: string, t: bigint = nowNanos()): void {
    this.write({ t, kind: "rest", url, data });
  }

  /** Flushes and closes the destination. */
  close(): Promise<void> {
    return this.out.close();
  }
}

/** What a capture reader reports besides events. */
export interface CaptureReadOptions {
  /** Told about a final line without a newline that is not valid (a capture cut mid-write); it is skipped. */
  onTruncatedTail?: (lineNo: number, error: CaptureError) => void;
}

/** Reads capture events from text chunks (a stream of a JSON Lines file). Blank lines are skipped. */
export async function* readCaptureEvents(
  chunks: AsyncIterable<Uint8Array | string>, options: CaptureReadOptions = {},
): AsyncGenerator<CaptureEvent> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  let lineNo = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new CaptureError(lineNo + 1, "not valid UTF-8");
    }
    rest += text;
    let nl = rest.indexOf("\n");
    let from = 0;
    while (nl >= 0) {
      lineNo++;
      const line = rest.slice(from, nl).trim();
      if (line.length > 0) yield parseCaptureLine(line, lineNo);
      from = nl + 1;
      nl = rest.indexOf("\n", from);
    }
    rest = rest.slice(from);
  }
  const tail = rest.trim();
  if (tail.length > 0) {
    lineNo++;
    try {
      yield parseCaptureLine(tail, lineNo);
    } catch (e) {
      if (!(e instanceof CaptureError) || !options.onTruncatedTail) throw e;
      options.onTruncatedTail(lineNo, e);
    }
  }
}

/** Reads a capture file, or stdin for `-`. */
export function readCaptureFile(path: string, options: CaptureReadOptions = {}): AsyncGenerator<CaptureEvent> {
  const source = path === "-" ? (process.stdin as AsyncIterable<Uint8Array>) : createReadStream(path, { highWaterMark: 1 << 20 });
  return readCaptureEvents(source as AsyncIterable<Uint8Array>, options);
}

/** Reads a whole capture text (tests, small files). */
export function parseCaptureText(text: string): CaptureEvent[] {
  const out: CaptureEvent[] = [];
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.trim();
    if (line.length > 0) out.push(parseCaptureLine(line, lineNo));
  }
  return out;
}

/**
 * cryptofeed's recorded sessions (`sample_data/`) as capture events (PROTOCOL §8), read line by line:
 * `<ts>: <frame>` a received frame, `URL <-> ts` a connect, `URL <- ts: frame` a sent frame,
 * `URL -> ts: body` a REST response (ts in seconds since the epoch, with a fraction); a
 * `configuration: {…}` line (the `<EX>.0` files) is the recorder's settings and is passed over. Several
 * files of one venue are merged by time (ties: the order the files were given). The events then go
 * through the venue adapter's own replay (see through-adapter.ts): no second parser of venue frames.
 *
 * @example
 * ```ts
 * const venue = cryptofeedVenue("sample_data/BINANCE.ws.1.0"); // "binance"
 * for await (const x of mergeCryptofeed(["BINANCE.0", "BINANCE.ws.1.0"], report)) …
 * ```
 * @module
 */

import { basename } from "node:path";
import type { CaptureEvent } from "../common/capture.ts";
import { readFileLines } from "./lines.ts";
import type { ImportReport } from "./report.ts";
import type { TaggedEvent } from "./through-adapter.ts";

const CONNECT = /^(\S+) <-> (\d+(?:\.\d+)?)$/;
const SENT = /^(\S+) <- (\d+(?:\.\d+)?): (.*)$/;
const REST = /^(\S+) -> (\d+(?:\.\d+)?): (.*)$/;
const RECV = /^(\d+(?:\.\d+)?): (.*)$/;

/** Seconds text ("1633998512.0633569") → ns, exactly (digits past the ninth are cut). */
export function secondsToNanos(text: string): bigint {
  const dot = text.indexOf(".");
  const s = dot < 0 ? text : text.slice(0, dot);
  const f = dot < 0 ? "" : text.slice(dot + 1);
  return BigInt(s) * 1_000_000_000n + BigInt((f + "000000000").slice(0, 9));
}

/** The adapter venue of a cryptofeed file, from its name (`BINANCE.ws.1.0` → binance), or undefined. */
export function cryptofeedVenue(path: string): string | undefined {
  const m = /^(BINANCE_US|BINANCE|COINBASE|KRAKEN)\./.exec(basename(path));
  if (!m) return undefined;
  return m[1] === "BINANCE_US" ? "binance" : m[1]!.toLowerCase();
}

/** Reads one cryptofeed file as tagged events; lines of no known form are bad rows of `report`. */
export async function* readCryptofeedEvents(path: string, report: ImportReport): AsyncGenerator<TaggedEvent> {
  let url = "";
  const f = report.file(path);
  f.format = "cryptofeed";
  for await (const { line, text } of readFileLines(path)) {
    if (text.length === 0 || text.startsWith("configuration: ")) continue;
    let ev: CaptureEvent;
    let m = RECV.exec(text);
    if (m) ev = { t: secondsToNanos(m[1]!), kind: "recv", url, data: m[2]! };
    else if ((m = CONNECT.exec(text))) {
      url = m[1]!;
      ev = { t: secondsToNanos(m[2]!), kind: "connect", url };
    } else if ((m = SENT.exec(text))) ev = { t: secondsToNanos(m[2]!), kind: "sent", url: m[1]!, data: m[3]! };
    else if ((m = REST.exec(text))) ev = { t: secondsToNanos(m[2]!), kind: "rest", url: m[1]!, data: m[3]! };
    else {
      f.rows++;
      f.bad(line, `not a cryptofeed line (<ts>: frame, URL <-> ts, URL <- ts: frame, URL -> ts: body): ${JSON.stringify(text.slice(0, 80))}`);
      continue;
    }
    yield { event: ev, file: path, line };
  }
}

/** Merges several cryptofeed files by time, streaming (one pending event per file). */
export async function* mergeCryptofeed(paths: readonly string[], report: ImportReport): AsyncGenerator<TaggedEvent> {
  const its = paths.map((p) => readCryptofeedEvents(p, report));
  const heads: (TaggedEvent | undefined)[] = [];
  for (const it of its) heads.push((await it.next()).value ?? undefined);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || h.event.t < heads[best]!.event.t)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    const n = await its[best]!.next();
    heads[best] = n.done ? undefined : n.value;
  }
}

/**
 * Coinbase Exchange `match` messages saved as JSON (an array, or one object a line) → capture events
 * for the Coinbase adapter, whose own parser turns each into a Trade with the taker's side (Coinbase's
 * `side` is the maker's), checks `trade_id` continuity per product and reads prices exactly. Each
 * event's time is the match's own `time`, so the header timestamp of its message is the venue's event
 * time. An object without a readable `time` is a bad row.
 *
 * @example
 * ```ts
 * await replayTagged(coinbaseAdapter, coinbaseMatchEvents(["matches.json"], report), report, out, probe);
 * ```
 * @module
 */

import { VenueTime } from "../common/venue-time.ts";
import { readJsonObjects } from "./json-objects.ts";
import type { ImportReport } from "./report.ts";
import type { TaggedEvent } from "./through-adapter.ts";

/** The feed URL stamped on the events (the adapter's live endpoint). */
export const COINBASE_FEED_URL = "wss://ws-feed.exchange.coinbase.com";

const TIME = /"time"\s*:\s*"([^"\\]*)"/;

/** Reads match files as capture events: one connect, then one received frame per object. */
export async function* coinbaseMatchEvents(paths: readonly string[], report: ImportReport): AsyncGenerator<TaggedEvent> {
  const vt = new VenueTime();
  let connected = false;
  for (const path of paths) {
    const f = report.file(path);
    f.format = "coinbase-matches";
    for await (const item of readJsonObjects(path)) {
      if (item.kind === "junk") {
        f.rows++;
        f.bad(item.line, `not a JSON object: ${JSON.stringify(item.text)}`);
        continue;
      }
      const m = TIME.exec(item.text);
      let t: bigint;
      try {
        if (!m) throw new Error("no \"time\" field");
        t = vt.readIso(m[1]!, 0, m[1]!.length).toNanos();
      } catch (e) {
        f.rows++;
        f.bad(item.line, `match without a readable time: ${(e as Error).message}`);
        continue;
      }
      if (!connected) {
        connected = true;
        yield { event: { t, kind: "connect", url: COINBASE_FEED_URL }, file: path, line: item.line, synthetic: true };
      }
      yield { event: { t, kind: "recv", url: COINBASE_FEED_URL, data: item.text }, file: path, line: item.line };
    }
  }
}

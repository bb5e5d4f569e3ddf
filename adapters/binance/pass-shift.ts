/**
 * Binance's {@link PassShifter}: each pass of a looping replay continues the last as the exchange
 * would — per symbol, trade ids (`t`, and `f`/`l` of aggTrade) move on by the number of trade ids the
 * capture spans, aggregate ids (`a` of aggTrade) by theirs, and book update ids (depth `U`/`u`,
 * bookTicker `u`, the REST snapshot's `lastUpdateId`) by the span of update ids; event and trade times
 * (`E`, `T`, `serverTime`, ms) move with the clock. The depth-bridging rule, the trade-id gap check and
 * the bookTicker order check then accept every pass.
 *
 * @module
 */

import type { CaptureEvent } from "../common/capture.ts";
import { fieldOf, intValue, stringValue, type JsonObjectSpans, type TextEdit } from "../common/json-spans.ts";
import { editInt, IdSpans, JsonPassShifter } from "../common/pass-shift.ts";

/** The symbol of an event object (`s`), or of a REST depth snapshot (its URL's `symbol`). */
function symbolOf(text: string, obj: JsonObjectSpans, ev: CaptureEvent): string | undefined {
  const s = stringValue(text, fieldOf(obj, "s"));
  if (s !== undefined) return s;
  if (ev.kind !== "rest" || obj.parent !== -1) return undefined;
  return /[?&]symbol=([A-Za-z0-9]+)/.exec(ev.url)?.[1];
}

/** Moves Binance trade ids, aggregate ids, update ids and times on from pass to pass. */
export class BinancePassShifter extends JsonPassShifter {
  private readonly trades = new IdSpans();
  private readonly aggregates = new IdSpans();
  private readonly updates = new IdSpans();

  protected learnObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], ev: CaptureEvent): void {
    const symbol = symbolOf(text, obj, ev);
    if (symbol === undefined) return;
    const e = stringValue(text, fieldOf(obj, "e"));
    const note = (spans: IdSpans, key: string): void => {
      const v = intValue(text, fieldOf(obj, key));
      if (v !== undefined) spans.of(symbol).note(v);
    };
    if (e === "trade") note(this.trades, "t");
    else if (e === "aggTrade") {
      note(this.aggregates, "a");
      note(this.trades, "f");
      note(this.trades, "l");
    } else if (e === "depthUpdate") {
      note(this.updates, "U");
      note(this.updates, "u");
    } else if (e === undefined) {
      note(this.updates, "u"); // bookTicker
      note(this.updates, "lastUpdateId"); // REST depth snapshot
    }
  }

  protected shiftObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], ev: CaptureEvent, pass: number, edits: TextEdit[]): void {
    const ms = pass * this.passMs;
    editInt(text, fieldOf(obj, "E"), ms, edits);
    editInt(text, fieldOf(obj, "T"), ms, edits);
    if (obj.parent === -1) editInt(text, fieldOf(obj, "serverTime"), ms, edits);
    const symbol = symbolOf(text, obj, ev);
    if (symbol === undefined) return;
    const e = stringValue(text, fieldOf(obj, "e"));
    const trades = pass * this.trades.size(symbol);
    const updates = pass * this.updates.size(symbol);
    if (e === "trade") editInt(text, fieldOf(obj, "t"), trades, edits);
    else if (e === "aggTrade") {
      editInt(text, fieldOf(obj, "a"), pass * this.aggregates.size(symbol), edits);
      editInt(text, fieldOf(obj, "f"), trades, edits);
      editInt(text, fieldOf(obj, "l"), trades, edits);
    } else if (e === "depthUpdate") {
      editInt(text, fieldOf(obj, "U"), updates, edits);
      editInt(text, fieldOf(obj, "u"), updates, edits);
    } else if (e === undefined) {
      editInt(text, fieldOf(obj, "u"), updates, edits);
      editInt(text, fieldOf(obj, "lastUpdateId"), updates, edits);
    }
  }
}

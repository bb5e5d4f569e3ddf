/**
 * Coinbase's {@link PassShifter}: each pass of a looping replay continues the last as the feed would —
 * per product, `trade_id` (and every heartbeat's and ticker's reference to it) moves on by the number
 * of trade ids the capture spans, and `sequence` by its span; `time` moves with the clock. The adapter's
 * trade-id continuity and sequence-order checks then accept every pass.
 *
 * @module
 */

import type { CaptureEvent } from "../common/capture.ts";
import { fieldOf, intValue, stringValue, type JsonObjectSpans, type TextEdit } from "../common/json-spans.ts";
import { editInt, editIsoTime, IdSpans, JsonPassShifter } from "../common/pass-shift.ts";

/** Moves Coinbase trade ids, sequences and times on from pass to pass. */
export class CoinbasePassShifter extends JsonPassShifter {
  private readonly trades = new IdSpans();
  private readonly sequences = new IdSpans();

  protected learnObject(text: string, obj: JsonObjectSpans): void {
    const product = stringValue(text, fieldOf(obj, "product_id"));
    if (product === undefined) return;
    const type = stringValue(text, fieldOf(obj, "type"));
    const id = intValue(text, fieldOf(obj, "trade_id"));
    if (id !== undefined) {
      if (type === "match" || type === "last_match") this.trades.of(product).note(id);
      else this.trades.of(product).noteLast(id);
    }
    const last = intValue(text, fieldOf(obj, "last_trade_id"));
    if (last !== undefined) this.trades.of(product).noteLast(last);
    const seq = intValue(text, fieldOf(obj, "sequence"));
    if (seq !== undefined) this.sequences.of(product).note(seq);
  }

  protected shiftObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], _ev: CaptureEvent, pass: number, edits: TextEdit[]): void {
    editIsoTime(text, fieldOf(obj, "time"), pass * this.passMs, edits);
    const product = stringValue(text, fieldOf(obj, "product_id"));
    if (product === undefined) return;
    const trades = pass * this.trades.size(product);
    editInt(text, fieldOf(obj, "trade_id"), trades, edits);
    editInt(text, fieldOf(obj, "last_trade_id"), trades, edits);
    editInt(text, fieldOf(obj, "sequence"), pass * this.sequences.size(product), edits);
  }
}

/**
 * Kraken's {@link PassShifter}: each pass of a looping replay continues the last as the feed would —
 * per symbol, `trade_id` moves on by the number of trade ids the capture spans; the status frame's
 * `connection_id` moves on; every `timestamp`, `time_in` and `time_out` moves with the clock. Book
 * prices and quantities are untouched, so the CRC-32 checksums of the book frames stay valid.
 *
 * @module
 */

import type { CaptureEvent } from "../common/capture.ts";
import { fieldOf, intValue, stringValue, type JsonObjectSpans, type TextEdit } from "../common/json-spans.ts";
import { editInt, editIsoTime, IdSpan, IdSpans, JsonPassShifter } from "../common/pass-shift.ts";

const TIME_FIELDS = ["timestamp", "time_in", "time_out"] as const;

/** Moves Kraken trade ids, connection ids and times on from pass to pass. */
export class KrakenPassShifter extends JsonPassShifter {
  private readonly trades = new IdSpans();
  private readonly connections = new IdSpan();

  protected learnObject(text: string, obj: JsonObjectSpans): void {
    const connection = intValue(text, fieldOf(obj, "connection_id"));
    if (connection !== undefined) this.connections.note(connection);
    const symbol = stringValue(text, fieldOf(obj, "symbol"));
    const id = intValue(text, fieldOf(obj, "trade_id"));
    if (symbol !== undefined && id !== undefined) this.trades.of(symbol).note(id);
  }

  protected shiftObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], _ev: CaptureEvent, pass: number, edits: TextEdit[]): void {
    for (const name of TIME_FIELDS) editIsoTime(text, fieldOf(obj, name), pass * this.passMs, edits);
    editInt(text, fieldOf(obj, "connection_id"), pass * this.connections.size, edits);
    const symbol = stringValue(text, fieldOf(obj, "symbol"));
    if (symbol !== undefined) editInt(text, fieldOf(obj, "trade_id"), pass * this.trades.size(symbol), edits);
  }
}

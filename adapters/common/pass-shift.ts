/**
 * Pass shifters: a looping replay (the embedded demo) plays one capture over and over through the same
 * adapter, and a venue never repeats itself — its trade ids, sequences, book update ids, block numbers,
 * hashes and subscription ids move on. A venue's {@link PassShifter} reads the capture once ("pass 0",
 * as recorded), learns the span of every counter (max − min + 1, per symbol where the venue numbers per
 * symbol) and then rewrites the raw frames of pass N so that each value is moved on by N spans: pass N
 * continues pass N − 1 exactly as the venue would have, and the adapter's own gap, order and
 * subscription checks accept every pass. Capture times and the times inside frames move on by one
 * offset per pass, in whole milliseconds: the capture's span plus one mean gap between its events (the
 * looping replay waits that long between pass starts, so at speed 1 the venue clock keeps pace with
 * the wall clock).
 *
 * Only the fields that change are rewritten, in place (`json-spans.ts`); every other byte stays as the
 * venue wrote it. A shifter may also answer requests the adapter makes in pass N that the capture never
 * answered ({@link PassShifter.answer}): an EVM node's backfill after the pass's reconnect.
 *
 * @example
 * ```ts
 * const shifter = venue.passShifter!();
 * for await (const ev of readCaptureFile(file)) shifter.learn(ev);
 * shifter.finish();
 * for await (const ev of readCaptureFile(file)) adapterInput(shifter.shift(ev, 2)); // the third pass
 * ```
 * @module
 */

import type { CaptureEvent } from "./capture.ts";
import { applyEdits, intValue, scanJsonObjects, stringValue, type JsonField, type JsonObjectSpans, type TextEdit } from "./json-spans.ts";

/** Rewrites the passes of a looping replay so that each continues the last. */
export interface PassShifter {
  /** Reads one event of the capture as recorded (every event, in order, before {@link finish}). */
  learn(ev: CaptureEvent): void;
  /** Ends learning: the offsets per pass are fixed. */
  finish(): void;
  /** The event as it appears in pass `pass` (0: as recorded, returned unchanged). */
  shift(ev: CaptureEvent, pass: number): CaptureEvent;
  /**
   * The adapter sent `text` during pass `pass`: frames the venue answers with that the capture does not
   * hold (usually none). They are delivered right after the event being handled.
   */
  answer?(text: string, pass: number): string[];
  /** Milliseconds every pass moves the clock on by (after {@link finish}); a pass starts that long after the last. */
  readonly passMs: number;
}

/** The span of one counter as seen in pass 0. */
export class IdSpan {
  /** Lowest id seen (or the one after a "last id" reference). */
  lo = Number.POSITIVE_INFINITY;
  /** Highest id seen. */
  hi = Number.NEGATIVE_INFINITY;

  /** An id the venue assigned. */
  note(id: number): void {
    if (id < this.lo) this.lo = id;
    if (id > this.hi) this.hi = id;
  }

  /** A "last id so far" reference (a heartbeat's `last_trade_id`): the next id is `id + 1`. */
  noteLast(id: number): void {
    if (id + 1 < this.lo) this.lo = id + 1;
    if (id > this.hi) this.hi = id;
  }

  /** How far each pass moves this counter on: max − min + 1, or 0 when nothing was seen. */
  get size(): number {
    return this.hi >= this.lo ? this.hi - this.lo + 1 : 0;
  }
}

/** {@link IdSpan}s by key (a symbol, a product). */
export class IdSpans {
  private readonly spans = new Map<string, IdSpan>();

  /** The span of `key` (created empty). */
  of(key: string): IdSpan {
    let s = this.spans.get(key);
    if (s === undefined) this.spans.set(key, (s = new IdSpan()));
    return s;
  }

  /** The per-pass offset of `key` (0 when never seen). */
  size(key: string): number {
    return this.spans.get(key)?.size ?? 0;
  }
}

/**
 * Learns the capture's clock: first and last event time and the event count, giving the milliseconds
 * one pass moves the clock on by (span plus one mean gap, rounded up; at least 1).
 */
export class PassClock {
  private first: bigint | undefined;
  private last = 0n;
  private count = 0;

  /** One event time. */
  note(t: bigint): void {
    this.first ??= t;
    if (t > this.last) this.last = t;
    this.count++;
  }

  /** Whole milliseconds per pass. */
  millis(): number {
    if (this.first === undefined || this.count < 2) return 1;
    const span = Number(this.last - this.first);
    return Math.max(1, Math.ceil((span + span / (this.count - 1)) / 1e6));
  }
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$/;

/**
 * An RFC 3339 UTC time (`…Z`) moved by whole milliseconds, with as many fraction digits as it had
 * (digits beyond the millisecond kept; a time with fewer than three is cut to what it shows);
 * `undefined` when not such a time.
 */
export function shiftIsoTime(text: string, ms: number): string | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const base = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(base)) return undefined;
  const digits = (m[2] ?? ".").slice(1);
  const shifted = new Date(base + Number((digits + "000").slice(0, 3)) + ms).toISOString(); // …SS.mmmZ
  const fraction = (shifted.slice(20, 23) + digits.slice(3)).slice(0, digits.length);
  return `${shifted.slice(0, 19)}${digits.length > 0 ? `.${fraction}` : ""}Z`;
}

/** A `0x` hex quantity (`"0x3938704"`) plus `delta`, or `undefined` when not one (or beyond 2^53). */
export function shiftHexQuantity(text: string, delta: number): string | undefined {
  if (!/^0x[0-9a-fA-F]{1,13}$/.test(text)) return undefined;
  return `0x${(parseInt(text.slice(2), 16) + delta).toString(16)}`;
}

/** 32 mask bits number `i` of pass `pass` (splitmix32 of both; pass 0 masks nothing). */
function maskWord(pass: number, i: number): number {
  if (pass === 0) return 0;
  let z = (Math.imul(pass, 0x9e3779b9) + Math.imul(i + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A `0x` hex identifier (hash, subscription id) as it is in pass `pass`: XORed with a mask of that pass,
 * so distinct ids stay distinct within a pass, each pass has its own, and pass 0 keeps the recorded
 * ones. Case is kept lower; `undefined` when `text` is not `0x` + hex digits.
 */
export function maskHexId(text: string, pass: number): string | undefined {
  if (!/^0x[0-9a-fA-F]+$/.test(text)) return undefined;
  if (pass === 0) return text;
  const hex = text.slice(2).toLowerCase();
  let out = "0x";
  for (let at = 0, i = 0; at < hex.length; at += 8, i++) {
    const chunk = hex.slice(at, at + 8);
    const bits = chunk.length * 4;
    const mask = bits === 32 ? maskWord(pass, i) : maskWord(pass, i) & ((1 << bits) - 1);
    out += ((parseInt(chunk, 16) ^ mask) >>> 0).toString(16).padStart(chunk.length, "0");
  }
  return out;
}

/**
 * The common frame of a venue's shifter: learns the clock and the JSON objects of every frame and REST
 * body, and rewrites them through the venue's {@link shiftObject}.
 */
export abstract class JsonPassShifter implements PassShifter {
  /** Milliseconds per pass, after {@link finish}. */
  passMs = 1;
  /** The capture's clock. */
  protected readonly clock = new PassClock();
  /** Pass 0 is rewritten too (a venue aligning a simulated clock); otherwise it is returned as recorded. */
  protected rewritesPassZero = false;

  /** Learns one JSON object of a frame (`kind`: capture event kind; `url`: its URL). */
  protected abstract learnObject(text: string, obj: JsonObjectSpans, objects: readonly JsonObjectSpans[], ev: CaptureEvent): void;

  /** Edits of one JSON object for pass `pass` (appended to `edits`). */
  protected abstract shiftObject(
    text: string, obj: JsonObjectSpans, objects: readonly JsonObjectSpans[], ev: CaptureEvent, pass: number, edits: TextEdit[],
  ): void;

  /** Milliseconds per pass once learning ended (venues may ask for more than the clock's). */
  protected passMsAfterLearning(): number {
    return this.clock.millis();
  }

  learn(ev: CaptureEvent): void {
    this.clock.note(ev.t);
    if (ev.data === undefined) return;
    const objects = scanJsonObjects(ev.data);
    if (objects === undefined) return;
    for (const obj of objects) this.learnObject(ev.data, obj, objects, ev);
  }

  finish(): void {
    this.passMs = this.passMsAfterLearning();
  }

  shift(ev: CaptureEvent, pass: number): CaptureEvent {
    if (pass === 0 && !this.rewritesPassZero) return ev;
    const t = ev.t + BigInt(pass * this.passMs) * 1_000_000n;
    if (ev.data === undefined) return { ...ev, t };
    return { ...ev, t, data: this.shiftText(ev, pass) };
  }

  /** The frame text of `ev` as in pass `pass` (malformed frames stay as they are). */
  protected shiftText(ev: CaptureEvent, pass: number): string {
    const text = ev.data!;
    const objects = scanJsonObjects(text);
    if (objects === undefined) return text;
    const edits: TextEdit[] = [];
    for (const obj of objects) this.shiftObject(text, obj, objects, ev, pass, edits);
    return applyEdits(text, edits);
  }
}

/** Adds the edit moving the decimal integer field `f` by `delta` (nothing when absent or not one). */
export function editInt(text: string, f: JsonField | undefined, delta: number, edits: TextEdit[]): void {
  const v = intValue(text, f);
  if (v !== undefined && delta !== 0) edits.push({ start: f!.start, end: f!.end, text: String(v + delta) });
}

/** Adds the edit moving the RFC 3339 string field `f` by `ms`. */
export function editIsoTime(text: string, f: JsonField | undefined, ms: number, edits: TextEdit[]): void {
  const v = stringValue(text, f);
  const moved = v === undefined ? undefined : shiftIsoTime(v, ms);
  if (moved !== undefined) edits.push({ start: f!.start, end: f!.end, text: `"${moved}"` });
}

/** Adds the edit moving the `0x` hex quantity string field `f` by `delta`. */
export function editHexQuantity(text: string, f: JsonField | undefined, delta: number, edits: TextEdit[]): void {
  const v = stringValue(text, f);
  const moved = v === undefined ? undefined : shiftHexQuantity(v, delta);
  if (moved !== undefined && delta !== 0) edits.push({ start: f!.start, end: f!.end, text: `"${moved}"` });
}

/** Adds the edit replacing the `0x` hex id string field `f` with its pass-`pass` form ({@link maskHexId}). */
export function editHexId(text: string, f: JsonField | undefined, pass: number, edits: TextEdit[]): void {
  const v = stringValue(text, f);
  const masked = v === undefined ? undefined : maskHexId(v, pass);
  if (masked !== undefined && masked !== v) edits.push({ start: f!.start, end: f!.end, text: `"${masked}"` });
}

/**
 * The one TLV walker: the step "from this TLV to the next" of PROTOCOL.md §3, written once. A standard
 * TLV is `[type][len u8][value]`, an extended one `[255][0][type][len u16 LE][value]`; every reader of
 * TLVs in place (validation, decoding, the zero-copy view, the relay's check, type filter and control
 * handling, the client) walks with a {@link TlvCursor}.
 *
 * The cursor allocates nothing and works on whole-buffer views at absolute offsets (see `viewsOf`), so
 * one instance can be reused for every message on a hot path. Each {@link TlvCursor.step} checks the
 * bounds of the header and the value against the end given to {@link TlvCursor.reset}, and says why it
 * stopped ({@link TlvStep}): a caller that validates reports the reason, a caller that walks validated
 * bytes just stops.
 *
 * @example
 * ```ts
 * import { HEADER_SIZE, TlvCursor, TlvStep, viewsOf } from "./mod.ts";
 * const { u8 } = viewsOf(bytes);
 * const base = bytes.byteOffset;
 * const tlvs = new TlvCursor().reset(u8, base + HEADER_SIZE, base + bytes.length);
 * let step: number;
 * while ((step = tlvs.step()) === TlvStep.ok) console.log(tlvs.type, tlvs.value, tlvs.length);
 * if (step !== TlvStep.end) console.log("malformed TLV at", tlvs.at - base);
 * ```
 * @module
 */

import { EXTENDED_TLV_MARKER } from "./constants.ts";

/** What {@link TlvCursor.step} found. */
export const TlvStep = {
  /** A whole TLV is under the cursor (`type`, `value`, `length` describe it). */
  ok: 0,
  /** No TLV left: the cursor is at (or past) the end. */
  end: 1,
  /** Fewer bytes left than the TLV header needs (2, or 5 for an extended TLV). */
  truncatedHeader: 2,
  /** An extended TLV whose second byte is not 0. */
  badExtendedMarker: 3,
  /** The value runs past the end (`type` and `length` describe the TLV that overruns). */
  valueOverrun: 4,
} as const;
/** A {@link TlvStep} value. */
export type TlvStep = (typeof TlvStep)[keyof typeof TlvStep];

const EMPTY = new Uint8Array(0);

/**
 * A reusable cursor over the TLVs of one message. Offsets are absolute indexes into {@link TlvCursor.u8}.
 * After a step that is not {@link TlvStep.ok} the cursor stays where it stopped: every later step
 * returns the same answer.
 */
export class TlvCursor {
  /** The bytes walked (a whole-buffer view, or any array with absolute offsets). */
  u8: Uint8Array = EMPTY;
  /** Offset of the next TLV's header. */
  next = 0;
  /** Offset just past the last byte TLVs may occupy (the message's end). */
  end = 0;
  /** Offset of the current TLV's header (where the last step started). */
  at = 0;
  /** Type of the current TLV. */
  type = 0;
  /** Offset of the current TLV's value. */
  value = 0;
  /** Length of the current TLV's value. */
  length = 0;

  /** Starts a walk over the TLVs in `u8[start, end)` (for a message: `start = base + HEADER_SIZE`). Returns `this`. */
  reset(u8: Uint8Array, start: number, end: number): this {
    this.u8 = u8;
    this.next = start;
    this.end = end;
    this.at = start;
    this.type = 0;
    this.value = start;
    this.length = 0;
    return this;
  }

  /** Reads the TLV at {@link next} and moves past it; returns a {@link TlvStep} (`ok` while there are TLVs). */
  step(): number {
    const p = this.next;
    const left = this.end - p;
    this.at = p;
    if (left < 2) return left <= 0 ? TlvStep.end : TlvStep.truncatedHeader;
    const u8 = this.u8;
    let type = u8[p]!;
    let value: number;
    let length: number;
    if (type === EXTENDED_TLV_MARKER) {
      if (u8[p + 1] !== 0) return TlvStep.badExtendedMarker;
      if (left < 5) return TlvStep.truncatedHeader;
      type = u8[p + 2]!;
      length = u8[p + 3]! | (u8[p + 4]! << 8);
      value = p + 5;
    } else {
      length = u8[p + 1]!;
      value = p + 2;
    }
    this.type = type;
    this.value = value;
    this.length = length;
    if (value + length > this.end) return TlvStep.valueOverrun;
    this.next = value + length;
    return TlvStep.ok;
  }
}

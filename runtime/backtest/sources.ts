/**
 * Backtest inputs: recordings (PROTOCOL §5, what `ap record` and `ap import` write) read whole and checked
 * message by message, and captures (PROTOCOL §8) run through the venue adapter's replay path (as `ap
 * normalize` does) into the same form — then merged by header timestamp into one schedule.
 *
 * A {@link MessageSource} is one contiguous buffer and the offsets of its messages. The merge is a stable
 * k-way merge on the exact u64 stamps (ties: the earlier file first, then file order); a file whose own
 * stamps go backwards is stable-sorted first.
 *
 * @example
 * ```ts
 * const sources = await Promise.all(paths.map((p) => loadSource(p)));
 * const schedule = mergeSources(sources); // { source: Uint8Array of indices, offset: Uint32Array }
 * ```
 * @module
 */

import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { HEADER_SIZE, validateMessage, type ProtocolError } from "../../protocol/mod.ts";
import { readCaptureFile } from "../../adapters/common/capture.ts";
import { replayCapture } from "../../adapters/common/replay.ts";
import { loadVenue, VENUES } from "../../adapters/registry.ts";

/** Why an input cannot be used. */
export const SourceErrorKind = { Unreadable: "unreadable", BadMessage: "bad-message", UnknownVenue: "unknown-venue" } as const;
/** A {@link SourceErrorKind} value. */
export type SourceErrorKind = (typeof SourceErrorKind)[keyof typeof SourceErrorKind];

/** An input that cannot be used: which file, where (byte offset or line), and why. */
export class SourceError extends Error {
  /** What went wrong. */
  readonly kind: SourceErrorKind;
  /** The file. */
  readonly file: string;
  /** @param kind what @param file which file @param message where and why */
  constructor(kind: SourceErrorKind, file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "SourceError";
    this.kind = kind;
    this.file = file;
  }
}

/** One input's messages: a buffer and the offsets of its messages, in file order. */
export interface MessageSource {
  /** File name (for reports). */
  readonly name: string;
  /** What it was: a recording, or a capture of a venue. */
  readonly kind: "recording" | "capture";
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  /** True when the stamps are known not to go backwards in file order (found while framing): no second scan. */
  readonly sorted?: boolean;
}

/** Merged order of all messages: source index and offset of each, by time (read-only: `offset` may be a source's own offsets). */
export interface Schedule {
  readonly source: Uint8Array;
  readonly offset: Uint32Array;
  readonly length: number;
}

/** Offsets of the messages of a recording buffer; every message validated (checksum, TLVs). */
export function frameRecording(bytes: Uint8Array, name: string): Uint32Array {
  return frame(bytes, name).offsets;
}

/** {@link frameRecording}, noting on the way whether the header stamps ever go backwards (compared as two 32-bit words). */
function frame(bytes: Uint8Array, name: string): { offsets: Uint32Array; sorted: boolean } {
  let out = new Uint32Array(Math.max(16, bytes.length >>> 6));
  let n = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let sorted = true;
  let prevHi = 0;
  let prevLo = 0;
  while (at < bytes.length) {
    const err: ProtocolError | undefined = validateMessage(bytes, at);
    if (err !== undefined) throw new SourceError(SourceErrorKind.BadMessage, name, `message ${n + 1} at byte ${at}: ${err.message}`);
    if (n === out.length) {
      const grown = new Uint32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = at;
    const hi = dv.getUint32(at + 20, true);
    const lo = dv.getUint32(at + 16, true);
    if (hi < prevHi || (hi === prevHi && lo < prevLo)) sorted = false;
    prevHi = hi;
    prevLo = lo;
    at += HEADER_SIZE + dv.getUint32(at + 24, true);
  }
  return { offsets: out.subarray(0, n), sorted };
}

/** A recording's source from its bytes (framed and validated). */
function recordingSource(name: string, kind: MessageSource["kind"], bytes: Uint8Array): MessageSource {
  const { offsets, sorted } = frame(bytes, name);
  return { name, kind, bytes, offsets, sorted };
}

/** Whether a file starts like a capture (JSON lines) rather than a recording (binary). */
function looksLikeCapture(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b; // "{"
  }
  return false;
}

/** The venue of a capture: `venue:path`, else a known venue name in the file name. */
export function captureVenue(spec: string): { venue: string | undefined; path: string } {
  const m = /^([a-z]+):(.+)$/.exec(spec);
  if (m !== null && m[1]! in VENUES) return { venue: m[1], path: m[2]! };
  const file = basename(spec).toLowerCase();
  return { venue: Object.keys(VENUES).find((v) => file.includes(v)), path: spec };
}

/**
 * Loads one `--data` input: a recording, or a capture (`venue:FILE`, or a file whose name names the
 * venue) normalised in memory through the venue adapter.
 */
export async function loadSource(spec: string): Promise<MessageSource> {
  const { venue, path } = captureVenue(spec);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SourceError(SourceErrorKind.Unreadable, path, `cannot read: ${(e as Error).message}`);
  }
  const name = basename(path);
  if (!looksLikeCapture(bytes)) return recordingSource(name, "recording", bytes);
  if (venue === undefined) {
    throw new SourceError(SourceErrorKind.UnknownVenue, path, `a capture, but its venue is unknown: give it as VENUE:FILE (venues: ${Object.keys(VENUES).join(", ")})`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const entry = await loadVenue(venue);
  const adapter = await entry.create({ sink: { publish: (b) => (chunks.push(b.slice()), (total += b.length)) }, anySymbol: true });
  try {
    await replayCapture(adapter, readCaptureFile(path), { pace: "fast" });
  } catch (e) {
    throw new SourceError(SourceErrorKind.Unreadable, path, `capture replay failed: ${(e as Error).message}`);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return recordingSource(name, "capture", all);
}

/** A source from bytes already in memory (tests, benchmarks). */
export function sourceFromBytes(name: string, bytes: Uint8Array): MessageSource {
  return recordingSource(name, "recording", bytes);
}

function stampOf(s: MessageSource, i: number, dv: DataView): bigint {
  return dv.getBigUint64(s.offsets[i]! + 16, true);
}

/** The source's offsets in stamp order (stable); the same array when already ordered. */
function ordered(s: MessageSource): Uint32Array {
  if (s.sorted === true) return s.offsets;
  const dv = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  // The check compares the stamps' two 32-bit words: no bigint per message.
  let prevHi = 0;
  let prevLo = 0;
  let sorted = true;
  for (let i = 0; i < s.offsets.length; i++) {
    const at = s.offsets[i]!;
    const hi = dv.getUint32(at + 20, true);
    const lo = dv.getUint32(at + 16, true);
    if (hi < prevHi || (hi === prevHi && lo < prevLo)) {
      sorted = false;
      break;
    }
    prevHi = hi;
    prevLo = lo;
  }
  if (sorted) return s.offsets;
  const idx = Array.from(s.offsets.keys());
  const stamps = Array.from(s.offsets, (_, i) => stampOf(s, i, dv));
  idx.sort((a, b) => (stamps[a]! < stamps[b]! ? -1 : stamps[a]! > stamps[b]! ? 1 : a - b));
  return Uint32Array.from(idx, (i) => s.offsets[i]!);
}

/** Stable merge of the sources by header stamp (ties: lower source index first). At most 255 sources. */
export function mergeSources(sources: readonly MessageSource[]): Schedule {
  if (sources.length > 255) throw new RangeError(`at most 255 inputs, got ${sources.length}`);
  const lists = sources.map(ordered);
  const dvs = sources.map((s) => new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength));
  const total = lists.reduce((n, l) => n + l.length, 0);
  const source = new Uint8Array(total);
  if (lists.length === 1) return { source, offset: lists[0]!, length: total };
  const offset = new Uint32Array(total);
  const pos = lists.map(() => 0);
  // Each input's next stamp as its two 32-bit words (hi -1: the input is done): no bigint per message.
  const headHi = new Float64Array(lists.length);
  const headLo = new Float64Array(lists.length);
  const readHead = (k: number, p: number): void => {
    const l = lists[k]!;
    if (p >= l.length) {
      headHi[k] = -1;
      return;
    }
    headHi[k] = dvs[k]!.getUint32(l[p]! + 20, true);
    headLo[k] = dvs[k]!.getUint32(l[p]! + 16, true);
  };
  for (let k = 0; k < lists.length; k++) readHead(k, 0);
  for (let n = 0; n < total; n++) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      const h = headHi[k]!;
      if (h >= 0 && (best < 0 || h < headHi[best]! || (h === headHi[best]! && headLo[k]! < headLo[best]!))) best = k;
    }
    const l = lists[best]!;
    source[n] = best;
    offset[n] = l[pos[best]!]!;
    readHead(best, ++pos[best]!);
  }
  return { source, offset, length: total };
}

/**
 * What `ap replay FILE` and `ap replay --from-nats` share: `--speed` (pacing by header timestamps) and
 * `--restamp SOURCE` (a fresh source, sequence, timestamp and checksum per message).
 *
 * @example
 * ```ts
 * const pacer = new Pacer(parseSpeed("10"));
 * const restamp = new Restamper(90);
 * const wait = pacer.waitMs(timestampOfMessage); // sleep that long, then send restamp.apply(bytes, o, l)
 * ```
 * @module
 */

import { HeaderOffset, messageChecksum, viewsOf, writeNowNanos } from "../protocol/mod.ts";
import { CommandError } from "./command.ts";
import { intOption, type parseCommandArgs } from "./relay-options.ts";

/** Parses `--speed`: a positive number, or `max` (Infinity: no pacing). Absent: `fallback`. */
export function parseSpeed(text: string | undefined, fallback = 1): number {
  if (text === undefined) return fallback;
  const speed = text === "max" ? Infinity : Number(text);
  if (!(speed > 0) || (speed === Infinity && text !== "max")) throw new CommandError(`--speed wants a positive number or max, got ${JSON.stringify(text)}`, 2);
  return speed;
}

/** Parses `--restamp SOURCE` (a u16); -1 when absent. */
export function parseRestamp(values: ReturnType<typeof parseCommandArgs>["values"]): number {
  if (values.restamp === undefined) return -1;
  const source = intOption(values, "restamp", 0);
  if (source > 0xffff) throw new CommandError(`--restamp must be a u16 source id, got ${source}`, 2);
  return source;
}

/**
 * Spaces messages as their header timestamps were spaced, divided by the speed: the first message is
 * due at once, each later one at `start + (timestamp − first) / speed`. A timestamp earlier than the
 * first (another source, slightly behind) is due at once.
 */
export class Pacer {
  private readonly speed: number;
  private first: bigint | undefined;
  private startMs = 0;

  /** @param speed pace factor; Infinity = as fast as possible */
  constructor(speed: number) {
    this.speed = speed;
  }

  /** True when messages are paced at all. */
  get paced(): boolean {
    return this.speed !== Infinity;
  }

  /** Milliseconds to wait before sending a message stamped `timestamp` (ns); 0 when due. */
  waitMs(timestamp: bigint, nowMs = performance.now()): number {
    if (this.speed === Infinity) return 0;
    if (this.first === undefined) {
      this.first = timestamp;
      this.startMs = nowMs;
      return 0;
    }
    const due = this.startMs + Number(timestamp - this.first) / 1e6 / this.speed;
    return due > nowMs ? due - nowMs : 0;
  }
}

/**
 * Rewrites messages as one new source: source id, sequences 1, 2, … , the time of sending as timestamp,
 * checksum recomputed — so a relay that has seen the recorded sources accepts the replay.
 */
export class Restamper {
  private readonly source: number;
  private readonly scratch = new Uint8Array(1024 * 1024);
  private sequence = 0n;

  /** @param source the source id every message gets */
  constructor(source: number) {
    this.source = source;
  }

  /** The restamped copy of `bytes[offset, offset+length)`: a view of a scratch buffer, valid until the next call. */
  apply(bytes: Uint8Array, offset: number, length: number): Uint8Array {
    const msg = this.scratch.subarray(0, length);
    msg.set(bytes.subarray(offset, offset + length));
    const dv = viewsOf(msg).dv;
    const base = msg.byteOffset;
    dv.setUint16(base + HeaderOffset.source, this.source, true);
    dv.setBigUint64(base + HeaderOffset.sequence, ++this.sequence, true);
    writeNowNanos(dv, base + HeaderOffset.timestamp);
    dv.setUint32(base + HeaderOffset.checksum, messageChecksum(msg, 0, msg.length), true);
    return msg;
  }
}

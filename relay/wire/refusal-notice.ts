/**
 * Refusal notices: how a relay tells a publishing connection what it did with its messages — how many it
 * took, how many it refused, and which (per reason, as sequence ranges of each source).
 *
 * Wire form (PROTOCOL.md unchanged; only registered TLVs, with their registered meanings): a message of
 * the relay's own source (80–89) with sequence 0, sent only to a connection whose Hello role may publish,
 * at most every {@link NOTICE_INTERVAL_MS} while that connection sends anything:
 *
 * - first TLV **StatusReport (81)**: `serviceId` the relay's id, `state` running, `connections` the
 *   relay's open connections, `processed` the messages of this connection the relay accepted, `dropped`
 *   those it refused, both counted since the connection's Hello (so `processed + dropped` is how far the
 *   relay has read: a publisher that knows how many it wrote knows when the relay has judged them all);
 * - then one **Gap (85)** per refused run: `source`'s sequences `from..to` will not be delivered, for
 *   `reason` — a {@link RefusalReason} (16 and up, beside the GapReasons 1–2 of delivery gaps).
 *
 * Why this form and not the alternatives: a Gap is what the contract already says "these sequences of
 * this source will not be delivered, and why" with; a StatusReport is what it already says "this much
 * processed, this much dropped" with, and System TLVs may ride on every relay. A client that does not
 * know notices treats the message by its first TLV — a StatusReport of the relay's source, never a Gap
 * notice about a data source — so its gap tracking of data sources cannot be misled (a Gap *first* would
 * have made a subscribing publisher skip another connection's messages of the same source). A new TLV
 * type would have needed a registry entry. Only publishing connections get notices; subscribers see none.
 *
 * Per-reason counts are exact as long as the connection reads its notices: the runs waiting for one
 * notice are bounded ({@link MAX_PENDING_RUNS}; a notice is sent at once when reached), and a connection
 * whose socket holds more than {@link MAX_NOTICE_BACKLOG} unsent bytes gets no Gap runs (its totals stay
 * exact; the client reports the unattributed rest as `unreported`).
 *
 * @module
 */

import {
  decodeMessage, encodeMessage, HEADER_SIZE, HeaderOffset, nowNanos, ServiceState, TlvType, type Tlv,
} from "../../protocol/mod.ts";

/** Gap reasons of refused messages (a Gap TLV inside a refusal notice). */
export const RefusalReason = {
  /** Failed the message check (checksum, TLV structure or sizes). */
  invalid: 16,
  /** A TLV type or header domain of another relay domain. */
  wrongDomain: 17,
  /** A control message this connection may not send (e.g. a Gap about a source it does not publish). */
  badControl: 18,
  /** With identities: a source outside the range the connection's token proved. */
  foreignSource: 19,
  /** A source another open connection publishes. */
  sourceOwned: 20,
  /** Sequence not above the source's last accepted one. */
  duplicate: 21,
  /** Sequence too far ahead of the source's last accepted one. */
  sequenceJump: 22,
} as const;
/** A {@link RefusalReason} name. */
export type RefusalReasonName = keyof typeof RefusalReason;

const NAMES: (RefusalReasonName | undefined)[] = [];
for (const [name, code] of Object.entries(RefusalReason)) NAMES[code] = name as RefusalReasonName;

/** The name of refusal reason `code`, or undefined when it is not one. */
export function refusalReasonName(code: number): RefusalReasonName | undefined {
  return NAMES[code];
}

/** Milliseconds between two notices to one connection. */
export const NOTICE_INTERVAL_MS = 100;
/** Refused runs one connection's notice may carry; reaching it sends the notice at once. */
export const MAX_PENDING_RUNS = 1024;
/** Unsent socket bytes of a connection above which its notices carry no runs. */
export const MAX_NOTICE_BACKLOG = 256 * 1024;

/** One refused run: `source`'s sequences `from..to`, refused for `reason`. */
export interface RefusedRun {
  source: number;
  reason: number;
  from: bigint;
  to: bigint;
}

/** What one publishing connection has had accepted and refused, and the runs not yet noticed. */
export class PublisherReport {
  /** Messages accepted since the Hello. */
  accepted = 0;
  /** Messages refused since the Hello. */
  refused = 0;
  /** Set while a notice is due. */
  due = false;
  private readonly runs: RefusedRun[] = [];
  /** Index in {@link runs} of the open run per `source << 8 | reason`. */
  private readonly open = new Map<number, number>();

  /** Counts one refusal of `source`'s `sequence`; true when the runs reached {@link MAX_PENDING_RUNS}. */
  refuse(reason: number, source: number, sequence: bigint): boolean {
    this.refused++;
    const key = (source << 8) | reason;
    const i = this.open.get(key);
    if (i !== undefined) {
      const run = this.runs[i]!;
      if (sequence === run.to + 1n) {
        run.to = sequence;
        return false;
      }
    }
    this.open.set(key, this.runs.length);
    this.runs.push({ source, reason, from: sequence, to: sequence });
    return this.runs.length >= MAX_PENDING_RUNS;
  }

  /**
   * The notice for this connection (relay `relayId` of `domain`, `connections` open), taking the
   * pending runs — unless `withRuns` is false (a connection not reading), when they are forgotten.
   */
  takeNotice(domain: number, relayId: number, connections: number, withRuns: boolean): Uint8Array {
    const tlvs: Tlv[] = [{
      type: TlvType.StatusReport, name: "StatusReport", serviceId: relayId, state: ServiceState.Running, connections,
      messagesPerSecond: 0, errorsPerMillion: 0, p50Micros: 0, p99Micros: 0, processed: BigInt(this.accepted), dropped: BigInt(this.refused),
    }];
    if (withRuns) {
      for (const r of this.runs) {
        tlvs.push({ type: TlvType.Gap, name: "Gap", source: r.source, reason: r.reason, fromSequence: r.from, toSequence: r.to });
      }
    }
    this.runs.length = 0;
    this.open.clear();
    this.due = false;
    return encodeMessage({ relayDomain: domain, source: relayId, sequence: 0n, timestamp: nowNanos() }, tlvs);
  }
}

/** A refusal notice read by a client. */
export interface RefusalNotice {
  /** The relay's source id. */
  relayId: number;
  /** Messages of this connection the relay accepted so far. */
  accepted: number;
  /** Messages of this connection the relay refused so far. */
  refused: number;
  /** The refused runs since the previous notice. */
  runs: RefusedRun[];
}

/**
 * True when the (validated) message at absolute offset `base` of `u8`/`dv` is a refusal notice: a
 * relay's source (80–89), sequence 0, StatusReport first.
 */
export function isRefusalNotice(u8: Uint8Array, dv: DataView, base: number): boolean {
  const source = dv.getUint16(base + HeaderOffset.source, true);
  return source >= 80 && source <= 89 && dv.getUint32(base + HeaderOffset.sequence, true) === 0 &&
    dv.getUint32(base + HeaderOffset.sequence + 4, true) === 0 && dv.getUint32(base + HeaderOffset.payloadSize, true) >= 2 &&
    u8[base + HEADER_SIZE] === TlvType.StatusReport;
}

/** Reads a refusal notice (see {@link isRefusalNotice}) at `bytes[offset…]`. */
export function readRefusalNotice(bytes: Uint8Array, offset: number): RefusalNotice {
  const msg = decodeMessage(bytes, offset, { verifyChecksum: false });
  const notice: RefusalNotice = { relayId: msg.header.source, accepted: 0, refused: 0, runs: [] };
  for (const t of msg.tlvs) {
    if (t.name === "StatusReport") {
      notice.accepted = Number(t.processed);
      notice.refused = Number(t.dropped);
    } else if (t.name === "Gap") {
      notice.runs.push({ source: t.source, reason: t.reason, from: t.fromSequence, to: t.toSequence });
    }
  }
  return notice;
}

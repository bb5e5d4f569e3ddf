/**
 * Which publisher's message of a source the relay accepts: the per-source checks of relay/server/relay.ts
 * between validation and forwarding.
 *
 * - With identities a proven service publishes the sources its token proved (usually its own id);
 *   relays, bridges and tools any other (`foreignSource` otherwise).
 * - A source is bound to the open connection publishing it ({@link SourceOwners}): checked before the
 *   sequence, so a stranger can neither advance nor restart another publisher's source (`sourceOwned`).
 *   A connection of the owner's service id takes over (a publisher back on a new connection); with
 *   identities, a source's own proven service takes it over from a bridge or tool that holds it.
 * - A sequence not above the source's last is a duplicate — unless it is 1, stamped later than the last
 *   message: the source restarted (a new process), its old ring is forgotten. A sequence more than the
 *   jump window ahead is refused (`sequenceJump`).
 *
 * @example
 * ```ts
 * const reason = admission.admit(session, dv, base);
 * if (reason !== ADMITTED) notices.refused(session, reason, dv, base);
 * ```
 * @module
 */

import { HeaderOffset } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";
import { RefusalReason } from "../wire/refusal-notice.ts";
import { DropReason, type RelayMetrics } from "./metrics.ts";
import type { Refusals } from "./refusals.ts";
import type { RingStore } from "./ring-store.ts";
import type { Session } from "./session.ts";
import { SourceOwners } from "./source-owners.ts";
import type { SourceSequences } from "./source-sequences.ts";

/** What {@link SourceAdmission.admit} returns for an accepted message (else a `RefusalReason`). */
export const ADMITTED = -1;

/** What a {@link SourceAdmission} reads and updates of its relay. */
export interface SourceAdmissionOptions {
  /** Each source's last accepted sequence and timestamp (updated on acceptance). */
  sequences: SourceSequences;
  /** The rings (a restarted source's is cleared). */
  rings: RingStore;
  /** Where refused messages are counted and logged. */
  refusals: Refusals;
  /** Drop counters. */
  metrics: RelayMetrics;
  /** Logger. */
  log: Logger;
  /** How far a sequence may jump ahead of its source's last (Infinity = no limit). */
  jumpWindow: number;
}

/** Decides, per message, whether its publisher may send it for its source now. */
export class SourceAdmission {
  /** Per source, the open connection that publishes it. */
  readonly owners = new SourceOwners<Session>();
  private readonly o: SourceAdmissionOptions;
  private readonly sequences: SourceSequences;
  private readonly jumpWindow: number;

  /** @param options the relay's state the checks read and update */
  constructor(options: SourceAdmissionOptions) {
    this.o = options;
    this.sequences = options.sequences;
    this.jumpWindow = options.jumpWindow;
  }

  /**
   * Checks the validated message whose header is at absolute `base` of `dv`, sent by `s`. Accepted:
   * records its sequence, binds its source to `s` and returns {@link ADMITTED}. Refused: counts it
   * and returns the `RefusalReason` for `s`'s notice.
   */
  admit(s: Session, dv: DataView, base: number): number {
    const o = this.o;
    const source = dv.getUint16(base + HeaderOffset.source, true);
    if ((source < s.ownLo || source > s.ownHi) && !s.anySource) {
      o.refusals.foreignSource(s, source);
      return RefusalReason.foreignSource;
    }
    const owner = this.owners.ownerOf(source);
    if (owner !== s && owner !== undefined && owner.serviceId !== s.serviceId && !(s.proven && !s.anySource && source >= s.ownLo && source <= s.ownHi)) {
      o.refusals.sourceOwned(s, owner, source);
      return RefusalReason.sourceOwned;
    }
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
    const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
    const seqs = this.sequences;
    if (seqs.seen[source] === 1) {
      const lh = seqs.lastHi[source]!;
      if (hi < lh || (hi === lh && lo <= seqs.lastLo[source]!)) {
        // Sequence 1 stamped later than the last message: the source restarted (a new process). A
        // re-sent old message carries its old timestamp and stays a duplicate.
        const th = seqs.lastTsHi[source]!;
        if (hi === 0 && lo === 1 && (tsHi > th || (tsHi === th && tsLo > seqs.lastTsLo[source]!))) {
          this.restart(s, source);
        } else {
          o.metrics.drop(DropReason.duplicate);
          return RefusalReason.duplicate;
        }
      } else if ((hi - lh) * 4294967296 + (lo - seqs.lastLo[source]!) > this.jumpWindow) {
        o.refusals.sequenceJump(s, source, seqs.last(source), (BigInt(hi) << 32n) | BigInt(lo), o.jumpWindow);
        return RefusalReason.sequenceJump;
      }
    }
    if (owner !== s) this.take(s, owner, source);
    seqs.record(source, hi, lo, tsHi, tsLo);
    return ADMITTED;
  }

  /** A source restarted its sequence at 1: forget its old stream (logged). */
  private restart(s: Session, source: number): void {
    this.o.log.warn("source restarted its sequence", { conn: s.id, source, previousLast: this.o.sequences.last(source) });
    this.o.rings.clear(source);
  }

  /** `s` got a message of `source` accepted: it owns the source now (logged when taken over). */
  private take(s: Session, previous: Session | undefined, source: number): void {
    this.owners.claim(source, s);
    if (previous !== undefined) {
      this.o.log.info("source taken over by a new connection of the same service", {
        source, serviceId: s.serviceId, conn: s.id, previousConn: previous.id, previousPeer: previous.conn.peer,
      });
    }
  }
}

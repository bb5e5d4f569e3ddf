/**
 * Which publisher's message of a source the relay accepts — the rules, and their slow paths (logging,
 * takeover, restart). The per-message checks themselves run inline in `Relay.onMessage`
 * (relay/server/relay.ts), in this order:
 *
 * - With identities a proven service publishes the sources its token proved (usually its own id);
 *   relays, bridges and tools any other (`foreignSource` otherwise).
 * - A source is bound to the open connection publishing it ({@link SourceOwners}): checked before the
 *   sequence, so a stranger can neither advance nor restart another publisher's source (`sourceOwned`).
 *   A connection of the owner's service id takes over (a publisher back on a new connection); with
 *   identities, a source's own proven service takes it over from a bridge or tool that holds it
 *   ({@link SourceAdmission.mayTakeOver}).
 * - A sequence not above the source's last is a duplicate — unless it is 1, stamped later than the last
 *   message: the source restarted (a new process), its old ring is forgotten
 *   ({@link SourceAdmission.restarted}). A sequence more than the jump window ahead is refused
 *   (`sequenceJump`, {@link SourceAdmission.refuseJump}).
 *
 * @example
 * ```ts
 * const owner = admission.owners.ownerOf(source);
 * if (owner !== session && owner !== undefined && !admission.mayTakeOver(session, owner, source)) refuse();
 * ```
 * @module
 */

import type { Logger } from "../../core/log.ts";
import type { Refusals } from "./refusals.ts";
import type { RingStore } from "./ring-store.ts";
import type { Session } from "./session.ts";
import { SourceOwners } from "./source-owners.ts";
import type { SourceSequences } from "./source-sequences.ts";

/** What a {@link SourceAdmission} reads and updates of its relay. */
export interface SourceAdmissionOptions {
  /** Each source's last accepted sequence and timestamp. */
  sequences: SourceSequences;
  /** The rings (a restarted source's is cleared). */
  rings: RingStore;
  /** Where refused messages are counted and logged. */
  refusals: Refusals;
  /** Logger. */
  log: Logger;
  /** How far a sequence may jump ahead of its source's last (Infinity = no limit). */
  jumpWindow: number;
}

/** Source ownership and the slow paths of the per-message source checks. */
export class SourceAdmission {
  /** Per source, the open connection that publishes it. */
  readonly owners = new SourceOwners<Session>();
  /** How far a sequence may jump ahead of its source's last (Infinity = no limit). */
  readonly jumpWindow: number;
  private readonly o: SourceAdmissionOptions;

  /** @param options the relay's state the checks read and update */
  constructor(options: SourceAdmissionOptions) {
    this.o = options;
    this.jumpWindow = options.jumpWindow;
  }

  /** True when `s` may take `source` over from its open `owner` (same service id, or its own proven source). */
  mayTakeOver(s: Session, owner: Session, source: number): boolean {
    return owner.serviceId === s.serviceId || (s.proven && !s.anySource && source >= s.ownLo && source <= s.ownHi);
  }

  /**
   * For a message of `source` at or below its last sequence: true when it is sequence 1 stamped
   * (`tsHi:tsLo`) later than the last message — the source restarted, its old stream is forgotten
   * (logged) — false for a duplicate. A re-sent old message carries its old timestamp and stays one.
   */
  restarted(s: Session, source: number, hi: number, lo: number, tsHi: number, tsLo: number): boolean {
    const seqs = this.o.sequences;
    const th = seqs.lastTsHi[source]!;
    if (!(hi === 0 && lo === 1 && (tsHi > th || (tsHi === th && tsLo > seqs.lastTsLo[source]!)))) return false;
    this.o.log.warn("source restarted its sequence", { conn: s.id, source, previousLast: seqs.last(source) });
    this.o.rings.clear(source);
    return true;
  }

  /** Counts and logs a message whose sequence `hi:lo` is past the jump window of `source`'s last accepted one. */
  refuseJump(s: Session, source: number, hi: number, lo: number): void {
    this.o.refusals.sequenceJump(s, source, this.o.sequences.last(source), (BigInt(hi) << 32n) | BigInt(lo), this.jumpWindow);
  }

  /** `s` got a message of `source` accepted: it owns the source now (logged when taken over). */
  take(s: Session, previous: Session | undefined, source: number): void {
    this.owners.claim(source, s);
    if (previous !== undefined) {
      this.o.log.info("source taken over by a new connection of the same service", {
        source, serviceId: s.serviceId, conn: s.id, previousConn: previous.id, previousPeer: previous.conn.peer,
      });
    }
  }
}

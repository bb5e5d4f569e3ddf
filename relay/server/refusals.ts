/**
 * The relay's refusals of messages a connection may not publish — a source another connection owns, a
 * source not its own on a relay with identities, a sequence jump past the window — each counted under
 * its {@link DropReason} and logged as a rate-limited warning (one line per second per kind, with how
 * many were left out), since a misbehaving peer can cause one per message. {@link Refusals.lastAt}
 * tells the service when the last one happened (it reports itself degraded for a while after).
 *
 * @module
 */

import type { Logger } from "../../core/log.ts";
import { DropReason, type RelayMetrics } from "./metrics.ts";
import { WarnLimiter } from "../../core/warn-limiter.ts";

/** What a refusal log line says about a connection. */
export interface RefusedConnection {
  readonly id: number;
  readonly serviceId: number;
  readonly conn: { readonly peer: string };
}

/** Counts and logs refused messages. */
export class Refusals {
  /** `performance.now()` of the last refusal or refused Hello, 0 when none. */
  lastAt = 0;
  private readonly metrics: RelayMetrics;
  private readonly log: Logger;
  private readonly owned = new WarnLimiter(1000);
  private readonly foreign = new WarnLimiter(1000);
  private readonly jumps = new WarnLimiter(1000);

  /** @param metrics where drops are counted @param log where warnings go */
  constructor(metrics: RelayMetrics, log: Logger) {
    this.metrics = metrics;
    this.log = log;
  }

  /** A message of `source`, which the open connection `owner` (another service id) publishes. */
  sourceOwned(s: RefusedConnection, owner: RefusedConnection, source: number): void {
    this.metrics.drop(DropReason.sourceOwned);
    this.lastAt = performance.now();
    const suppressed = this.owned.tick(this.lastAt);
    if (suppressed >= 0) {
      this.log.warn("dropped a message of a source another connection publishes", {
        source, conn: s.id, peer: s.conn.peer, serviceId: s.serviceId, ownerConn: owner.id, ownerServiceId: owner.serviceId,
        suppressedSinceLast: suppressed,
      });
    }
  }

  /** A message of `source` from a proven service that may publish only its own. */
  foreignSource(s: RefusedConnection, source: number): void {
    this.metrics.drop(DropReason.foreignSource);
    this.lastAt = performance.now();
    const suppressed = this.foreign.tick(this.lastAt);
    if (suppressed >= 0) {
      this.log.warn("dropped a message of a source that is not the sender's service id", {
        source, conn: s.id, peer: s.conn.peer, serviceId: s.serviceId, suppressedSinceLast: suppressed,
      });
    }
  }

  /** A message of `source` whose sequence is more than `window` ahead of the last accepted one. */
  sequenceJump(s: RefusedConnection, source: number, last: bigint, got: bigint, window: number): void {
    this.metrics.drop(DropReason.sequenceJump);
    this.lastAt = performance.now();
    const suppressed = this.jumps.tick(this.lastAt);
    if (suppressed >= 0) {
      this.log.warn("dropped a message whose sequence jumps past the window (a source restarts at sequence 1)", {
        source, lastAccepted: last, sequence: got, window, conn: s.id, peer: s.conn.peer, serviceId: s.serviceId,
        suppressedSinceLast: suppressed,
      });
    }
  }
}

/**
 * A publisher's side of refusal notices (relay/refusal-notice.ts): what the relay accepted and refused
 * of this client's messages, per reason, over all its connections, with a listener per notice and a
 * wait until the relay has judged a given number of messages.
 *
 * @module
 */

import { type RefusalNotice, type RefusalReasonName, refusalReasonName } from "../wire/refusal-notice.ts";

/** Refused messages per reason; `unreported` are refusals whose reason did not reach this client. */
export type RefusedCounts = Record<RefusalReasonName | "unreported", number>;

/** Counts of what the relay did with this client's messages. */
export interface RefusalCounts {
  /** Messages the relay accepted. */
  readonly accepted: number;
  /** Messages the relay refused (the sum of {@link refused}). */
  readonly refusedTotal: number;
  /** Refused messages per reason. */
  readonly refused: Readonly<RefusedCounts>;
}

/** Receives each refusal notice that reports refusals. */
export type RefusalListener = (notice: RefusalNotice, counts: RefusalCounts) => void;

function zeroCounts(): RefusedCounts {
  return {
    invalid: 0, wrongDomain: 0, badControl: 0, foreignSource: 0, sourceOwned: 0, duplicate: 0, sequenceJump: 0, unreported: 0,
  };
}

/** Keeps a client's refusal counts from the notices of its connections. */
export class ClientRefusals implements RefusalCounts {
  readonly refused: RefusedCounts = zeroCounts();
  private doneAccepted = 0;
  private doneRefused = 0;
  private connAccepted = 0;
  private connRefused = 0;
  private connAttributed = 0;
  private readonly listeners: RefusalListener[] = [];
  private waiters: { expected: number; resolve: (ok: boolean) => void }[] = [];

  /** Messages the relay accepted over all connections. */
  get accepted(): number {
    return this.doneAccepted + this.connAccepted;
  }

  /** Messages the relay refused over all connections. */
  get refusedTotal(): number {
    return this.doneRefused + this.connRefused;
  }

  /** Adds a listener called for every notice that reports new refusals. */
  onRefusal(listener: RefusalListener): void {
    this.listeners.push(listener);
  }

  /** A new connection: the next notices count from zero again. */
  newConnection(): void {
    this.settleUnattributed();
    this.doneAccepted += this.connAccepted;
    this.doneRefused += this.connRefused;
    this.connAccepted = this.connRefused = this.connAttributed = 0;
  }

  /** Takes one notice of the current connection. */
  take(notice: RefusalNotice): void {
    this.connAccepted = notice.accepted;
    const before = this.connRefused;
    this.connRefused = notice.refused;
    for (const r of notice.runs) {
      const name = refusalReasonName(r.reason);
      const n = Number(r.to - r.from + 1n);
      this.refused[name ?? "unreported"] += n;
      this.connAttributed += n;
    }
    // Runs a backed-up connection was not sent: the total is exact, the reason unknown.
    if (notice.runs.length === 0) this.settleUnattributed();
    if (this.connRefused > before) for (const l of this.listeners) l(notice, this);
    this.waiters = this.waiters.filter((w) => {
      if (this.accepted + this.refusedTotal < w.expected) return true;
      w.resolve(true);
      return false;
    });
  }

  /**
   * Resolves true once the relay has accepted or refused `expected` messages in all, false after
   * `timeoutMs` without that.
   */
  judged(expected: number, timeoutMs: number): Promise<boolean> {
    if (this.accepted + this.refusedTotal >= expected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        expected,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private settleUnattributed(): void {
    const missing = this.connRefused - this.connAttributed;
    if (missing > 0) {
      this.refused.unreported += missing;
      this.connAttributed += missing;
    }
  }
}

/**
 * When publishers hear what became of their messages: every refusal and acceptance is counted on the
 * publishing session's {@link PublisherReport}, and at most every {@link NOTICE_INTERVAL_MS} while it
 * sends, it gets a refusal notice — a StatusReport with its accepted/refused totals and one Gap per
 * refused run, reason 16+ (relay/wire/refusal-notice.ts). A report whose runs fill up is sent at once.
 *
 * @example
 * ```ts
 * const notices = new NoticeSchedule({ domain, serviceId, log, connectionCount: () => sessions.size });
 * notices.refused(session, RefusalReason.duplicate, dv, base);
 * ```
 * @module
 */

import { HeaderOffset } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";
import { MAX_NOTICE_BACKLOG, NOTICE_INTERVAL_MS, type PublisherReport } from "../wire/refusal-notice.ts";
import { type Session, SessionState } from "./session.ts";

/** What a {@link NoticeSchedule} needs of its relay. */
export interface NoticeScheduleOptions {
  /** The relay's domain (on the notices). */
  domain: number;
  /** The relay's own source id (on the notices). */
  serviceId: number;
  /** Where a notice that could not be written is logged. */
  log: Logger;
  /** Open connections now (reported in the notice). */
  connectionCount: () => number;
}

/** Schedules and writes publishers' refusal notices. */
export class NoticeSchedule {
  private readonly opts: NoticeScheduleOptions;
  /** Publishing connections whose refusal notice is due. */
  private due: Session[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @param opts the relay's identity and logger */
  constructor(opts: NoticeScheduleOptions) {
    this.opts = opts;
  }

  /** Counts a refused message (header at absolute `base` of `dv`) in `s`'s report for its next notice. */
  refused(s: Session, reason: number, dv: DataView, base: number): void {
    const report = s.report;
    if (report === undefined) return;
    const full = report.refuse(reason, dv.getUint16(base + HeaderOffset.source, true), dv.getBigUint64(base + HeaderOffset.sequence, true));
    if (full) this.send(s, report);
    else if (!report.due) this.schedule(s, report);
  }

  /** Schedules `s`'s next notice (its report is not yet due). */
  schedule(s: Session, report: PublisherReport): void {
    report.due = true;
    this.due.push(s);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.sendDue(), NOTICE_INTERVAL_MS);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Stops the timer (the relay is closing). */
  close(): void {
    clearTimeout(this.timer);
  }

  private sendDue(): void {
    this.timer = undefined;
    const due = this.due;
    this.due = [];
    for (const s of due) {
      const report = s.report!;
      if (report.due) this.send(s, report);
    }
  }

  /** Writes `s`'s notice now (without its runs when `s` does not read what it is sent). Never throws. */
  private send(s: Session, report: PublisherReport): void {
    if (s.state !== SessionState.Open) return;
    const o = this.opts;
    try {
      s.conn.write([report.takeNotice(o.domain, o.serviceId, o.connectionCount(), s.conn.pendingBytes <= MAX_NOTICE_BACKLOG)]);
    } catch (e) {
      o.log.error("could not send a refusal notice", { conn: s.id, peer: s.conn.peer, error: e });
    }
  }
}

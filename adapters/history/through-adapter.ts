/**
 * Runs capture events (PROTOCOL §8) of imported files through a venue adapter with the common replay —
 * the same path as `ap normalize` — and books each event against the file and line it came from: rows,
 * messages published while the adapter handled it, and a bad row when the adapter counted a parse error
 * for it (with the adapter's own reason).
 *
 * @example
 * ```ts
 * await replayTagged(adapter, tagged, report, recording, {
 *   errors: () => adapter.metrics.parseErrors, lastError: () => adapter.metrics.lastError,
 * });
 * ```
 * @module
 */

import type { VenueAdapter } from "../common/adapter.ts";
import type { CaptureEvent } from "../common/capture.ts";
import { replayCapture, type ReplaySummary } from "../common/replay.ts";
import type { ImportReport } from "./report.ts";

/** A capture event with the file and line it was read from. */
export interface TaggedEvent {
  readonly event: CaptureEvent;
  readonly file: string;
  readonly line: number;
  /** True for an event made up by the importer (a connect before the first frame): not a row of the file. */
  readonly synthetic?: boolean;
}

/** How the caller's adapter counts errors. */
export interface ErrorProbe {
  /** Errors counted so far (parse errors, malformed input). */
  errors(): number;
  /** The adapter's description of its last error. */
  lastError(): string;
}

/** Something that counts the messages written. */
export interface MessageCounter {
  readonly messages: number;
}

/**
 * Replays `events` through `adapter` (fast pace, header time = capture time) and fills `report`.
 * Messages published after the last event (flushes at the end) are booked to the last file.
 */
export async function replayTagged(
  adapter: VenueAdapter, events: AsyncIterable<TaggedEvent>, report: ImportReport, out: MessageCounter, probe: ErrorProbe,
  log?: (line: string) => void,
): Promise<ReplaySummary> {
  let booked = 0;
  let lastFile: string | undefined;
  async function* booking(): AsyncGenerator<CaptureEvent> {
    for await (const x of events) {
      const errors = probe.errors();
      const before = out.messages;
      yield x.event; // resumed once the replay has handled the event
      const f = report.file(x.file);
      lastFile = x.file;
      if (x.synthetic !== true) f.rows++;
      f.messages += out.messages - before;
      booked += out.messages - before;
      if (probe.errors() > errors) f.bad(x.line, probe.lastError() || "the adapter could not parse this frame");
    }
  }
  const summary = await replayCapture(adapter, booking(), { pace: "fast", ...(log ? { log } : {}) });
  if (lastFile !== undefined && out.messages > booked) report.file(lastFile).messages += out.messages - booked;
  return summary;
}

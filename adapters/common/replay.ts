/**
 * Replays a capture through a venue adapter — the same `onOpen`/`onFrame`/`onRest`/`onClose` hooks a
 * live session calls, so parsing, books, gap detection and resyncs behave exactly as they did live.
 * Nothing is sent and nothing is fetched: the capture already holds what the venue answered (REST
 * bodies appear where they arrived). Message header times are the capture times, so the output of a
 * capture is always the same bytes.
 *
 * `pace: "fast"` runs as fast as possible (`ap normalize`); `"recorded"` waits out the recorded gaps
 * (`ap adapter --replay`), optionally sped up.
 *
 * @example
 * ```ts
 * const summary = await replayCapture(adapter, readCaptureFile("coinbase.jsonl"), { pace: "fast" });
 * ```
 * @module
 */

import { sleep } from "./backoff.ts";
import type { AdapterIo, VenueAdapter } from "./adapter.ts";
import type { CaptureEvent } from "./capture.ts";

/** Replay settings. */
export interface ReplayOptions {
  /** "fast" (default) or "recorded" pace. */
  pace?: "fast" | "recorded";
  /** Speed factor for recorded pace (2 = twice as fast; default 1). */
  speed?: number;
  /** Stops the replay early. */
  signal?: AbortSignal;
  /** Log lines of the adapter. */
  log?: (message: string) => void;
  /**
   * Header timestamps of the messages built: "capture" (default) stamps each with the capture time of
   * its frame, so a capture always normalises to the same bytes; "now" stamps the build time, as a live
   * adapter does (a service replaying into a relay).
   */
  headerTime?: "capture" | "now";
  /**
   * Told about each frame the adapter sends (nothing is sent: replay). A looping replay uses it to
   * answer requests the capture does not answer (see pass-shift.ts).
   */
  onSend?: (text: string) => void;
}

/** Counts of a finished replay. */
export interface ReplaySummary {
  /** Capture events read. */
  events: number;
  /** Connects replayed (a connect after the first closes the previous session). */
  connects: number;
  /** Frames the adapter tried to send (not sent: replay). */
  framesNotSent: number;
  /** REST requests the adapter asked for (answered only by the capture). */
  restNotRequested: number;
  /** Reconnects the adapter asked for (the capture shows what happened instead). */
  reconnectsAsked: number;
  /** Whether the replay ran to the end of the capture. */
  completed: boolean;
}

class ReplayIo implements AdapterIo {
  nowMs = 0;
  readonly replaying = true;
  framesNotSent = 0;
  restNotRequested = 0;
  reconnectsAsked = 0;
  private readonly logFn: (m: string) => void;
  private readonly onSend: ((text: string) => void) | undefined;

  constructor(log: (m: string) => void, onSend?: (text: string) => void) {
    this.logFn = log;
    this.onSend = onSend;
  }

  send(text: string): void {
    this.framesNotSent++;
    this.onSend?.(text);
  }

  requestRest(): void {
    this.restNotRequested++;
  }

  touch(): void {}

  reconnect(reason: string): void {
    this.reconnectsAsked++;
    this.logFn(`replay: adapter asked to reconnect (${reason})`);
  }

  log(message: string): void {
    this.logFn(message);
  }
}

/** Feeds every event of `events` to `adapter`; resolves with counts when the capture ends. */
export async function replayCapture(
  adapter: VenueAdapter, events: AsyncIterable<CaptureEvent> | Iterable<CaptureEvent>, options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const io = new ReplayIo(options.log ?? (() => {}), options.onSend);
  const recorded = options.pace === "recorded";
  const stampCapture = options.headerTime !== "now";
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  let first: bigint | undefined;
  const startMs = performance.now();
  let open = false;
  let count = 0;
  let connects = 0;
  let completed = true;
  for await (const ev of events as AsyncIterable<CaptureEvent>) {
    if (options.signal?.aborted) {
      completed = false;
      break;
    }
    count++;
    first ??= ev.t;
    if (recorded) {
      const due = Number(ev.t - first) / 1e6 / speed;
      const wait = due - (performance.now() - startMs);
      if (wait > 1 && !(await sleep(wait, options.signal))) {
        completed = false;
        break;
      }
    }
    io.nowMs = Number(ev.t) / 1e6;
    if (stampCapture) adapter.setHeaderTime(ev.t);
    switch (ev.kind) {
      case "connect":
        if (open) {
          adapter.onClose(io);
          adapter.metrics.reconnects++;
        }
        open = true;
        connects++;
        adapter.metrics.connects++;
        adapter.onOpen(io);
        break;
      case "recv":
        adapter.metrics.frames++;
        try {
          adapter.onFrame(ev.data ?? "", io);
        } catch (e) {
          adapter.metrics.parseErrors++;
          adapter.metrics.noteError(`unhandled in onFrame: ${(e as Error).message}`);
        }
        break;
      case "rest":
        try {
          adapter.onRest(ev.url, ev.data ?? "", io);
        } catch (e) {
          adapter.metrics.parseErrors++;
          adapter.metrics.noteError(`unhandled in onRest: ${(e as Error).message}`);
        }
        break;
      case "sent":
        break;
    }
  }
  if (completed) adapter.flush?.(io);
  adapter.setHeaderTime(undefined);
  return {
    events: count, connects, framesNotSent: io.framesNotSent, restNotRequested: io.restNotRequested,
    reconnectsAsked: io.reconnectsAsked, completed,
  };
}

/**
 * Runs one venue adapter as a long-lived task: live (the {@link AdapterTask}: connect, subscribe,
 * staleness, reconnect) or replaying a capture at its recorded pace, optionally over and over (the
 * embedded demo). Messages go to the given sink; header timestamps are the build time, and the
 * adapter's builder keeps counting sequences across loops, so a looped replay looks like a live feed.
 *
 * A looping replay keeps one adapter, so its dedupe and gap checks see every pass. The venue's
 * {@link PassShifter} (pass-shift.ts) reads the capture once and rewrites each later pass so that it
 * continues the last as the venue would (trade ids, sequences, update ids, blocks, hashes, subscription
 * ids and times move on), and answers what the adapter asks that the capture does not hold (an EVM
 * backfill after the pass's reconnect); the venue timestamps of the messages are then moved to now.
 *
 * @example
 * ```ts
 * const run = await startVenueAdapter({ venue: "coinbase", sink: relayClient, replay: "fixtures/captures/coinbase.sim.jsonl", loop: true });
 * // …
 * await run.stop();
 * ```
 * @module
 */

import { nowNanos } from "../protocol/mod.ts";
import type { VenueAdapter } from "./common/adapter.ts";
import { sleep } from "./common/backoff.ts";
import { readCaptureFile, type CaptureEvent, type CaptureWriter } from "./common/capture.ts";
import type { PassShifter } from "./common/pass-shift.ts";
import { replayCapture } from "./common/replay.ts";
import type { MessageSink } from "./common/sink.ts";
import { AdapterTask } from "./common/task.ts";
import { loadVenue, type VenueAdapterOptions } from "./registry.ts";
import { retimeMessage } from "./retime-message.ts";

/** What to run. */
export interface VenueRunOptions extends Omit<VenueAdapterOptions, "sink"> {
  /** Venue name (`coinbase`, `binance`, `kraken`, `polygon`, `ethereum`). */
  venue: string;
  /** Where messages go. */
  sink: MessageSink;
  /** Replay this capture instead of connecting. */
  replay?: string;
  /**
   * Replay the capture over and over (default false). Each pass shifts the venue timestamps so they
   * continue from now (see retime.ts), as a live feed's would.
   */
  loop?: boolean;
  /** Replay speed factor (default 1). */
  speed?: number;
  /** Log lines. */
  log?: (message: string) => void;
  /** Live runs: also record the session to this capture writer. */
  capture?: CaptureWriter;
  /** Told when each pass of a replay begins (0, 1, …), before its first event. */
  onPass?: (pass: number) => void;
}

/** A running adapter. */
export interface VenueRun {
  /** The adapter (metrics). */
  readonly adapter: VenueAdapter;
  /** Resolves when a non-looping replay reaches its end (never for live or looping runs until stopped). */
  readonly done: Promise<void>;
  /** Stops the adapter and waits for it. */
  stop(): Promise<void>;
}

const IDLE_IO = {
  nowMs: 0, replaying: true, send() {}, requestRest() {}, touch() {}, reconnect() {}, log() {},
} as const;

/** Starts a venue adapter live or replaying. Rejects for an unknown venue or a bad setting. */
export async function startVenueAdapter(options: VenueRunOptions): Promise<VenueRun> {
  const venue = await loadVenue(options.venue);
  const log = options.log ?? (() => {});
  const replay = options.replay;
  let offsetNs = 0n;
  const sink = replay !== undefined && options.loop
    ? { publish: (bytes: Uint8Array) => options.sink.publish(retimeMessage(bytes, offsetNs)) }
    : options.sink;
  const adapter = await venue.create({
    ...options,
    sink,
    symbols: options.symbols ?? (replay ? undefined : venue.defaultSymbols),
    anySymbol: replay !== undefined && options.symbols === undefined,
  });
  if (replay === undefined) {
    const task = new AdapterTask(adapter, { log, capture: options.capture });
    task.start();
    let stopped: () => void = () => {};
    const done = new Promise<void>((r) => (stopped = r));
    return { adapter, done, stop: async () => { await task.stop(); stopped(); } };
  }
  const abort = new AbortController();
  const shifter = options.loop && replay !== "-" ? venue.passShifter?.() : undefined;
  const done = (async () => {
    if (shifter !== undefined) {
      for await (const ev of readCaptureFile(replay)) shifter.learn(ev);
      shifter.finish();
    }
    const speed = options.speed && options.speed > 0 ? options.speed : 1;
    let passStartMs = performance.now();
    let retimed = false;
    for (let pass = 0; ; pass++) {
      if (pass > 0 && shifter !== undefined) {
        // A pass starts one pass length after the last (the shifter moved its clock on by that much).
        const due = passStartMs + shifter.passMs / speed;
        if (due - performance.now() > 1 && !(await sleep(due - performance.now(), abort.signal))) break;
        passStartMs = Math.max(due, performance.now());
      }
      options.onPass?.(pass);
      // Venue times continue from now, and never step back (an accelerated replay runs ahead of the clock).
      const feed = new PassFeed(replay, shifter, pass, (t) => {
        const fresh = nowNanos() - t;
        offsetNs = retimed && fresh < offsetNs ? offsetNs : fresh;
        retimed = true;
      });
      const summary = await replayCapture(adapter, feed.events(), {
        pace: "recorded", speed, signal: abort.signal, headerTime: "now", log,
        onSend: shifter?.answer ? (text) => feed.answer(text) : undefined,
      });
      if (!summary.completed || !options.loop || abort.signal.aborted) break;
      adapter.onClose({ ...IDLE_IO, nowMs: Date.now() });
    }
  })();
  return {
    adapter,
    done,
    async stop() {
      abort.abort();
      await done.catch(() => {});
    },
  };
}

/** The events of one pass of a replay: shifted for the pass, with the shifter's answers after the event that asked. */
class PassFeed {
  private readonly answers: CaptureEvent[] = [];
  private last: CaptureEvent | undefined;
  private readonly file: string;
  private readonly shifter: PassShifter | undefined;
  private readonly pass: number;
  private readonly onFirst: (t: bigint) => void;

  constructor(file: string, shifter: PassShifter | undefined, pass: number, onFirst: (t: bigint) => void) {
    this.file = file;
    this.shifter = shifter;
    this.pass = pass;
    this.onFirst = onFirst;
  }

  /** The adapter sent `text`: queue what the venue answers that the capture does not hold. */
  answer(text: string): void {
    const at = this.last;
    if (at === undefined || this.shifter?.answer === undefined) return;
    for (const data of this.shifter.answer(text, this.pass)) this.answers.push({ t: at.t, kind: "recv", url: at.url, data });
  }

  async *events(): AsyncGenerator<CaptureEvent> {
    for await (const raw of readCaptureFile(this.file)) {
      const ev = this.shifter === undefined ? raw : this.shifter.shift(raw, this.pass);
      if (this.last === undefined) this.onFirst(ev.t);
      this.last = ev;
      yield ev;
      while (this.answers.length > 0) yield this.answers.shift()!;
    }
  }
}

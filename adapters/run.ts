/**
 * Runs one venue adapter as a long-lived task: live (the {@link AdapterTask}: connect, subscribe,
 * staleness, reconnect) or replaying a capture at its recorded pace, optionally over and over (the
 * embedded demo). Messages go to the given sink; header timestamps are the build time, and the
 * adapter's builder keeps counting sequences across loops, so a looped replay looks like a live feed.
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
import { readCaptureFile, type CaptureWriter } from "./common/capture.ts";
import { replayCapture } from "./common/replay.ts";
import type { MessageSink } from "./common/sink.ts";
import { AdapterTask } from "./common/task.ts";
import { loadVenue, type VenueAdapterOptions } from "./registry.ts";
import { retimeMessage } from "./retime.ts";

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
  const done = (async () => {
    do {
      const first = await firstEventTime(replay);
      offsetNs = first === undefined ? 0n : nowNanos() - first;
      const summary = await replayCapture(adapter, readCaptureFile(replay), {
        pace: "recorded", speed: options.speed ?? 1, signal: abort.signal, headerTime: "now", log,
      });
      if (!summary.completed) break;
      adapter.onClose({ ...IDLE_IO, nowMs: Date.now() });
    } while (options.loop && !abort.signal.aborted);
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

/** Capture time (ns) of the first event of a capture file, or `undefined` when it has none. */
async function firstEventTime(file: string): Promise<bigint | undefined> {
  for await (const event of readCaptureFile(file)) return BigInt(event.t);
  return undefined;
}

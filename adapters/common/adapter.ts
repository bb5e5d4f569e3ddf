/**
 * The contract between a venue's parsing/book/gap code and whatever drives it: the live
 * {@link AdapterTask} (WebSocket + HTTP) or a capture replay. Both call the same hooks with the same
 * frames, so `ap normalize` and `--replay` run exactly the code a live session runs.
 *
 * A venue adapter never does I/O itself: it asks its {@link AdapterIo} to send a frame, fetch a REST
 * body (the answer comes back later through `onRest`), reconnect, or note channel activity.
 *
 * @module
 */

import type { AdapterMetrics } from "./metrics.ts";

/** A subscribed data channel whose silence is a failure. */
export interface ChannelSpec {
  /** Name for logs ("heartbeat", "book"…). */
  readonly name: string;
  /** Longest silence in ms before the connection is abandoned and reopened; 0 = not watched. */
  readonly staleAfterMs: number;
}

/** What a venue adapter may ask of its driver. */
export interface AdapterIo {
  /** Receive time of the event being handled, ms since the epoch (capture time on a replay). */
  readonly nowMs: number;
  /** True when replaying a capture (nothing is sent, no request is made). */
  readonly replaying: boolean;
  /** Sends a text frame on the current connection (dropped when none is open). */
  send(text: string): void;
  /** Asks for a REST GET; the body arrives through `onRest` (or `onRestError`). Duplicate pending URLs are merged. */
  requestRest(url: string): void;
  /** Notes data on channel `index` of {@link VenueAdapter.channels} (staleness watch). */
  touch(index: number): void;
  /** Abandons the connection and reconnects with back-off (e.g. the venue said it will disconnect). */
  reconnect(reason: string): void;
  /** Reports something worth a log line. */
  log(message: string): void;
}

/** A venue's parsing, book and gap logic, driven by a live task or a replay. */
export interface VenueAdapter {
  /** Venue name as on the command line ("coinbase"). */
  readonly name: string;
  /** Counters and latency of this adapter. */
  readonly metrics: AdapterMetrics;
  /** Channels watched for staleness (indexes used with {@link AdapterIo.touch}). */
  readonly channels: readonly ChannelSpec[];
  /** REST URLs fetched (in order) before the first connect, e.g. Binance `exchangeInfo`. */
  bootstrapUrls(): readonly string[];
  /** The WebSocket URL to connect to now. */
  url(): string;
  /** The connection opened: subscribe. */
  onOpen(io: AdapterIo): void;
  /** One raw text frame. Must not throw: malformed or unknown frames are counted and skipped. */
  onFrame(text: string, io: AdapterIo): void;
  /** The body of a REST GET of `url`. */
  onRest(url: string, body: string, io: AdapterIo): void;
  /** A REST GET of `url` failed for good (after the HTTP client's retries). */
  onRestError(url: string, error: Error, io: AdapterIo): void;
  /** The connection is gone: forget everything that a fresh subscription will resend (books). */
  onClose(io: AdapterIo): void;
  /**
   * The input ended (a replay reached the end of its capture): publish anything held back waiting for
   * more input (e.g. trades held during a REST backfill), counting what never came as lost. Optional.
   */
  flush?(io: AdapterIo): void;
  /** Header timestamp for the messages built next (replay: the capture time; live: `undefined` = now). */
  setHeaderTime(nanos: bigint | undefined): void;
}

/**
 * Shared adapter machinery: the venue-adapter contract, the live task (connect, subscribe, staleness,
 * reconnect with back-off, REST with rate-limit back-off), capture/replay (PROTOCOL §8), the WebSocket
 * and HTTP clients, the exact in-place JSON/decimal/time readers, the order book and the message emitter.
 *
 * @example
 * ```ts
 * import { AdapterTask, CollectingSink } from "./adapters/common/mod.ts";
 * const sink = new CollectingSink();
 * const task = new AdapterTask(adapter, { backoff: { baseMs: 100, capMs: 60_000 } });
 * ```
 *
 * @module
 */

export type { AdapterIo, ChannelSpec, VenueAdapter } from "./adapter.ts";
export { Backoff, BACKOFF_CAP_MS, sleep, type BackoffOptions } from "./backoff.ts";
export { BookSide, OrderBook } from "./book.ts";
export {
  CaptureError, CaptureWriter, formatCaptureLine, openTextOut, parseCaptureLine, parseCaptureText, readCaptureEvents,
  readCaptureFile, type CaptureEvent, type CaptureKind, type CaptureReadOptions, type TextOut,
} from "./capture.ts";
export { DecimalReader } from "./decimal.ts";
export { MarketDataEmitter } from "./emit.ts";
export { previewJson } from "./preview.ts";
export { HttpClient, HttpError, HttpErrorKind, parseRetryAfter, redactUrl, type HttpClientOptions, type RequestOptions } from "./http.ts";
export { InstrumentTable, type Instrument, type SkippedSymbol } from "./instruments.ts";
export { FrameError, JsonCursor, parseJsonExact, type ExactJson } from "./json-cursor.ts";
export { AdapterMetrics, type AdapterMetricsSnapshot } from "./metrics.ts";
export { replayCapture, type ReplayOptions, type ReplaySummary } from "./replay.ts";
export { CollectingSink, FanoutSink, type MessageSink } from "./sink.ts";
export { AdapterTask, type AdapterTaskOptions, type TaskState } from "./task.ts";
export { VenueTime, writeVenueTime } from "./venue-time.ts";
export { nativeWebSocketConnector, nodeWebSocketConnector, WEBSOCKET_CONNECTOR, webSocketConnector, type WebSocketConnection, type WebSocketConnector, type WebSocketHandlers } from "./ws.ts";

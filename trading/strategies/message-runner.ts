/**
 * Feeds a byte stream of Protocol V2 messages to a message handler (a strategy, the risk manager, the
 * paper engine): frames it ({@link StreamFramer}, zero-copy for whole messages), validates every message
 * (checksum, TLV structure) and wraps it in one reused {@link MessageView}. Invalid messages and handler
 * exceptions are counted, never thrown, so a long-running service survives bad input; the first error
 * of each kind is kept for the report.
 *
 * @example
 * ```ts
 * const runner = new MessageRunner((view) => strategy.onMarketData(view));
 * for await (const chunk of input) runner.push(chunk);
 * runner.stats; // { messages, invalid, handlerErrors, framingErrors, … }
 * ```
 * @module
 */

import { MessageView, StreamFramer, isProtocolError } from "../../protocol/mod.ts";

/** Counters of a {@link MessageRunner}. */
export interface RunnerStats {
  /** Valid messages handed to the handler. */
  messages: number;
  /** Messages that failed validation (skipped). */
  invalid: number;
  /** Handler exceptions (the message is skipped, the service goes on). */
  handlerErrors: number;
  /** Stream framing errors (the framer restarts at the next chunk). */
  framingErrors: number;
  /** Handler results summed (signals or messages published). */
  produced: number;
  /** First validation/framing error, for the report. */
  firstInvalid?: string;
  /** First handler error, for the report. */
  firstHandlerError?: string;
}

/** Frames, validates and dispatches messages (see module docs). */
export class MessageRunner {
  /** Counters. */
  readonly stats: RunnerStats = { messages: 0, invalid: 0, handlerErrors: 0, framingErrors: 0, produced: 0 };
  private readonly framer = new StreamFramer();
  private readonly view = new MessageView();
  private readonly handler: (view: MessageView) => number | void;
  private readonly onMessage = (bytes: Uint8Array, offset: number): void => this.handle(bytes, offset);
  private readonly validation: { verifyChecksum: boolean };

  /**
   * @param handler called once per valid message with the reused view; may return a count produced
   * @param options `verifyChecksum: false` skips the CRC (structure is still checked) when a relay
   *   already verified it
   */
  constructor(handler: (view: MessageView) => number | void, options: { verifyChecksum?: boolean } = {}) {
    this.handler = handler;
    this.validation = { verifyChecksum: options.verifyChecksum ?? true };
  }

  /** Feeds one chunk of the stream (any split). */
  push(chunk: Uint8Array): void {
    try {
      this.framer.push(chunk, this.onMessage);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      this.stats.framingErrors++;
      this.stats.firstInvalid ??= `stream: ${e.message}`;
      this.framer.reset();
    }
  }

  /** Handles one whole message at `bytes[offset…]` (already framed, e.g. from a relay client). */
  handle(bytes: Uint8Array, offset = 0): void {
    const view = this.view.wrap(bytes, offset);
    const err = view.validate(this.validation);
    if (err !== undefined) {
      this.stats.invalid++;
      this.stats.firstInvalid ??= `message ${this.stats.messages + this.stats.invalid}: ${err.message}`;
      return;
    }
    this.stats.messages++;
    try {
      const n = this.handler(view);
      if (typeof n === "number") this.stats.produced += n;
    } catch (e) {
      this.stats.handlerErrors++;
      this.stats.firstHandlerError ??= `message ${this.stats.messages} (sequence ${view.sequence}): ${(e as Error)?.message ?? String(e)}`;
    }
  }

  /** Bytes of an incomplete message still held at the end of the stream (0 when the stream ended cleanly). */
  get trailingBytes(): number {
    return this.framer.buffered;
  }
}

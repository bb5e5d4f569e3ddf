/**
 * Where producers (adapters, strategies, replay) put finished messages. The relay client implements it;
 * tests and tools can implement it with anything (an array, a file).
 *
 * Contract: `publish` takes the exact bytes of one whole message and copies them before it returns, so
 * the caller may reuse its buffer (e.g. a {@link MessageBuilder}'s) for the next message at once. It
 * never blocks and never throws for back-pressure: a sink that cannot deliver buffers (bounded) and
 * counts what it had to drop.
 *
 * @example
 * ```ts
 * function emitTrade(sink: MessageSink, b: MessageBuilder): void {
 *   b.begin(RelayDomain.MarketData, SourceId.Coinbase).addTrade(...);
 *   sink.publish(b.finish()); // b may be reused right away
 * }
 * ```
 * @module
 */

/** Accepts whole messages; copies them before returning. */
export interface MessageSink {
  /** Takes one whole message; the caller may reuse `bytes` as soon as this returns. */
  publish(bytes: Uint8Array): void;
}

/** A sink that discards (the default output of a strategy or engine until it is connected); counts what it dropped. */
export class DiscardSink implements MessageSink {
  /** Messages discarded. */
  dropped = 0;
  /** Discards `bytes`. */
  publish(_bytes: Uint8Array): void {
    this.dropped++;
  }
}

/**
 * Where adapters put the Protocol V2 messages they build.
 *
 * The interface is the relay's (core/sink.ts), re-exported here so adapters import it from one place;
 * the relay client implements it.
 *
 * Contract: `bytes` is one whole message and is only valid during the call — adapters build into a
 * reused buffer, so a sink that keeps the bytes past `publish` must copy them.
 *
 * @example
 * ```ts
 * const sink: MessageSink = { publish: (bytes) => socket.write(bytes.slice()) };
 * ```
 * @module
 */

import type { MessageSink } from "../../core/sink.ts";

export type { MessageSink };

/** A sink that keeps a copy of every message, for tests and `ap normalize`. */
export class CollectingSink implements MessageSink {
  /** Copies of the messages published so far, in order. */
  readonly messages: Uint8Array[] = [];

  /** Stores a copy of `bytes`. */
  publish(bytes: Uint8Array): void {
    this.messages.push(bytes.slice());
  }
}

/** A sink that forwards to several sinks in turn. */
export class FanoutSink implements MessageSink {
  private readonly sinks: readonly MessageSink[];

  /** @param sinks receivers, called in order for every message */
  constructor(sinks: readonly MessageSink[]) {
    this.sinks = sinks;
  }

  /** Hands `bytes` to every sink. */
  publish(bytes: Uint8Array): void {
    for (const s of this.sinks) s.publish(bytes);
  }
}

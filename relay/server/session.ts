/**
 * One relay connection's state: where it is in its life (awaiting Hello, open, closed), who it said it
 * is, what it wants, and its outgoing queue. Owned and changed by the relay (relay/relay.ts) only.
 *
 * @module
 */

import { StreamFramer } from "../../protocol/mod.ts";
import type { DiscardedRange } from "./discard-memory.ts";
import type { Outbox } from "./outbox.ts";
import type { PublisherReport } from "../wire/refusal-notice.ts";
import type { Connection } from "../transport/types.ts";

/** Where a connection is in its life. */
export const SessionState = { AwaitHello: 0, Open: 1, Closed: 2 } as const;
/** A {@link SessionState} value. */
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** One connection's state. */
export class Session {
  readonly id: number;
  readonly conn: Connection;
  readonly requireToken: boolean;
  /** Its messages' CRC-32 is verified (relay options, and whether a medium lies between). */
  readonly verifyChecksum: boolean;
  readonly framer = new StreamFramer();
  state: SessionState = SessionState.AwaitHello;
  role = 0;
  serviceId = -1;
  /** Its Hello token proved its service id (relay with identities, relay/identity.ts). */
  proven = false;
  /** It may publish sources outside its proven range (no identities, or a relay/bridge/tool id). */
  anySource = true;
  /** First and last source id its Hello token proved (its own sources; with identities only). */
  ownLo = 0;
  ownHi = 0xffff;
  /** Bytes its framer holds for an incomplete message (as last counted by the relay). */
  held = 0;
  /** `performance.now()` when its current incomplete message began, 0 when none. */
  partialSince = 0;
  /** Set once this connection owned a source (see {@link SourceOwners}). */
  ownedSources = false;
  /** Discarded ranges of this subscriber's previous connection, answered at the end of the current chunk. */
  recall: DiscardedRange[] | undefined;
  /** `performance.now()` of its Hello. */
  helloAt = 0;
  /** Set by its first RetransmitRequest (the only one that may fetch remembered discards). */
  askedBefore = false;
  /** Wanted TLV types (1 = wanted), or undefined for every type. */
  filter: Uint8Array | undefined;
  outbox: Outbox | undefined;
  /** What this publishing connection had accepted and refused (relay/refusal-notice.ts); undefined for subscribers. */
  report: PublisherReport | undefined;
  helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set during one chunk's processing when this session's outbox got messages. */
  dirty = false;
  /** The message handler bound to this session, made once. */
  onMessage: (bytes: Uint8Array, offset: number, length: number) => void = () => {};

  /**
   * @param id connection number (logs) @param conn the stream @param requireToken the listener requires a Hello token
   * @param verifyChecksum verify its messages' CRC-32
   */
  constructor(id: number, conn: Connection, requireToken: boolean, verifyChecksum: boolean) {
    this.id = id;
    this.conn = conn;
    this.requireToken = requireToken;
    this.verifyChecksum = verifyChecksum;
  }
}

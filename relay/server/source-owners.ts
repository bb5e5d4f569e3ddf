/**
 * Which open connection publishes each source id: the header `source` is "service id of the sender"
 * (PROTOCOL.md §2, §6), yet bridges and `ap replay` legitimately publish other services' messages, so a
 * source is bound to the connection that got a message of it accepted, for as long as that connection
 * is open — not to a fixed service id.
 *
 * Rules (applied by the relay before the sequence check, so a stranger cannot restart or advance a
 * source either):
 * - a free source is claimed by the first connection whose message of it is accepted;
 * - a message of an owned source from another open connection is refused (DropReason.sourceOwned),
 *   unless that connection's Hello service id equals the owner's: a publisher that reconnected while
 *   its old TCP connection is still half-open takes the source over;
 * - when the owner closes, its sources are free again (the service id of their last owner is kept, see
 *   {@link SourceOwners.mayNotify}).
 *
 * @example
 * ```ts
 * const owners = new SourceOwners<Session>();
 * if (!owners.mayPublish(source, session)) drop("sourceOwned");
 * owners.claim(source, session); // once accepted
 * owners.releaseAll(session);    // when it closes
 * ```
 * @module
 */

/** What the owner table needs to know of a connection. */
export interface Publisher {
  /** The service id its Hello announced. */
  readonly serviceId: number;
  /** True once it owned a source (so closing it scans the table). */
  ownedSources: boolean;
}

const SOURCES = 65536;
const NO_SERVICE = -1;

/** The owner connection of every source id of one relay. */
export class SourceOwners<P extends Publisher> {
  private readonly owners: (P | undefined)[] = new Array<P | undefined>(SOURCES).fill(undefined);
  // Service id of each source's last owner (kept after it closes), NO_SERVICE if never owned.
  private readonly lastService = new Int32Array(SOURCES).fill(NO_SERVICE);

  /** The open connection that owns `source`, if any. */
  ownerOf(source: number): P | undefined {
    return this.owners[source];
  }

  /** True when `p` may publish `source`: it is free, owned by `p`, or owned under `p`'s service id. */
  mayPublish(source: number, p: P): boolean {
    const o = this.owners[source];
    return o === undefined || o === p || o.serviceId === p.serviceId;
  }

  /**
   * True when `p` may send a Gap notice about `source` (every subscriber will skip the range): `p` owns
   * it (or its owner has `p`'s service id), or the source is free and its last owner had `p`'s service id
   * (a bridge that reconnected passing on an origin loss). Nobody may for a source never published.
   */
  mayNotify(source: number, p: P): boolean {
    const o = this.owners[source];
    if (o !== undefined) return o === p || o.serviceId === p.serviceId;
    return this.lastService[source] === p.serviceId;
  }

  /**
   * Binds `source` to `p` (its message was accepted). Returns the previous open owner when `p` took the
   * source over from another connection (same service id), else undefined.
   */
  claim(source: number, p: P): P | undefined {
    const o = this.owners[source];
    if (o === p) return undefined;
    this.owners[source] = p;
    this.lastService[source] = p.serviceId;
    p.ownedSources = true;
    return o;
  }

  /** Frees every source `p` owns (its connection closed). Returns how many. */
  releaseAll(p: P): number {
    if (!p.ownedSources) return 0;
    const owners = this.owners;
    let n = 0;
    for (let i = 0; i < SOURCES; i++) {
      if (owners[i] === p) {
        owners[i] = undefined;
        n++;
      }
    }
    return n;
  }
}

/**
 * Service identities on the relays: a run key held by the supervisor and the relays, and per-service
 * tokens derived from it, which a Hello carries (PROTOCOL §4 Hello token) so a relay can tell that the
 * connection claiming service id N really is service N.
 *
 * Token text: `ap1:<lo>-<hi>:<mac>` where `mac` is base64url(HMAC-SHA256(key, "alphapulse relay identity
 * v1:<lo>-<hi>")). It proves every service id in `lo..hi`: one id for an ordinary service, the whole
 * range for the API (dashboard/API 60–69, PROTOCOL §6) and for the command-line tools (replay/recorder
 * 90–99). Only a key holder can make one; a relay checks it in constant time.
 *
 * What a proven service may publish is the relay's business (relay/relay.ts): its own source, and — for
 * relays, NATS bridges and tools (80–99, {@link mayRelayOthers}) — other sources not bound to their live
 * proven owner.
 *
 * A process has one relay identity: set once at its entry ({@link setProcessCredential}: a supervised
 * service from its environment, an inline system from the run key) and used by every {@link RelayClient}
 * that is given no explicit token.
 *
 * @example
 * ```ts
 * const key = RelayKey.generate();
 * const token = key.tokenFor(3);          // what service 3 gets
 * key.verify(token, 3);                   // true
 * key.verify(token, 4);                   // false
 * ```
 * @module
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Service ids of the command-line tools (replay, recorder, publish, subscribe: PROTOCOL §6 90–99). */
export const TOOLS_RANGE = { lo: 90, hi: 99 } as const;
/** File in an `ap start` runtime directory (beside the relays' sockets) holding the tools' token, mode 0600. */
export const TOOLS_TOKEN_FILE = "tools.token";
/** Service ids of the API (dashboard/API 60–69). */
export const API_RANGE = { lo: 60, hi: 69 } as const;

/**
 * The ids the execution service proves (execution/risk/portfolio 40–59, PROTOCOL §6): one process
 * publishes as risk (40), paper venue (41), portfolio (42) and planner (43).
 */
export const EXECUTION_RANGE = { lo: 40, hi: 59 } as const;

const KEY_BYTES = 32;
const TOKEN_RE = /^ap1:(\d{1,5})-(\d{1,5}):([A-Za-z0-9_-]{43})$/;

/** A relay key or token that cannot be used, with the reason. */
export class IdentityError extends Error {
  /** @param message what is wrong with which input */
  constructor(message: string) {
    super(message);
    this.name = "IdentityError";
  }
}

/**
 * True for service ids that may publish sources other than their own (relays and NATS bridges 80–89,
 * replay/recorder tools 90–99), where those sources are not bound to their own live service.
 */
export function mayRelayOthers(serviceId: number): boolean {
  return serviceId >= 80 && serviceId <= 99;
}

/** The run key: makes and checks identity tokens. */
export class RelayKey {
  private readonly key: Buffer;

  /** @param key at least 32 random bytes */
  constructor(key: Uint8Array) {
    if (key.length < KEY_BYTES) throw new IdentityError(`a relay key needs at least ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  /** A fresh random key. */
  static generate(): RelayKey {
    return new RelayKey(randomBytes(KEY_BYTES));
  }

  /** Reads a key from its text form ({@link RelayKey.toText}); `where` names the source in the error. */
  static fromText(text: string, where: string): RelayKey {
    if (!/^[A-Za-z0-9_-]{43,}$/.test(text)) throw new IdentityError(`${where}: not a base64url relay key of at least ${KEY_BYTES} bytes`);
    return new RelayKey(Buffer.from(text, "base64url"));
  }

  /** The key as base64url text (for the environment of a relay process). */
  toText(): string {
    return this.key.toString("base64url");
  }

  /** The token proving every service id in `lo..hi`. */
  tokenForRange(lo: number, hi: number): string {
    return `ap1:${lo}-${hi}:${this.mac(lo, hi).toString("base64url")}`;
  }

  /** The token proving exactly `serviceId`. */
  tokenFor(serviceId: number): string {
    return this.tokenForRange(serviceId, serviceId);
  }

  /** True when `token` proves `serviceId` (its range covers the id and its MAC is this key's; constant time). */
  verify(token: string, serviceId: number): boolean {
    return this.provenRange(token, serviceId) !== undefined;
  }

  /**
   * The service-id range `token` proves when it proves `serviceId` (its range covers the id and its MAC
   * is this key's; constant time), else undefined. A service may publish the sources of that range.
   */
  provenRange(token: string, serviceId: number): { lo: number; hi: number } | undefined {
    const m = TOKEN_RE.exec(token);
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (serviceId < lo || serviceId > hi || hi > 0xffff) return undefined;
    const given = Buffer.from(m[3]!, "base64url");
    const want = this.mac(lo, hi);
    return given.length === want.length && timingSafeEqual(given, want) ? { lo, hi } : undefined;
  }

  private mac(lo: number, hi: number): Buffer {
    return createHmac("sha256", this.key).update(`alphapulse relay identity v1:${lo}-${hi}`, "utf8").digest();
  }
}

/** Something that gives a process's Hello token for a service id it may claim. */
export interface RelayCredential {
  /** The token for `serviceId`, or undefined when this credential does not cover it. */
  tokenFor(serviceId: number): string | undefined;
}

/** A credential from one issued token: covers the ids of its range, nothing else. */
export function credentialFromToken(token: string): RelayCredential {
  const m = TOKEN_RE.exec(token);
  if (m === null) throw new IdentityError("not an AlphaPulse relay identity token (ap1:<lo>-<hi>:<mac>)");
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return { tokenFor: (id) => (id >= lo && id <= hi ? token : undefined) };
}

/** A credential holding the key itself: covers every id (relay processes, inline systems). */
export function credentialFromKey(key: RelayKey): RelayCredential {
  return { tokenFor: (id) => key.tokenFor(id) };
}

let processCredential: RelayCredential | undefined;

/** Sets (or with undefined clears) this process's relay identity; returns the previous one. */
export function setProcessCredential(credential: RelayCredential | undefined): RelayCredential | undefined {
  const previous = processCredential;
  processCredential = credential;
  return previous;
}

/** The token this process presents for `serviceId` when a client is given none ("" when it has none). */
export function processTokenFor(serviceId: number): string {
  return processCredential?.tokenFor(serviceId) ?? "";
}

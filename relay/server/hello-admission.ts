/**
 * Admission of a connection's Hello (PROTOCOL.md §4, Hello): the role must be 1–3, and the token must
 * prove the service id under the run key ({@link RelayKey}, relay/wire/identity.ts) or, on listeners
 * that require a token and without identities, equal the relay's shared token (compared in constant
 * time). A proven Hello sets what its session may publish.
 *
 * @example
 * ```ts
 * const admission = new HelloAdmission(undefined, key, refusals);
 * const refused = admission.check(session, u8, dv, valueAt, valueLength);
 * if (refused !== undefined) disconnect(session, refused.reason, refused.why);
 * ```
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { HelloField, TlvType, tlvSpec } from "../../protocol/mod.ts";
import { mayRelayOthers, type RelayKey } from "../wire/identity.ts";
import { DisconnectReason } from "./metrics.ts";
import type { Refusals } from "./refusals.ts";
import type { Session } from "./session.ts";

/** Offset of the token within a Hello value: right after its fixed part. */
const HELLO_TOKEN_AT = tlvSpec(TlvType.Hello)!.baseSize;

/** Why a Hello was refused: the disconnect reason and the detail logged with it. */
export interface HelloRefusal {
  reason: DisconnectReason;
  why: string;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Checks Hellos against the relay's token or run key. */
export class HelloAdmission {
  private readonly tokenDigest: Buffer | undefined;
  private readonly identityKey: RelayKey | undefined;
  private readonly refusals: Refusals;

  /**
   * @param token the shared token of listeners that require one (relays without identities)
   * @param identityKey the run key every Hello must prove its service id with, when set
   * @param refusals where a refused identity is timed (`lastAt`)
   */
  constructor(token: string | undefined, identityKey: RelayKey | undefined, refusals: Refusals) {
    this.tokenDigest = token ? digest(token) : undefined;
    this.identityKey = identityKey;
    this.refusals = refusals;
  }

  /**
   * Checks the Hello value at absolute `v` (`len` bytes) of the whole-buffer views, received on `s`.
   * On success it records the proven identity on `s` and returns `undefined`; else why to close `s`.
   */
  check(s: Session, u8: Uint8Array, dv: DataView, v: number, len: number): HelloRefusal | undefined {
    const role = u8[v + HelloField.role]!;
    const serviceId = dv.getUint16(v + HelloField.serviceId, true);
    if (role < 1 || role > 3) return { reason: DisconnectReason.noHello, why: `Hello role ${role} is not 1–3` };
    if (this.identityKey !== undefined) {
      const given = new TextDecoder().decode(u8.subarray(v + HELLO_TOKEN_AT, v + len));
      const range = this.identityKey.provenRange(given, serviceId);
      if (range === undefined) {
        this.refusals.lastAt = performance.now();
        return {
          reason: DisconnectReason.auth,
          why: given.length === 0
            ? `Hello for service id ${serviceId} carries no token; this relay requires each service's identity token`
            : `Hello token does not prove service id ${serviceId}`,
        };
      }
      s.proven = true;
      s.anySource = mayRelayOthers(serviceId);
      s.ownLo = range.lo;
      s.ownHi = range.hi;
    } else if (s.requireToken) {
      const given = new TextDecoder().decode(u8.subarray(v + HELLO_TOKEN_AT, v + len));
      const ok = this.tokenDigest !== undefined && given.length > 0 && timingSafeEqual(digest(given), this.tokenDigest);
      if (!ok) return { reason: DisconnectReason.auth, why: given.length === 0 ? "Hello carries no token" : "Hello token is wrong" };
    }
    return undefined;
  }
}

/**
 * Names instead of numbers for what a person types: relay domains (`"market-data"`), Hello roles
 * (`"subscriber"`), TLV types (`"Trade"`), venues (`"coinbase"`) and asset types (`"Spot"`). Every
 * function also takes the number, and refuses an unknown name or number with a {@link ClientError}
 * saying which argument and what it may be.
 *
 * @example
 * ```ts
 * toDomain("market-data"); // 1
 * toTlvType("Trade");      // 1
 * toRole("subscriber");    // 2
 * ```
 * @module
 */

import { RELAY_DOMAIN_NAMES, type KnownTlv, type RelayDomain, TlvType } from "../../protocol/mod.ts";
import { Role } from "../wire/control.ts";
import { DOMAIN_NAMES, type DomainName } from "../wire/socket-paths.ts";

/** What went wrong in the client API: a bad argument, no relay to reach, or a use after close. */
export const ClientErrorKind = { BadArgument: "BadArgument", Unreachable: "Unreachable", Closed: "Closed" } as const;
/** A {@link ClientErrorKind}. */
export type ClientErrorKind = (typeof ClientErrorKind)[keyof typeof ClientErrorKind];

/** A failure of the client API: `kind`, and a message naming what, where and why. */
export class ClientError extends Error {
  /** Which kind of failure. */
  readonly kind: ClientErrorKind;
  /** @param kind the kind @param message what, where and why */
  constructor(kind: ClientErrorKind, message: string) {
    super(message);
    this.name = "ClientError";
    this.kind = kind;
  }
}

/** A relay domain by name (`"market-data"`, `"signal"`, `"execution"`, `"system"`) or number (1–4). */
export type DomainLike = DomainName | RelayDomain;
/** A Hello role by name. */
export type RoleName = "publisher" | "subscriber" | "both";
/** The name of a registered TLV type (`"Trade"`, `"MomentumSignal"`, …). */
export type TlvName = KnownTlv["name"];

/** The domain number of a name or number; throws {@link ClientError} for anything else. */
export function toDomain(domain: DomainLike): RelayDomain {
  if (typeof domain === "number" && RELAY_DOMAIN_NAMES[domain as RelayDomain] !== undefined) return domain;
  const i = DOMAIN_NAMES.indexOf(domain as DomainName);
  if (i >= 0) return (i + 1) as RelayDomain;
  throw new ClientError("BadArgument", `domain ${JSON.stringify(domain)} is not a relay domain: use ${DOMAIN_NAMES.map((n) => `"${n}"`).join(", ")} (or 1–4)`);
}

const ROLES: Readonly<Record<RoleName, Role>> = { publisher: Role.Publisher, subscriber: Role.Subscriber, both: Role.Both };

/** The Hello role of a name or number; throws {@link ClientError} for anything else. */
export function toRole(role: RoleName | Role): Role {
  if (typeof role === "number" && Object.values(Role).includes(role)) return role;
  const r = ROLES[role as RoleName];
  if (r !== undefined) return r;
  throw new ClientError("BadArgument", `role ${JSON.stringify(role)} is not a Hello role: use "publisher", "subscriber" or "both" (or 1–3)`);
}

const TYPE_BY_NAME = new Map<string, number>(Object.entries(TlvType));
const NAME_BY_TYPE = new Map<number, TlvName>(Object.entries(TlvType).map(([k, v]) => [v, k as TlvName]));

/** The TLV type number of a name or registered number; throws {@link ClientError} for anything else. */
export function toTlvType(type: TlvName | number, where = "type"): number {
  if (typeof type === "number" && NAME_BY_TYPE.has(type)) return type;
  const n = typeof type === "string" ? TYPE_BY_NAME.get(type) : undefined;
  if (n !== undefined) return n;
  throw new ClientError("BadArgument", `${where} ${JSON.stringify(type)} is not a registered TLV type (e.g. "Trade", "Quote", "MomentumSignal")`);
}

/** The name of a registered TLV type number, or undefined. */
export function tlvName(type: number): TlvName | undefined {
  return NAME_BY_TYPE.get(type);
}

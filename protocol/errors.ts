/**
 * Typed protocol errors. Every failure of the codec is a {@link ProtocolError} with a `kind` from
 * PROTOCOL.md §2 (plus `InvalidValue` for bad encoder input), the byte offset where it was found, and a
 * message that says what and why — never a generic throw.
 *
 * @example
 * ```ts
 * try { decodeMessage(bytes); } catch (e) {
 *   if (e instanceof ProtocolError && e.kind === "ChecksumMismatch") dropped++;
 * }
 * ```
 * @module
 */

/** The kinds of protocol error. */
export const ProtocolErrorKind = {
  BadMagic: "BadMagic",
  UnsupportedVersion: "UnsupportedVersion",
  UnknownDomain: "UnknownDomain",
  Truncated: "Truncated",
  TooLarge: "TooLarge",
  ChecksumMismatch: "ChecksumMismatch",
  TlvOverrun: "TlvOverrun",
  BadExtendedTlv: "BadExtendedTlv",
  WrongTlvSize: "WrongTlvSize",
  TypeNotInDomain: "TypeNotInDomain",
  InvalidValue: "InvalidValue",
} as const;
/** One protocol error kind. */
export type ProtocolErrorKind = (typeof ProtocolErrorKind)[keyof typeof ProtocolErrorKind];

/** A typed protocol failure: `kind` says what, `offset` where (bytes from the message or stream start). */
export class ProtocolError extends Error {
  /** What went wrong. */
  readonly kind: ProtocolErrorKind;
  /** Byte offset of the offending field, relative to the message (or stream) start; -1 if not applicable. */
  readonly offset: number;

  /**
   * @param kind what went wrong
   * @param message why, in words a user can act on
   * @param offset where, in bytes
   */
  constructor(kind: ProtocolErrorKind, message: string, offset = -1) {
    super(`${kind}: ${message}${offset >= 0 ? ` (at byte ${offset})` : ""}`);
    this.name = "ProtocolError";
    this.kind = kind;
    this.offset = offset;
  }
}

/** True when `e` is a {@link ProtocolError}, optionally of the given kind. */
export function isProtocolError(e: unknown, kind?: ProtocolErrorKind): e is ProtocolError {
  return e instanceof ProtocolError && (kind === undefined || e.kind === kind);
}

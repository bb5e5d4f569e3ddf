/**
 * A JSON envelope that makes corruption of a state file detectable beyond JSON parse errors: the body
 * is stored with its kind, a format version and the SHA-256 of its JSON text.
 *
 * ```json
 * {"format":"alphapulse-state","kind":"trading-state","version":2,"sha256":"…","body":{…}}
 * ```
 *
 * The checksum covers `JSON.stringify(body)`; parsing and stringifying again gives the same text (the
 * writer produced it with `JSON.stringify`, and key order and number formatting round-trip), so a flipped
 * byte, a truncated-but-still-JSON file or a hand-edited value is caught.
 *
 * @example
 * ```ts
 * const text = sealJson("trading-state", 2, { state: "halted" });
 * unsealJson(text, "trading-state", 2, path); // { state: "halted" }
 * ```
 * @module
 */

import { createHash } from "node:crypto";

/** Why a sealed file cannot be used. */
export type SealedJsonErrorKind = "corrupt" | "checksum" | "incompatible";

/** A sealed state file that cannot be used; says which file and why. */
export class SealedJsonError extends Error {
  /** `corrupt` (not JSON / not an envelope), `checksum` (body changed) or `incompatible` (other kind or version). */
  readonly kind: SealedJsonErrorKind;
  /** The file. */
  readonly path: string;
  /** @param kind what is wrong @param path the file @param message details */
  constructor(kind: SealedJsonErrorKind, path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "SealedJsonError";
    this.kind = kind;
    this.path = path;
  }
}

const FORMAT = "alphapulse-state";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The envelope text of `body` (kind, version, checksum). */
export function sealJson(kind: string, version: number, body: unknown): string {
  const json = JSON.stringify(body);
  return JSON.stringify({ format: FORMAT, kind, version, sha256: sha256(json), body: JSON.parse(json) as unknown });
}

/**
 * The body of an envelope written by {@link sealJson}, after checking its format, kind, version and
 * checksum. Throws {@link SealedJsonError} naming `path` and what is wrong.
 */
export function unsealJson(text: string, kind: string, version: number, path: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SealedJsonError("corrupt", path, `not JSON (${(e as Error).message}; ${text.length} bytes)`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new SealedJsonError("corrupt", path, "not a JSON object");
  const d = doc as Record<string, unknown>;
  if (d.format !== FORMAT) {
    throw new SealedJsonError("incompatible", path, `not an ${FORMAT} file (format ${JSON.stringify(d.format)}); written by another build or another program`);
  }
  if (d.kind !== kind) throw new SealedJsonError("incompatible", path, `holds ${JSON.stringify(d.kind)}, expected ${JSON.stringify(kind)}`);
  if (d.version !== version) throw new SealedJsonError("incompatible", path, `version ${JSON.stringify(d.version)}, this build reads version ${version}`);
  if (typeof d.sha256 !== "string" || !("body" in d)) throw new SealedJsonError("corrupt", path, "envelope without sha256 or body");
  const actual = sha256(JSON.stringify(d.body));
  if (actual !== d.sha256) throw new SealedJsonError("checksum", path, `checksum mismatch (file says ${d.sha256.slice(0, 12)}…, content hashes to ${actual.slice(0, 12)}…)`);
  return d.body;
}

/**
 * Turns a value holding bigints into plain JSON data (bigints as decimal strings), for control-socket
 * replies.
 *
 * @module
 */

/** A JSON-safe deep copy of `value`: every bigint becomes its decimal string. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

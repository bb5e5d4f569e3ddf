/**
 * Reading a JSON request body safely: it must be a JSON object (not an array, `null` or a scalar) and
 * must not use the keys `__proto__`, `constructor` or `prototype` at any depth (prototype pollution in
 * whatever merges it later). The size is bounded before this by the body-limit middleware.
 *
 * @module
 */

import type { Context } from "hono";

/** Keys refused anywhere in a body. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** A body that is not an acceptable JSON object; `path` names the offending place. */
export class BadBodyError extends Error {
  /** Where in the body (`body`, `limits.__proto__`). */
  readonly path: string;
  /** @param path where @param message why */
  constructor(path: string, message: string) {
    super(message);
    this.name = "BadBodyError";
    this.path = path;
  }
}

function checkKeys(value: unknown, path: string): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((x, i) => checkKeys(x, `${path}[${i}]`));
    return;
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) throw new BadBodyError(at, `the key "${key}" is not allowed`);
    checkKeys((value as Record<string, unknown>)[key], at);
  }
}

/** Parses `text` as a JSON object body; throws {@link BadBodyError} otherwise. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadBodyError("body", "body is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BadBodyError("body", `body must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  }
  checkKeys(value, "");
  return value as Record<string, unknown>;
}

/** Reads the request's body as a JSON object; throws {@link BadBodyError} otherwise. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  return parseJsonObject(await c.req.text());
}

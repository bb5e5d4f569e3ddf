// @ts-check
/**
 * The token-protected API as the page uses it: `fetch` with `Authorization: Bearer`, a timeout, and
 * typed failures (HTTP status and the API's JSON reason) so callers can tell "no execution service"
 * (404) from "unavailable" (503) from "wrong token" (401).
 * @module
 */

/** A failed API call. */
export class ApiError extends Error {
  /** @param {string} path @param {number} status 0 when the API could not be reached @param {string} message */
  constructor(path, status, message) {
    super(`${path}: ${status ? `HTTP ${status}, ` : ""}${message}`);
    this.name = "ApiError";
    this.path = path;
    this.status = status;
    this.reason = message;
  }
}

/** Calls the token-protected API routes with the session token (or a token given per call). */
export class Api {
  /**
   * @param {string} token
   * @param {() => void} onUnauthorized called once when the API rejects the token
   * @param {number} [timeoutMs]
   */
  constructor(token, onUnauthorized, timeoutMs = 5_000) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
    this.timeoutMs = timeoutMs;
  }

  /**
   * @param {string} method @param {string} path @param {string} [token] a token to use instead of the session's
   * @returns {Promise<any>} the JSON body
   */
  async request(method, path, token = this.token) {
    let res;
    try {
      res = await fetch(path, {
        method, headers: { authorization: `Bearer ${token}`, accept: "application/json" }, cache: "no-store",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ApiError(path, 0, e instanceof Error && e.name === "TimeoutError" ? "timed out" : "API unreachable");
    }
    /** @type {any} */
    let body;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const message = body?.message ?? body?.reason ?? body?.error ?? res.statusText;
      if (res.status === 401 && token === this.token) this.onUnauthorized();
      throw new ApiError(path, res.status, String(message));
    }
    return body;
  }

  /** @param {string} path */
  get(path) {
    return this.request("GET", path);
  }
}

/**
 * Checks a token against the API: `undefined` when accepted, else why not.
 * @param {string} token @returns {Promise<string | undefined>}
 */
export async function checkToken(token) {
  try {
    const res = await fetch("/stats", { headers: { authorization: `Bearer ${token}` }, cache: "no-store", signal: AbortSignal.timeout(5_000) });
    if (res.status === 401) return "The API rejected this token.";
    if (!res.ok) return `The API answered HTTP ${res.status}.`;
    return undefined;
  } catch {
    return "The API cannot be reached.";
  }
}

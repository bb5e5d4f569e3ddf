/**
 * HTTP for adapters: GET (REST snapshots, exchange metadata) and JSON-RPC POST over the global `fetch`
 * (present on Node ≥ 18 and Deno), with typed errors, a timeout, retries with back-off, and the
 * venues' rate-limit signals honoured: on 429/418 the client waits `Retry-After` (seconds or an HTTP
 * date) — or an exponential back-off when absent — and holds back every later request to that host
 * until then.
 *
 * Bodies are returned as raw text: the caller parses them (exactly) and may record them in a capture.
 *
 * @example
 * ```ts
 * const http = new HttpClient({ timeoutMs: 10_000 });
 * const body = await http.get("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000");
 * const block = await http.rpc("https://polygon-rpc.example", "eth_blockNumber", []);
 * ```
 * @module
 */

import { Backoff, sleep, type BackoffOptions } from "./backoff.ts";

/** What went wrong with a request. */
export const HttpErrorKind = {
  /** The server answered with a non-success status that is not retried (4xx except 408/418/429). */
  Status: "Status",
  /** Still rate limited (429/418) after the retries, or told to wait longer than `maxWaitMs`. */
  RateLimited: "RateLimited",
  /** No answer within `timeoutMs`. */
  Timeout: "Timeout",
  /** Connection refused, reset, DNS failure… */
  Network: "Network",
  /** The body is not the JSON the caller needs. */
  BadJson: "BadJson",
  /** A JSON-RPC error object came back. */
  JsonRpc: "JsonRpc",
  /** The request was cancelled through its signal. */
  Aborted: "Aborted",
} as const;
/** One {@link HttpErrorKind}. */
export type HttpErrorKind = (typeof HttpErrorKind)[keyof typeof HttpErrorKind];

/** A typed HTTP failure: `kind` says what, `url` where, the message why. */
export class HttpError extends Error {
  /** What went wrong. */
  readonly kind: HttpErrorKind;
  /** The request URL. */
  readonly url: string;
  /** HTTP status, when one was received. */
  readonly status: number | undefined;
  /** For `RateLimited`: how long the server asked to wait, in ms. */
  readonly retryAfterMs: number | undefined;
  /** For `JsonRpc`: the error code. */
  readonly rpcCode: number | undefined;

  /** @param kind what @param url where @param message why @param extra status, wait, RPC code */
  constructor(
    kind: HttpErrorKind, url: string, message: string,
    extra: { status?: number; retryAfterMs?: number; rpcCode?: number } = {},
  ) {
    super(`${kind}: ${message} (${redactUrl(url)})`);
    this.name = "HttpError";
    this.kind = kind;
    this.url = url;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.rpcCode = extra.rpcCode;
  }
}

/** Hides credentials and API keys that some RPC URLs carry in their path or query. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/[A-Za-z0-9_-]{24,}(?=\/|$)/g, "/…");
    return `${u.protocol}//${u.host}${path}${u.search ? "?…" : ""}`;
  } catch {
    return "<bad url>";
  }
}

/**
 * Parses a `Retry-After` header: delta-seconds or an HTTP date. Returns ms to wait, or `undefined`
 * when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const h = header.trim();
  if (/^\d+(\.\d+)?$/.test(h)) return Math.ceil(Number(h) * 1000);
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Settings of an {@link HttpClient}. */
export interface HttpClientOptions {
  /** Per-attempt timeout in ms (default 15 000). */
  timeoutMs?: number;
  /** Retries after the first attempt for 429/418/408/5xx/network/timeout (default 4). */
  maxRetries?: number;
  /** Longest `Retry-After` the client sleeps through itself (default 120 000 ms); longer → `RateLimited`. */
  maxWaitMs?: number;
  /** Back-off between retries without `Retry-After`. */
  backoff?: BackoffOptions;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Told about every rate-limit or retry wait (for metrics and logs). */
  onWait?: (info: { url: string; status: number | undefined; waitMs: number; reason: string }) => void;
}

/** Request options of one call. */
export interface RequestOptions {
  /** Cancels the request and any wait. */
  signal?: AbortSignal;
}

/** A fetch-based client with timeouts, retries and rate-limit back-off per host. */
export class HttpClient {
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly backoffOptions: BackoffOptions;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;
  private readonly onWait: HttpClientOptions["onWait"];
  private readonly blockedUntil = new Map<string, number>();
  private rpcId = 0;

  /** @param options timeouts, retries, headers */
  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxRetries = options.maxRetries ?? 4;
    this.maxWaitMs = options.maxWaitMs ?? 120_000;
    this.backoffOptions = options.backoff ?? {};
    this.headers = options.headers ?? {};
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.onWait = options.onWait;
  }

  /** GETs `url` and returns the body text of a 2xx answer. */
  get(url: string, options: RequestOptions = {}): Promise<string> {
    return this.request(url, { method: "GET" }, options);
  }

  /** POSTs `body` (a JSON string, or a value to stringify) and returns the body text of a 2xx answer. */
  postJson(url: string, body: unknown, options: RequestOptions = {}): Promise<string> {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return this.request(url, { method: "POST", body: text, headers: { "content-type": "application/json" } }, options);
  }

  /**
   * One JSON-RPC 2.0 call: returns `result` (as `JSON.parse` gives it; EVM quantities are hex strings,
   * so nothing loses precision). A JSON-RPC error object becomes `HttpError` kind `JsonRpc`.
   */
  async rpc(url: string, method: string, params: readonly unknown[], options: RequestOptions = {}): Promise<unknown> {
    const id = ++this.rpcId;
    const text = await this.postJson(url, { jsonrpc: "2.0", id, method, params }, options);
    let msg: { result?: unknown; error?: { code?: number; message?: string } };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      throw new HttpError("BadJson", url, `${method}: response is not JSON: ${text.slice(0, 120)}`);
    }
    if (msg === null || typeof msg !== "object") throw new HttpError("BadJson", url, `${method}: response is not an object`);
    if (msg.error) {
      throw new HttpError("JsonRpc", url, `${method}: ${msg.error.message ?? "error"} (code ${msg.error.code ?? "?"})`, {
        rpcCode: msg.error.code,
      });
    }
    if (!("result" in msg)) throw new HttpError("BadJson", url, `${method}: response has neither result nor error`);
    return msg.result;
  }

  private hostOf(url: string): string {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  }

  private async request(url: string, init: RequestInit, options: RequestOptions): Promise<string> {
    const backoff = new Backoff(this.backoffOptions);
    const host = this.hostOf(url);
    for (let attempt = 0; ; attempt++) {
      await this.waitForHost(host, url, options.signal);
      let res: Response;
      let body: string;
      try {
        res = await this.attempt(url, init, options.signal);
        body = await res.text();
      } catch (e) {
        if (options.signal?.aborted) throw new HttpError("Aborted", url, "request cancelled");
        const name = (e as Error).name;
        const failure = name === "TimeoutError" || name === "AbortError"
          ? new HttpError("Timeout", url, `no answer within ${this.timeoutMs} ms`)
          : new HttpError("Network", url, (e as Error).message);
        if (attempt >= this.maxRetries) throw failure;
        await this.pause(url, undefined, backoff.next(), failure.message, options.signal);
        continue;
      }
      if (res.ok) return body;
      const status = res.status;
      if (status === 429 || status === 418) {
        const wait = parseRetryAfter(res.headers.get("retry-after")) ?? backoff.next();
        this.blockedUntil.set(host, Math.max(this.blockedUntil.get(host) ?? 0, Date.now() + wait));
        const failure = new HttpError("RateLimited", url, `HTTP ${status}: ${body.slice(0, 120)}`, { status, retryAfterMs: wait });
        this.onWait?.({ url, status, waitMs: wait, reason: status === 418 ? "IP banned (418)" : "rate limited (429)" });
        if (attempt >= this.maxRetries || wait > this.maxWaitMs) throw failure;
        continue; // the host block makes the next attempt wait
      }
      if (status === 408 || status >= 500) {
        const failure = new HttpError("Status", url, `HTTP ${status}: ${body.slice(0, 120)}`, { status });
        if (attempt >= this.maxRetries) throw failure;
        await this.pause(url, status, backoff.next(), failure.message, options.signal);
        continue;
      }
      throw new HttpError("Status", url, `HTTP ${status}: ${body.slice(0, 200)}`, { status });
    }
  }

  private async waitForHost(host: string, url: string, signal: AbortSignal | undefined): Promise<void> {
    const blocked = (this.blockedUntil.get(host) ?? 0) - Date.now();
    if (blocked <= 0) return;
    if (blocked > this.maxWaitMs) {
      throw new HttpError("RateLimited", url, `host is rate limited for another ${blocked} ms`, { retryAfterMs: blocked });
    }
    if (!(await sleep(blocked, signal))) throw new HttpError("Aborted", url, "request cancelled");
  }

  private async pause(url: string, status: number | undefined, waitMs: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    this.onWait?.({ url, status, waitMs, reason });
    if (!(await sleep(waitMs, signal))) throw new HttpError("Aborted", url, "request cancelled");
  }

  private attempt(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return this.fetchFn(url, { ...init, headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) }, signal: combined });
  }
}

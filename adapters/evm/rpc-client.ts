/**
 * JSON-RPC over HTTP for the live EVM adapter, on the common {@link HttpClient} (timeouts, retries,
 * HTTP 429/418 back-off with `Retry-After`). Wraps it because the adapter needs two things the common
 * client's `rpc()` does not give: the raw response body (so the very same text can be recorded in a
 * capture and replayed through the adapter's `onRest`), and caller-chosen string ids that make each
 * response self-describing in a capture (`"3:logs:100:199"` = session 3, eth_getLogs of blocks 100–199).
 *
 * Every exchange is recorded as a `sent` line (the request body) and a `rest` line (the response body)
 * with the endpoint URL, credentials redacted.
 *
 * @module
 */

import type { CaptureWriter } from "../common/capture.ts";
import { HttpClient, redactUrl } from "../common/http.ts";
import { jsonRpcResult, type JsonRpcCaller } from "./rpc.ts";

/** Options of {@link EvmRpcClient}. */
export interface EvmRpcClientOptions {
  /** HTTP client (default: a new one with the common defaults). */
  http?: HttpClient;
  /** Records each exchange. */
  capture?: CaptureWriter;
  /** Cancels every request of this client (adapter shutdown). */
  signal?: AbortSignal;
}

/** JSON-RPC client with raw bodies, string ids and capture. */
export class EvmRpcClient implements JsonRpcCaller {
  /** Endpoint. */
  readonly url: string;
  /** Endpoint as written in captures (credentials redacted). */
  readonly captureUrl: string;
  private readonly http: HttpClient;
  private readonly capture: CaptureWriter | undefined;
  private readonly signal: AbortSignal | undefined;
  private metaId = 0;
  /** Requests made, by method. */
  readonly calls = new Map<string, number>();

  /** @param url HTTP(S) JSON-RPC endpoint */
  constructor(url: string, options: EvmRpcClientOptions = {}) {
    this.url = url;
    this.captureUrl = redactUrl(url);
    this.http = options.http ?? new HttpClient();
    this.capture = options.capture;
    this.signal = options.signal;
  }

  /** Sends one request with id `id`; resolves to the raw response body (2xx). Rejects with `HttpError`. */
  async request(id: string, method: string, params: readonly unknown[], signal?: AbortSignal): Promise<string> {
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const s = signal && this.signal ? AbortSignal.any([signal, this.signal]) : signal ?? this.signal;
    this.capture?.sent(this.captureUrl, body);
    const text = await this.http.postJson(this.url, body, s ? { signal: s } : {});
    this.capture?.rest(this.captureUrl, text);
    return text;
  }

  /** {@link JsonRpcCaller}: one call, resolving to its `result` (ids `meta:N`). */
  async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const text = await this.request(`meta:${++this.metaId}`, method, params);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${method}: response is not JSON: ${text.slice(0, 120)}`);
    }
    return jsonRpcResult(method, parsed);
  }
}

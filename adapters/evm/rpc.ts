/**
 * JSON-RPC 2.0 over HTTP for the EVM adapter: the small interface the adapter calls
 * ({@link JsonRpcCaller}), typed errors, and request/response helpers shared with the simulator.
 *
 * @module
 */

/** Anything that can make one JSON-RPC call and resolve to its `result`. */
export interface JsonRpcCaller {
  /** Calls `method` with `params`; rejects with {@link JsonRpcError} (node error) or {@link RpcTransportError}. */
  call(method: string, params: readonly unknown[]): Promise<unknown>;
}

/** The node answered with a JSON-RPC `error` object (e.g. `execution reverted`). */
export class JsonRpcError extends Error {
  /** JSON-RPC error code. */
  readonly code: number;
  /** The method called. */
  readonly method: string;
  /** The error's `data`, if any. */
  readonly data: unknown;
  /** @param method the method @param code error code @param message node's message @param data node's data */
  constructor(method: string, code: number, message: string, data?: unknown) {
    super(`${method}: node error ${code}: ${message}`);
    this.name = "JsonRpcError";
    this.method = method;
    this.code = code;
    this.data = data;
  }
}

/** The call did not produce a JSON-RPC answer: network failure, HTTP status, or a body that is not JSON-RPC. */
export class RpcTransportError extends Error {
  /** The method called. */
  readonly method: string;
  /** HTTP status, or 0 when there was no response. */
  readonly status: number;
  /** @param method the method @param status HTTP status or 0 @param message what happened */
  constructor(method: string, status: number, message: string, options?: { cause?: unknown }) {
    super(`${method}: ${message}`, options);
    this.name = "RpcTransportError";
    this.method = method;
    this.status = status;
  }
}

/** A JSON-RPC request object. */
export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: number | string;
  method: string;
  params: readonly unknown[];
}

/**
 * Interprets one parsed JSON-RPC response for `method`: its `result`, or throws
 * {@link JsonRpcError}/{@link RpcTransportError}.
 */
export function jsonRpcResult(method: string, body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RpcTransportError(method, 200, "response is not a JSON-RPC object");
  }
  const b = body as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  if (b.error !== undefined) {
    const e = b.error;
    throw new JsonRpcError(method, typeof e?.code === "number" ? e.code : 0, typeof e?.message === "string" ? e.message : "unknown error", e?.data);
  }
  if (!("result" in b)) throw new RpcTransportError(method, 200, "response has neither result nor error");
  return b.result;
}

/** Observes each HTTP exchange (request body, response body): the capture recorder hooks in here. */
export type RpcExchangeObserver = (url: string, request: string, response: string) => void;

/** Options of {@link HttpJsonRpc}. */
export interface HttpJsonRpcOptions {
  /** Per-call timeout. Default 10 s. */
  timeoutMs?: number;
  /** Sees every request/response body pair (capture). */
  onExchange?: RpcExchangeObserver;
  /** `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** JSON-RPC over HTTP POST with a timeout; no retries (callers decide). */
export class HttpJsonRpc implements JsonRpcCaller {
  /** Endpoint URL. */
  readonly url: string;
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly onExchange: RpcExchangeObserver | undefined;
  private readonly fetchFn: typeof fetch;
  /** Calls made, by method (metrics and tests). */
  readonly calls = new Map<string, number>();

  /** @param url HTTP(S) endpoint of the node */
  constructor(url: string, options: HttpJsonRpcOptions = {}) {
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.onExchange = options.onExchange;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Calls `method`; see {@link JsonRpcCaller.call}. */
  async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const request: JsonRpcRequest = { jsonrpc: "2.0", id: this.nextId++, method, params };
    const body = JSON.stringify(request);
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(this.url, {
        method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      throw new RpcTransportError(method, 0, `request to ${this.url} failed: ${(e as Error).message}`, { cause: e });
    }
    this.onExchange?.(this.url, body, text);
    if (!response.ok) throw new RpcTransportError(method, response.status, `HTTP ${response.status} from ${this.url}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new RpcTransportError(method, response.status, `response is not JSON: ${text.slice(0, 120)}`, { cause: e });
    }
    return jsonRpcResult(method, parsed);
  }
}

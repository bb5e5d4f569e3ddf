/**
 * A minimal WebSocket client interface with one implementation per runtime, chosen once by the entry
 * point (`app/platform/`): Deno's native `WebSocket`, and the `ws` package on Node (Node 20 has no
 * global WebSocket client).
 *
 * Frames reach the adapter as the venue's raw text — never `JSON.parse`d here — so prices can be read
 * from the exact digits the venue sent. Binary frames are decoded as UTF-8 text.
 *
 * @example
 * ```ts
 * const connect = await webSocketConnector();
 * const conn = connect("wss://ws.kraken.com/v2", {
 *   onOpen: () => conn.send('{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"]}}'),
 *   onText: (text) => adapter.onFrame(text),
 *   onClose: (code, reason) => scheduleReconnect(),
 *   onError: (message) => log(message),
 * });
 * ```
 * @module
 */

import { platform, platformService, type PlatformService } from "../../core/platform.ts";

/** Callbacks of one connection. `onClose` is called exactly once, also after a failed connect. */
export interface WebSocketHandlers {
  /** The socket opened. */
  onOpen(): void;
  /** One text frame (binary frames are decoded as UTF-8). */
  onText(text: string): void;
  /** The socket closed (after an error too); called once. */
  onClose(code: number, reason: string): void;
  /** A transport error; `onClose` follows. */
  onError(message: string): void;
}

/** An open (or opening) WebSocket. */
export interface WebSocketConnection {
  /** The URL connected to. */
  readonly url: string;
  /** Sends a text frame; false when the socket is not open (the frame is dropped). */
  send(text: string): boolean;
  /** Closes the socket (code 1000 or 3000–4999). Idempotent. */
  close(code?: number, reason?: string): void;
}

/** Opens a WebSocket to `url` with `handlers`. */
export type WebSocketConnector = (url: string, handlers: WebSocketHandlers) => WebSocketConnection;

const utf8 = new TextDecoder();
const OPEN = 1;

function onceClose(handlers: WebSocketHandlers): (code: number, reason: string) => void {
  let closed = false;
  return (code, reason) => {
    if (closed) return;
    closed = true;
    handlers.onClose(code, reason);
  };
}

/** Connector over the web-standard `WebSocket` (Deno, browsers, Node ≥ 22). */
export function nativeWebSocketConnector(): WebSocketConnector {
  return (url, handlers) => {
    const close = onceClose(handlers);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      queueMicrotask(() => {
        handlers.onError(`cannot open ${url}: ${(e as Error).message}`);
        close(1006, "invalid url");
      });
      return { url, send: () => false, close: () => {} };
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (ev: MessageEvent) => {
      const d = ev.data;
      handlers.onText(typeof d === "string" ? d : utf8.decode(d as ArrayBuffer));
    };
    ws.onerror = (ev: Event) => handlers.onError(`websocket error on ${url}: ${(ev as ErrorEvent).message ?? "transport error"}`);
    ws.onclose = (ev: CloseEvent) => close(ev.code, ev.reason);
    return {
      url,
      send(text) {
        if (ws.readyState !== OPEN) return false;
        ws.send(text);
        return true;
      },
      close(code = 1000, reason = "") {
        try {
          ws.close(code, reason);
        } catch {
          // already closing
        }
      },
    };
  };
}

/** Connector over the `ws` npm package (Node). */
export async function nodeWebSocketConnector(): Promise<WebSocketConnector> {
  const { WebSocket: NodeWebSocket } = await import("ws");
  return (url, handlers) => {
    const close = onceClose(handlers);
    let ws: InstanceType<typeof NodeWebSocket>;
    try {
      ws = new NodeWebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, handshakeTimeout: 30_000 });
    } catch (e) {
      queueMicrotask(() => {
        handlers.onError(`cannot open ${url}: ${(e as Error).message}`);
        close(1006, "invalid url");
      });
      return { url, send: () => false, close: () => {} };
    }
    ws.on("open", () => handlers.onOpen());
    ws.on("message", (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString("utf8")
        : data instanceof ArrayBuffer ? utf8.decode(data) : data.toString("utf8");
      handlers.onText(text);
    });
    ws.on("error", (e) => handlers.onError(`websocket error on ${url}: ${e.message}`));
    ws.on("close", (code, reason) => close(code, reason.toString("utf8")));
    return {
      url,
      send(text) {
        if (ws.readyState !== OPEN) return false;
        ws.send(text);
        return true;
      },
      close(code = 1000, reason = "") {
        try {
          if (ws.readyState === 0) ws.terminate();
          else ws.close(code, reason);
        } catch {
          // already closing
        }
      },
    };
  };
}

/** The key of the WebSocket client in the installed platform (`app/platform/`). */
export const WEBSOCKET_CONNECTOR: PlatformService<WebSocketConnector> = platformService<WebSocketConnector>("WebSocket client (adapters/common/ws.ts)");

/**
 * The connector of the installed platform (native `WebSocket` on Deno, the `ws` package on Node), loaded
 * once. Throws `PlatformNotInstalledError` when the entry point installed no platform.
 */
export function webSocketConnector(): Promise<WebSocketConnector> {
  return platform().load(WEBSOCKET_CONNECTOR);
}

/**
 * A minimal WebSocket client over `node:net` for the API tests, the same on both runtimes: it sees the
 * exact HTTP status of a refused upgrade (503, 502, 421, 401), counts the text frames it receives, and
 * can stop reading (`pause`) to play a slow client. Hand-written because Deno's and Node's WebSocket
 * clients report a refused upgrade differently (Deno's not at all).
 *
 * @module
 */

import { connect, type Socket } from "node:net";

/** A WebSocket connection attempt. */
export interface RawWs {
  /** HTTP status of the upgrade answer (101 when open). */
  readonly status: number;
  /** Body of a refused upgrade (JSON reason), if any. */
  readonly body: string;
  /** Text frames received. */
  readonly frames: number;
  /** Payload bytes of the text frames received. */
  readonly bytes: number;
  /** First text frame, if any. */
  readonly first: string | undefined;
  /** Close code the server sent, if it closed. */
  readonly closeCode: number | undefined;
  /** True once the TCP connection ended. */
  readonly ended: boolean;
  /** Stops reading (the server's queue for this client grows). */
  pause(): void;
  /** Sends a close frame and ends the connection. */
  close(): void;
  /** Drops the connection without a close frame. */
  destroy(): void;
}

/** Opens `ws://127.0.0.1:<port><path>`; resolves once the upgrade was answered. */
export function openRawWs(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let head: Buffer = Buffer.alloc(0);
    let status = 0;
    let body = "";
    let buffer: Buffer = Buffer.alloc(0);
    let answered = false;
    const state = { frames: 0, bytes: 0, first: undefined as string | undefined, closeCode: undefined as number | undefined, ended: false };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`upgrade of ${path} not answered within ${timeoutMs} ms`));
    }, timeoutMs);
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
    const extra = Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(`GET ${path} HTTP/1.1\r\n${extra}upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`);
    const ws: RawWs = {
      get status() { return status; },
      get body() { return body; },
      get frames() { return state.frames; },
      get bytes() { return state.bytes; },
      get first() { return state.first; },
      get closeCode() { return state.closeCode; },
      get ended() { return state.ended; },
      pause: () => socket.pause(),
      close: () => {
        if (!state.ended) {
          const mask = crypto.getRandomValues(new Uint8Array(4));
          const payload = [0x03 ^ mask[0]!, 0xe8 ^ mask[1]!];
          socket.end(Buffer.from([0x88, 0x82, ...mask, ...payload]));
        }
      },
      destroy: () => socket.destroy(),
    };
    const answer = () => {
      answered = true;
      clearTimeout(timer);
      resolve(ws);
    };
    let contentLength = 0;
    let bodyBytes: Buffer = Buffer.alloc(0);
    const refusedBody = () => {
      if (answered || bodyBytes.length < contentLength) return;
      body = bodyBytes.toString("utf8");
      socket.destroy();
      answer();
    };
    const readFrames = () => {
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let len = buffer[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buffer.length < 4) return;
          len = buffer.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buffer.length < 10) return;
          len = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + len) return;
        const payload = buffer.subarray(at, at + len);
        if (opcode === 1) {
          state.frames++;
          state.bytes += len;
          state.first ??= payload.toString("utf8");
        } else if (opcode === 8) {
          state.closeCode = len >= 2 ? payload.readUInt16BE(0) : 1005;
        }
        buffer = buffer.subarray(at + len);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      if (status === 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? 0);
        const rest = head.subarray(end + 4);
        if (status === 101) {
          buffer = rest;
          readFrames();
          answer();
        } else {
          contentLength = Number(/\r\ncontent-length: *(\d+)/i.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? 0);
          bodyBytes = rest;
          refusedBody();
        }
        return;
      }
      if (status === 101) {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        readFrames();
      } else {
        bodyBytes = Buffer.concat([bodyBytes, chunk]);
        refusedBody();
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      state.ended = true;
      if (!answered) {
        if (status !== 0) answer();
        else {
          clearTimeout(timer);
          reject(new Error(`connection for ${path} closed before an answer`));
        }
      }
    });
    socket.on("end", () => {
      if (!answered && status !== 0) answer();
    });
  });
}

/**
 * One HTTP/1.1 request over `node:net`, for tests that must send headers a `fetch` would rewrite or
 * refuse (`Host`, `Origin`) — the same bytes on both runtimes.
 *
 * @module
 */

import { connect } from "node:net";

/** Status and body of a response. */
export interface RawResponse {
  status: number;
  body: string;
}

/** Sends `method path` to 127.0.0.1:port with exactly these headers (plus `connection: close` and the body's length). */
export function rawHttp(port: number, method: string, path: string, headers: Record<string, string>, body = ""): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const payload = Buffer.from(body);
    const lines = Object.entries({ ...headers, connection: "close", ...(payload.length || method !== "GET" ? { "content-length": String(payload.length) } : {}) })
      .map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines}\r\n`), payload]));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const at = text.indexOf("\r\n\r\n");
      let rest = at >= 0 ? text.slice(at + 4) : "";
      if (/\r\ntransfer-encoding: chunked/i.test(text.slice(0, at))) {
        let out = "";
        for (;;) {
          const nl = rest.indexOf("\r\n");
          const size = parseInt(rest.slice(0, nl), 16);
          if (!(size > 0)) break;
          out += rest.slice(nl + 2, nl + 2 + size);
          rest = rest.slice(nl + 2 + size + 2);
        }
        rest = out;
      }
      resolve({ status, body: rest });
    });
  });
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpClient, HttpError, parseRetryAfter } from "../../../adapters/common/http.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;

async function serve(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => handler(req, res, body));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  (server as Server & { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe("HttpClient", () => {
  it("honours Retry-After on 429, holds the host back, then succeeds", async () => {
    const times: number[] = [];
    const base = await serve((_req, res) => {
      times.push(Date.now());
      if (times.length === 1) {
        res.writeHead(429, { "retry-after": "1" });
        res.end('{"code":-1003}');
      } else {
        res.writeHead(200);
        res.end('{"ok":true}');
      }
    });
    const waits: number[] = [];
    const http = new HttpClient({ onWait: (w) => waits.push(w.waitMs) });
    expect(await http.get(`${base}/api/v3/depth`)).toBe('{"ok":true}');
    expect(waits).toEqual([1000]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it("treats 418 (IP ban) as rate limiting and gives up typed when told to wait too long", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(418, { "retry-after": "600" });
      res.end("banned");
    });
    const http = new HttpClient({ maxWaitMs: 1000 });
    const err = await http.get(`${base}/x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).kind).toBe("RateLimited");
    expect((err as HttpError).status).toBe(418);
    expect((err as HttpError).retryAfterMs).toBe(600_000);
  });

  it("retries 5xx with back-off, but not 4xx", async () => {
    let hits = 0;
    const base = await serve((req, res) => {
      hits++;
      if (req.url === "/missing") {
        res.writeHead(404);
        res.end("no");
        return;
      }
      res.writeHead(hits < 3 ? 503 : 200);
      res.end(hits < 3 ? "busy" : "fine");
    });
    const http = new HttpClient({ backoff: { baseMs: 5, capMs: 20 } });
    expect(await http.get(`${base}/flaky`)).toBe("fine");
    expect(hits).toBe(3);
    const err = await http.get(`${base}/missing`).catch((e: unknown) => e);
    expect((err as HttpError).kind).toBe("Status");
    expect((err as HttpError).status).toBe(404);
    expect(hits).toBe(4);
  });

  it("times out typed, and reports network failures typed", async () => {
    const base = await serve(() => {}); // never answers
    const http = new HttpClient({ timeoutMs: 100, maxRetries: 1, backoff: { baseMs: 5, capMs: 10 } });
    const err = await http.get(`${base}/slow`).catch((e: unknown) => e);
    expect((err as HttpError).kind).toBe("Timeout");
    const refused = await new HttpClient({ maxRetries: 0 }).get("http://127.0.0.1:1/").catch((e: unknown) => e);
    expect((refused as HttpError).kind).toBe("Network");
  });

  it("speaks JSON-RPC and turns an error object into a typed error", async () => {
    const base = await serve((_req, res, body) => {
      const req = JSON.parse(body) as { id: number; method: string };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.method === "eth_blockNumber"
        ? JSON.stringify({ jsonrpc: "2.0", id: req.id, result: "0x10" })
        : JSON.stringify({ jsonrpc: "2.0", id: req.id, error: { code: -32601, message: "method not found" } }));
    });
    const http = new HttpClient();
    expect(await http.rpc(base, "eth_blockNumber", [])).toBe("0x10");
    const err = await http.rpc(base, "eth_nope", []).catch((e: unknown) => e);
    expect((err as HttpError).kind).toBe("JsonRpc");
    expect((err as HttpError).rpcCode).toBe(-32601);
  });

  it("parses Retry-After in seconds and as an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

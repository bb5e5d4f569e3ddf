/**
 * A local webhook receiver on 127.0.0.1 for the alerting tests: records every POST body per path and
 * answers each path's first `failFirst` requests with 500 (to prove retries).
 *
 * @module
 */

import { createServer, type Server } from "node:http";

/** One request received. */
export interface Received {
  path: string;
  body: unknown;
  status: number;
}

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** Starts a receiver; the first `failFirst` requests of each path get a 500. */
export async function startReceiver(failFirst = 0): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      const status = n <= failFirst ? 500 : 200;
      received.push({ path, body: JSON.parse(text), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`, received,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/**
 * A stand-in venue on 127.0.0.1: one HTTP server that answers the venue's REST paths and upgrades any
 * path to a WebSocket speaking the venue's protocol, driven by a {@link VenueSim} that steps its market
 * every `stepMs`. Used by the adapter tests (real sockets, the venue's real messages) and by demos.
 *
 * Fault knobs for tests: {@link StandInServer.silent} keeps sockets open but sends nothing (the
 * "hung feed"), {@link StandInServer.dropConnections} cuts every client mid-stream,
 * {@link StandInServer.broadcast} sends arbitrary text (malformed frames, edge values), and the
 * simulator's own `dropNext(symbol)` loses a message (sequence gap, missed book update).
 *
 * Runs on Node and Deno alike (`node:http` + the `ws` package server).
 *
 * @example
 * ```ts
 * const venue = await StandInServer.start(new KrakenSim(7), { stepMs: 20 });
 * const adapter = new KrakenAdapter({ sink, symbols: ["BTC/USD"], url: `${venue.wsUrl}/v2` });
 * // …
 * await venue.close();
 * ```
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { SimClient, VenueSim } from "./venue-sim.ts";

/** Settings of a {@link StandInServer}. */
export interface StandInOptions {
  /** Port (default 0: any free port). */
  port?: number;
  /** Market step interval in ms (default 50). */
  stepMs?: number;
}

interface Conn extends SimClient {
  readonly ws: WebSocket;
}

/** A local venue stand-in. */
export class StandInServer {
  /** The simulated venue. */
  readonly sim: VenueSim;
  /** `ws://127.0.0.1:<port>` (append the venue's path). */
  readonly wsUrl: string;
  /** `http://127.0.0.1:<port>`. */
  readonly restUrl: string;
  /** Port listened on. */
  readonly port: number;
  /** When true, nothing is sent to clients (sockets stay open): an open but silent feed. */
  silent = false;
  /** WebSocket connections accepted so far. */
  connections = 0;
  /** Every text frame clients sent, in order. */
  readonly clientFrames: { client: number; text: string }[] = [];
  /** Every REST request (path and query), in order. */
  readonly restRequests: string[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(sim: VenueSim, http: Server, wss: WebSocketServer, stepMs: number) {
    this.sim = sim;
    this.http = http;
    this.wss = wss;
    this.port = (http.address() as AddressInfo).port;
    this.wsUrl = `ws://127.0.0.1:${this.port}`;
    this.restUrl = `http://127.0.0.1:${this.port}`;
    this.timer = setInterval(() => this.sim.step(Date.now()), stepMs);
  }

  /** Starts a stand-in for `sim` on 127.0.0.1. */
  static async start(sim: VenueSim, options: StandInOptions = {}): Promise<StandInServer> {
    const wss = new WebSocketServer({ noServer: true });
    let self: StandInServer | undefined;
    const http = createServer((req, res) => self?.onRequest(req, res));
    http.on("upgrade", (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => self?.onSocket(ws));
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    self = new StandInServer(sim, http, wss, options.stepMs ?? 50);
    return self;
  }

  /** Clients connected now. */
  get openClients(): number {
    return this.conns.size;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.restUrl);
    this.restRequests.push(`${url.pathname}${url.search}`);
    const answer = this.sim.rest(url.pathname, url.searchParams, Date.now());
    if (!answer) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `no such path ${url.pathname} on the ${this.sim.name} stand-in` }));
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(answer.body);
  }

  private onSocket(ws: WebSocket): void {
    const id = ++this.connections;
    const conn: Conn = {
      id, ws,
      send: (text: string) => {
        if (!this.silent && ws.readyState === ws.OPEN) ws.send(text);
      },
    };
    this.conns.add(conn);
    ws.on("message", (data) => {
      const text = data.toString();
      this.clientFrames.push({ client: id, text });
      this.sim.onClientFrame(conn, text, Date.now());
    });
    ws.on("close", () => {
      this.conns.delete(conn);
      this.sim.onDisconnect(conn);
    });
    ws.on("error", () => {});
    this.sim.onConnect(conn, Date.now());
  }

  /** Sends `text` to every connected client (unless silent). */
  broadcast(text: string): void {
    for (const c of this.conns) c.send(text);
  }

  /** Cuts every client connection at once (no close handshake). */
  dropConnections(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  /** Client frames that contain `needle`. */
  framesContaining(needle: string): string[] {
    return this.clientFrames.filter((f) => f.text.includes(needle)).map((f) => f.text);
  }

  /** Stops stepping, closes every connection and the listener. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    (this.http as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

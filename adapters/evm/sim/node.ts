/**
 * A local stand-in for an Ethereum/Polygon JSON-RPC node, backed by the SIMULATED {@link SimChain}.
 * It speaks the node's real protocol on 127.0.0.1 — HTTP JSON-RPC (single and batch) and WebSocket
 * JSON-RPC with `eth_subscribe`/`eth_unsubscribe` for `logs` and `newHeads`, notifications shaped
 * exactly as geth sends them — so the adapter is tested through its real network code.
 *
 * Methods: eth_chainId, net_version, web3_clientVersion, eth_blockNumber, eth_getBlockByNumber,
 * eth_call, eth_getLogs (range-limited like hosted nodes), eth_maxPriorityFeePerGas, eth_subscribe,
 * eth_unsubscribe. Test controls: mine blocks, reorg, drop every socket, go silent while staying
 * connected, send a raw frame, fail the next calls of a method (JSON-RPC error or HTTP status, e.g. 429),
 * and per-method request counts.
 *
 * @example
 * ```ts
 * const node = await SimNode.start({ chain: { chain: "polygon", seed: 7 } });
 * node.mine(3);                 // subscribers get logs then newHeads
 * node.calls("eth_call");       // how many eth_call requests arrived
 * await node.close();
 * ```
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { blockHeaderJson, quantity, SimChain, type SimBlock, type SimChainOptions, type SimLog } from "./chain.ts";
import { Rng } from "../../../core/prng.ts";

/** Settings of a {@link SimNode}. */
export interface SimNodeOptions {
  /** The chain to serve, or the options to create one. */
  chain: SimChain | SimChainOptions;
  /** Port on 127.0.0.1 (default 0 = any free port). */
  port?: number;
  /** Mine a block every this many ms (default 0 = only when told). */
  autoMineMs?: number;
  /** Make a 1-block reorg every this many auto-mined blocks on average (default 0 = never). */
  autoReorgEvery?: number;
  /** Largest block range `eth_getLogs` serves (default 2000, like hosted nodes). */
  maxLogsRange?: number;
}

/** A scripted failure of the next calls of a method. */
export interface InjectedFailure {
  /** HTTP status to answer with instead (HTTP only; e.g. 429, 503). */
  httpStatus?: number;
  /** `Retry-After` header sent with the status. */
  retryAfter?: string;
  /** JSON-RPC error to answer with instead. */
  rpcError?: { code: number; message: string };
}

interface Subscription {
  readonly id: string;
  readonly kind: "logs" | "newHeads";
  readonly filter: LogFilter;
}

interface LogFilter {
  addresses: Set<string> | undefined;
  topics: (Set<string> | undefined)[];
}

type RpcResult = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

const jsonText = (v: unknown): string => JSON.stringify(v);

/** The simulated node. */
export class SimNode {
  /** The simulated chain served. */
  readonly chain: SimChain;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly subs = new Map<WebSocket, Map<string, Subscription>>();
  private readonly counts = new Map<string, number>();
  private readonly failures = new Map<string, InjectedFailure[]>();
  private readonly rng: Rng;
  private readonly maxLogsRange: number;
  private silent = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private port = 0;
  /** WebSocket connections accepted so far. */
  connections = 0;

  private constructor(options: SimNodeOptions) {
    this.chain = options.chain instanceof SimChain ? options.chain : new SimChain(options.chain);
    this.rng = new Rng(this.chain.chainId * 7919);
    this.maxLogsRange = options.maxLogsRange ?? 2000;
    this.server = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** Starts a node listening on 127.0.0.1. */
  static async start(options: SimNodeOptions): Promise<SimNode> {
    const node = new SimNode(options);
    await new Promise<void>((resolve, reject) => {
      node.server.once("error", reject);
      node.server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    node.port = (node.server.address() as AddressInfo).port;
    if (options.autoMineMs !== undefined && options.autoMineMs > 0) {
      const every = options.autoReorgEvery ?? 0;
      node.timer = setInterval(() => {
        if (every > 0 && node.rng.chance(1 / every)) node.reorg(1);
        else node.mine(1);
      }, options.autoMineMs);
    }
    return node;
  }

  /** HTTP JSON-RPC endpoint. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** WebSocket JSON-RPC endpoint. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Requests received for `method` (HTTP and WebSocket), or all requests when omitted. */
  calls(method?: string): number {
    if (method !== undefined) return this.counts.get(method) ?? 0;
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Open WebSocket clients. */
  get clients(): number {
    return this.subs.size;
  }

  /** Mines `n` blocks and notifies subscribers (logs of a block, then its head — geth's order). */
  mine(n = 1): SimBlock[] {
    const out: SimBlock[] = [];
    for (let i = 0; i < n; i++) {
      const b = this.chain.mineBlock();
      out.push(b);
      this.notifyBlock(b);
    }
    return out;
  }

  /** Reorganises the newest `depth` blocks: subscribers get the removed logs, then the new blocks. */
  reorg(depth = 1): { removed: SimLog[]; added: SimBlock[] } {
    const r = this.chain.reorg(depth);
    for (const log of r.removed) this.notifyLog(log);
    for (const b of r.added) this.notifyBlock(b);
    return r;
  }

  /** Closes every WebSocket abruptly (no close frame), as a network failure would. */
  dropConnections(): void {
    for (const ws of this.subs.keys()) ws.terminate();
    this.subs.clear();
  }

  /** While true, sockets stay open but no notification is sent (a silent feed). Blocks are still mined. */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  /** Sends a raw text frame to every WebSocket client (malformed-frame tests). */
  sendRaw(text: string): void {
    for (const ws of this.subs.keys()) ws.send(text);
  }

  /** Sends an `eth_subscription` notification with `result` on every open subscription of `kind`. */
  sendNotification(kind: "logs" | "newHeads", result: unknown): void {
    for (const [ws, subs] of this.subs) {
      for (const s of subs.values()) if (s.kind === kind) ws.send(notification(s.id, result));
    }
  }

  /** Makes the next `count` calls of `method` fail as described (an `httpStatus` applies to HTTP requests only). */
  failNext(method: string, count: number, failure: InjectedFailure): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(failure);
    this.failures.set(method, list);
  }

  /** Stops mining, closes every socket and the server. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const ws of this.subs.keys()) ws.terminate();
    this.subs.clear();
    this.wss.close();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notifyBlock(b: SimBlock): void {
    for (const log of b.logs) this.notifyLog(log);
    if (this.silent) return;
    const head = blockHeaderJson(b);
    for (const [ws, subs] of this.subs) {
      for (const s of subs.values()) if (s.kind === "newHeads") ws.send(notification(s.id, head));
    }
  }

  private notifyLog(log: SimLog): void {
    if (this.silent) return;
    for (const [ws, subs] of this.subs) {
      for (const s of subs.values()) if (s.kind === "logs" && matches(s.filter, log)) ws.send(notification(s.id, log));
    }
  }

  private count(method: string): void {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
  }

  private takeFailure(method: string): InjectedFailure | undefined {
    const list = this.failures.get(method);
    return list?.shift();
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(405, { "content-type": "text/plain" }).end("JSON-RPC needs POST");
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        res.writeHead(200, { "content-type": "application/json" }).end(jsonText({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      const batch = Array.isArray(parsed);
      const requests = (batch ? parsed : [parsed]) as unknown[];
      for (const r of requests) {
        const method = (r as { method?: unknown })?.method;
        const failure = typeof method === "string" && this.peekHttpFailure(method);
        if (failure) {
          this.count(method as string);
          this.takeFailure(method as string);
          const headers: Record<string, string> = { "content-type": "text/plain" };
          if (failure.retryAfter !== undefined) headers["retry-after"] = failure.retryAfter;
          res.writeHead(failure.httpStatus!, headers).end(`simulated HTTP ${failure.httpStatus}`);
          return;
        }
      }
      const answers = requests.map((r) => this.answer(r, undefined));
      res.writeHead(200, { "content-type": "application/json" }).end(jsonText(batch ? answers : answers[0]));
    });
  }

  private peekHttpFailure(method: string): InjectedFailure | undefined {
    const f = this.failures.get(method)?.[0];
    return f?.httpStatus !== undefined ? f : undefined;
  }

  private onSocket(ws: WebSocket): void {
    this.connections++;
    this.subs.set(ws, new Map());
    ws.on("message", (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        ws.send(jsonText({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      const batch = Array.isArray(parsed);
      const answers = ((batch ? parsed : [parsed]) as unknown[]).map((r) => this.answer(r, ws));
      ws.send(jsonText(batch ? answers : answers[0]));
    });
    ws.on("close", () => this.subs.delete(ws));
    ws.on("error", () => this.subs.delete(ws));
  }

  private answer(request: unknown, ws: WebSocket | undefined): Record<string, unknown> {
    const r = request as { id?: unknown; method?: unknown; params?: unknown };
    const id = r?.id ?? null;
    if (r === null || typeof r !== "object" || typeof r.method !== "string") {
      return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } };
    }
    this.count(r.method);
    // HTTP statuses were applied before dispatch (HTTP only); here only JSON-RPC errors apply.
    const next = this.failures.get(r.method)?.[0];
    const failure = next?.rpcError !== undefined ? this.takeFailure(r.method) : undefined;
    const out = failure?.rpcError !== undefined ? { error: failure.rpcError } : this.dispatch(r.method, Array.isArray(r.params) ? r.params : [], ws);
    return { jsonrpc: "2.0", id, ...out };
  }

  private dispatch(method: string, params: unknown[], ws: WebSocket | undefined): RpcResult {
    const chain = this.chain;
    switch (method) {
      case "eth_chainId": return { result: quantity(chain.chainId) };
      case "net_version": return { result: String(chain.chainId) };
      case "web3_clientVersion": return { result: "AlphaPulse-SimNode/1.0 (SIMULATED chain, not real data)" };
      case "eth_blockNumber": return { result: quantity(chain.head.number) };
      case "eth_maxPriorityFeePerGas": return { result: quantity(chain.priorityFeeWei) };
      case "eth_getBlockByNumber": {
        const n = this.blockTag(params[0]);
        const b = n === undefined ? undefined : chain.block(n);
        if (b === undefined) return { result: null };
        return { result: { ...blockHeaderJson(b), size: "0x400", totalDifficulty: "0x0", uncles: [], transactions: b.transactions } };
      }
      case "eth_call": {
        const call = params[0] as { to?: unknown; data?: unknown; input?: unknown } | undefined;
        const data = call?.data ?? call?.input;
        if (typeof call?.to !== "string" || typeof data !== "string") return { error: { code: -32602, message: "invalid argument 0: missing to/data" } };
        const result = chain.call(call.to, data);
        return result === undefined ? { error: { code: 3, message: "execution reverted", data: "0x" } } : { result };
      }
      case "eth_getLogs": {
        const q = (params[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown; address?: unknown; topics?: unknown };
        const from = this.blockTag(q.fromBlock ?? "latest");
        const to = this.blockTag(q.toBlock ?? "latest");
        if (from === undefined || to === undefined) return { error: { code: -32602, message: "invalid block tag" } };
        if (from > to) return { error: { code: -32000, message: "invalid block range params" } };
        if (to - from + 1 > this.maxLogsRange) {
          return { error: { code: -32005, message: `query exceeds max block range ${this.maxLogsRange}` } };
        }
        const filter = parseFilter(q);
        if (filter === undefined) return { error: { code: -32602, message: "invalid filter" } };
        return { result: chain.logsInRange(from, to).filter((l) => matches(filter, l)) };
      }
      case "eth_subscribe": {
        if (ws === undefined) return { error: { code: -32601, message: "notifications not supported" } };
        const kind = params[0];
        if (kind !== "logs" && kind !== "newHeads") return { error: { code: -32602, message: `unsupported subscription ${String(kind)}` } };
        const filter = kind === "logs" ? parseFilter((params[1] ?? {}) as Record<string, unknown>) : { addresses: undefined, topics: [] };
        if (filter === undefined) return { error: { code: -32602, message: "invalid filter" } };
        const id = this.rng.hex(16);
        this.subs.get(ws)?.set(id, { id, kind, filter });
        return { result: id };
      }
      case "eth_unsubscribe": {
        const id = params[0];
        return { result: typeof id === "string" && ws !== undefined ? (this.subs.get(ws)?.delete(id) ?? false) : false };
      }
      default:
        return { error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    }
  }

  private blockTag(tag: unknown): number | undefined {
    if (tag === "latest" || tag === "pending" || tag === "safe" || tag === "finalized") return this.chain.head.number;
    if (tag === "earliest") return 0;
    if (typeof tag === "string" && /^0x[0-9a-fA-F]+$/.test(tag)) return parseInt(tag, 16);
    return undefined;
  }
}

function notification(id: string, result: unknown): string {
  return jsonText({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: id, result } });
}

function parseFilter(q: { address?: unknown; topics?: unknown }): LogFilter | undefined {
  let addresses: Set<string> | undefined;
  if (typeof q.address === "string") addresses = new Set([q.address.toLowerCase()]);
  else if (Array.isArray(q.address)) addresses = new Set(q.address.map((a) => String(a).toLowerCase()));
  else if (q.address !== undefined && q.address !== null) return undefined;
  const topics: (Set<string> | undefined)[] = [];
  if (q.topics !== undefined && q.topics !== null) {
    if (!Array.isArray(q.topics)) return undefined;
    for (const t of q.topics) {
      if (t === null) topics.push(undefined);
      else if (typeof t === "string") topics.push(new Set([t.toLowerCase()]));
      else if (Array.isArray(t)) topics.push(new Set(t.map((x) => String(x).toLowerCase())));
      else return undefined;
    }
  }
  return { addresses, topics };
}

function matches(f: LogFilter, log: SimLog): boolean {
  if (f.addresses !== undefined && !f.addresses.has(log.address)) return false;
  for (let i = 0; i < f.topics.length; i++) {
    const want = f.topics[i];
    if (want === undefined) continue;
    const got = log.topics[i];
    if (got === undefined || !want.has(got)) return false;
  }
  return true;
}

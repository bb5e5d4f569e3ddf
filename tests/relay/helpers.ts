/**
 * Shared test helpers for relay tests: temporary socket paths, relays with a silent logger, message
 * builders, clients that collect what they receive, and raw connections that speak bytes.
 */

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { AssetType, MessageBuilder, MessageView, pairAssetId, RelayDomain, Side, StreamFramer, TlvType, Venue } from "../../protocol/mod.ts";
import { RelayClient, type RelayClientOptions } from "../../relay/client/client.ts";
import { encodeHello, Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { startRelayServer, type RelayServer, type RelayServerOptions } from "../../relay/server/server.ts";
import { platform } from "../../core/platform.ts";
import { TRANSPORT, type Connection, type Endpoint } from "../../relay/transport/types.ts";

/** True when the tests run inside Deno. */
export const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** A fresh directory under the system temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-relay-"));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a relay on a socket in `dir` with a silent logger. */
export function startTestRelay(dir: string, options: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
  return startRelayServer({
    domain: RelayDomain.MarketData,
    socketPath: path.join(dir, "relay.sock"),
    logger: silentLogger,
    ...options,
  });
}

const BTC_USD = pairAssetId("BTC", "USD");
const PRICE = 6_000_000_000_000n;

/** Builds Trade messages for one source; `price` carries an index so tests can check order. */
export class TradeSource {
  readonly builder = new MessageBuilder(4096);
  readonly source: number;
  readonly domain: number;
  constructor(source: number, domain: number = RelayDomain.MarketData) {
    this.source = source;
    this.domain = domain;
  }
  /** The next Trade (sequence counts up from 1); a view of the builder's buffer. */
  next(index?: number): Uint8Array {
    return this.builder
      .begin(this.domain, this.source)
      .addTrade(BTC_USD, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, index === undefined ? PRICE : BigInt(index), 100n, 0n)
      .finish();
  }
}

/**
 * Publishes Trades of `src` through `pub` in bursts of 50 every ~2 ms for `ms` (`publishFor`), counting
 * them in `sent` (so the last sequence sent is `sent`).
 */
export function steadyPublisher(pub: RelayClient, src: TradeSource): { readonly sent: number; publishFor(ms: number): Promise<void> } {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    async publishFor(ms: number): Promise<void> {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        for (let i = 0; i < 50; i++) pub.publish(src.next(sent++));
        await sleep(2);
      }
    },
  };
}

/** A client of the given role on `socketPath`, silent. */
export function client(socketPath: string, serviceId: number, role: number, extra: Partial<RelayClientOptions> = {}): Promise<RelayClient> {
  return RelayClient.connect({
    endpoint: { kind: "unix", path: socketPath },
    domain: RelayDomain.MarketData,
    serviceId,
    role,
    logger: silentLogger,
    reconnect: { initialMs: 20, maxMs: 200 },
    ...extra,
  });
}

/** Collects messages delivered to `c` (copies of their bytes). */
export function collector(c: RelayClient): { messages: Uint8Array[]; waitFor: (n: number, timeoutMs?: number) => Promise<void> } {
  const messages: Uint8Array[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  c.onMessage((bytes, offset, length) => {
    messages.push(bytes.slice(offset, offset + length));
    if (waiter && messages.length >= waiter.n) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  return {
    messages,
    waitFor(n: number, timeoutMs = 5000): Promise<void> {
      if (messages.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} messages, have ${messages.length}`)), timeoutMs);
        waiter = { n, resolve: () => { clearTimeout(t); resolve(); } };
      });
    },
  };
}

/** The sequences of the Trades delivered to `c`, per source, in arrival order (filled as they arrive). */
export function tradeSequencesBySource(c: RelayClient): Map<number, number[]> {
  const got = new Map<number, number[]>();
  const view = new MessageView();
  c.onMessage((bytes, offset) => {
    view.wrap(bytes, offset);
    if (!view.firstTlv() || view.tlvType !== TlvType.Trade) return;
    const list = got.get(view.source) ?? [];
    list.push(Number(view.sequence));
    got.set(view.source, list);
  });
  return got;
}

/** Header fields of a message, read plainly. */
export function headerOf(m: Uint8Array): { source: number; sequence: bigint; domain: number } {
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  return { domain: m[5]!, source: dv.getUint16(6, true), sequence: dv.getBigUint64(8, true) };
}

/** First TLV type of a message. */
export function firstType(m: Uint8Array): number {
  return m[32] === 255 ? m[34]! : m[32]!;
}

/** A raw connection: writes bytes as given, records every message received and whether it closed. */
export interface RawPeer {
  conn: Connection;
  messages: Uint8Array[];
  closed: Promise<void>;
  isClosed(): boolean;
}

/** Opens a raw connection to `at` (a Unix socket path or any endpoint), optionally sending a Hello first. */
export async function rawPeer(at: string | Endpoint, hello?: { serviceId: number; role: number; token?: string; domain?: number }): Promise<RawPeer> {
  const transport = await platform().load(TRANSPORT);
  const conn = await transport.connect(typeof at === "string" ? { kind: "unix", path: at } : at);
  const framer = new StreamFramer();
  const messages: Uint8Array[] = [];
  let closedFlag = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  conn.setHandlers({
    data: (chunk) => {
      try {
        framer.push(chunk, (b, o, l) => messages.push(b.slice(o, o + l)));
      } catch {
        conn.close(true);
      }
    },
    close: () => {
      closedFlag = true;
      resolveClosed();
    },
  });
  if (hello) conn.write([encodeHello(hello.domain ?? RelayDomain.MarketData, hello.serviceId, hello.role, hello.token ?? "")]);
  return { conn, messages, closed, isClosed: () => closedFlag };
}

/** Resolves when `cond()` holds, polling; rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The argv to run this runtime's TypeScript on `file` with `args`: Node via tsx, Deno via `deno run -A`
 * (so a test under Deno exercises the Deno code path of the child too).
 */
export function tsCommand(file: string, args: readonly string[]): { cmd: string; argv: string[] } {
  return IS_DENO
    ? { cmd: process.execPath, argv: ["run", "-A", file, ...args] }
    : { cmd: process.execPath, argv: ["--import", "tsx", file, ...args] };
}

/** Creates a Unix socket file nobody listens on (a listener process killed with SIGKILL). */
export async function leaveStaleSocket(socketPath: string): Promise<void> {
  const code = `require("node:net").createServer().listen(${JSON.stringify(socketPath)}, () => console.log("up"));`;
  const argv = IS_DENO ? ["eval", code.replace('require("node:net")', '(await import("node:net")).default')] : ["-e", code];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (c) => reject(new Error(`stale-socket helper exited ${c}`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
}

/** A relay running as a real `ap relay` child process. */
export interface RelayProcess {
  child: ChildProcess;
  /** Parsed JSON log lines from its stderr so far. */
  logs: Record<string, unknown>[];
  /** Stops it with SIGTERM and resolves with its final metrics (from the "stopped" log line). */
  stop(): Promise<Record<string, unknown> | undefined>;
  /** Kills it with SIGKILL and waits for the exit. */
  kill9(): Promise<void>;
}

const MAIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../main.ts");

/** Starts `ap relay market-data --socket PATH …` (of `main`, default this checkout's) and resolves once it listens. */
export async function spawnRelay(socketPath: string, extra: readonly string[] = [], main = MAIN): Promise<RelayProcess> {
  const { cmd, argv } = tsCommand(main, ["relay", "market-data", "--socket", socketPath, "--metrics-every", "0", ...extra]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "info" } });
  const logs: Record<string, unknown>[] = [];
  let buffered = "";
  let onLog: (() => void) | undefined;
  child.stderr!.on("data", (d: Uint8Array) => {
    buffered += new TextDecoder().decode(d);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
      onLog?.();
    }
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`relay did not start: ${JSON.stringify(logs)}`)), 20_000);
    onLog = () => {
      if (logs.some((l) => l.msg === "listening")) {
        clearTimeout(t);
        resolve();
      }
    };
    void exited.then(() => {
      clearTimeout(t);
      reject(new Error(`relay exited: ${JSON.stringify(logs)}`));
    });
  });
  onLog = undefined;
  return {
    child,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return logs.find((l) => l.msg === "stopped");
    },
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { Role };

/** A Unix-socket proxy between clients and a relay that a test can stall and cut. */
export interface UnixProxy {
  /** Listens again (after {@link UnixProxy.drop}). */
  open(): Promise<void>;
  /** Cuts every connection and stops listening (clients cannot reconnect until {@link UnixProxy.open}). */
  drop(): Promise<void>;
  /** Stops reading from the relay: its writes back up into its socket, then its outboxes. */
  stall(): void;
}

/** Forwards each connection on `listenPath` to `targetPath` (node:net on both runtimes). */
export async function unixProxy(listenPath: string, targetPath: string): Promise<UnixProxy> {
  const net = await import("node:net");
  const pairs: { down: import("node:net").Socket; up: import("node:net").Socket }[] = [];
  let server: import("node:net").Server | undefined;
  const open = (): Promise<void> => new Promise((resolve) => {
    server = net.createServer((down) => {
      const up = net.connect({ path: targetPath });
      pairs.push({ down, up });
      down.pipe(up);
      up.pipe(down);
      const end = (): void => {
        down.destroy();
        up.destroy();
      };
      down.on("error", end).on("close", end);
      up.on("error", end).on("close", end);
    });
    server.listen(listenPath, resolve);
  });
  await open();
  return {
    open,
    async drop() {
      const closed = new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
      for (const { down, up } of pairs.splice(0)) {
        down.destroy();
        up.destroy();
      }
      await closed;
    },
    stall() {
      for (const { down, up } of pairs) {
        up.unpipe(down);
        up.pause();
      }
    },
  };
}

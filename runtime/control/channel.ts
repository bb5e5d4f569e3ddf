/**
 * Control channel: a small request/response protocol between the runtime's processes (API ↔ supervisor,
 * API ↔ strategy/execution services) over a Unix socket, one JSON object per line. It carries control
 * only (kill switch, limits, restarts, snapshots) — market data never goes here, it rides the relays.
 *
 * Request `{"id":1,"op":"setKillSwitch","args":{...}}`, reply `{"id":1,"ok":true,"result":…}` or
 * `{"id":1,"ok":false,"error":{"kind":"NotFound","message":"…"}}`. Built on the relay transport, so each
 * runtime uses its own sockets.
 *
 * @example
 * ```ts
 * const server = await serveControl(path, { ping: async () => "pong" });
 * const client = await connectControl(path);
 * await client.call("ping"); // "pong"
 * ```
 * @module
 */

import { prepareSocketPath, restrictSocket } from "../../relay/wire/socket-paths.ts";
import { platform } from "../../core/platform.ts";
import { TRANSPORT, type Connection, type Listener } from "../../relay/transport/types.ts";

/** A handler of one operation. */
export type ControlHandler = (args: Record<string, unknown>) => Promise<unknown>;

/** An error a control call returns, carried across the process boundary with its kind. */
export class ControlError extends Error {
  /** `NotFound`, `BadRequest`, `Unavailable`, `Timeout` or `Internal`. */
  readonly kind: string;
  /** For `BadRequest`: the path of the offending input field (`maxOrderNotional`), if known. */
  readonly path: string | undefined;
  /** @param kind category @param message what and why @param path offending field */
  constructor(kind: string, message: string, path?: string) {
    super(message);
    this.name = "ControlError";
    this.kind = kind;
    this.path = path;
  }
}

const encoder = new TextEncoder();
const MAX_LINE = 1024 * 1024;

/** Splits a byte stream into UTF-8 lines; a line longer than 1 MiB closes the connection. */
function lineReader(onLine: (line: string) => void, onTooLong: () => void): (chunk: Uint8Array) => void {
  const decoder = new TextDecoder();
  let buffer = "";
  return (chunk) => {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
    if (buffer.length > MAX_LINE) onTooLong();
  };
}

function send(conn: Connection, value: unknown): void {
  conn.write([encoder.encode(JSON.stringify(value) + "\n")]);
}

/** A listening control server. */
export interface ControlServer {
  /** Socket path. */
  readonly path: string;
  /** Stops listening and closes open control connections. */
  close(): Promise<void>;
}

/** Serves `handlers` on a Unix socket at `path` (mode 0600; a stale socket file is replaced). */
export async function serveControl(path: string, handlers: Record<string, ControlHandler>): Promise<ControlServer> {
  const transport = await platform().load(TRANSPORT);
  await prepareSocketPath(path, transport);
  const open = new Set<Connection>();
  const listener: Listener = await transport.listen({ kind: "unix", path }, (conn) => {
    open.add(conn);
    conn.setHandlers({
      data: lineReader(async (line) => {
        let id: unknown = null;
        try {
          const req = JSON.parse(line) as { id?: unknown; op?: unknown; args?: unknown };
          id = req.id ?? null;
          const handler = typeof req.op === "string" && Object.hasOwn(handlers, req.op) ? handlers[req.op] : undefined;
          if (!handler) throw new ControlError("BadRequest", `unknown control operation ${JSON.stringify(req.op)}`);
          const args = req.args && typeof req.args === "object" ? (req.args as Record<string, unknown>) : {};
          send(conn, { id, ok: true, result: (await handler(args)) ?? null });
        } catch (e) {
          const kind = e instanceof ControlError ? e.kind : e instanceof SyntaxError ? "BadRequest" : "Internal";
          const message = e instanceof Error ? e.message : String(e);
          const path = e instanceof ControlError ? e.path : undefined;
          send(conn, { id, ok: false, error: { kind, message, path } });
        }
      }, () => conn.close(true)),
      close: () => open.delete(conn),
    });
  });
  restrictSocket(path);
  return {
    path,
    async close() {
      await listener.close();
      for (const c of open) c.close(true);
      open.clear();
    },
  };
}

/** A connected control client. */
export interface ControlClient {
  /** Calls `op`; rejects with {@link ControlError} (`Timeout` after `timeoutMs`, `Unavailable` if the peer is gone). */
  call(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /** Closes the connection. */
  close(): void;
}

/** Connects to a control server at `path`; rejects with `Unavailable` when nothing answers. */
export async function connectControl(path: string): Promise<ControlClient> {
  const transport = await platform().load(TRANSPORT);
  let conn: Connection;
  try {
    conn = await transport.connect({ kind: "unix", path });
  } catch (e) {
    throw new ControlError("Unavailable", `no control server at ${path}: ${(e as Error).message}`);
  }
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  const failAll = (why: string) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ControlError("Unavailable", why));
    }
    pending.clear();
  };
  conn.setHandlers({
    data: lineReader((line) => {
      let reply: { id?: number; ok?: boolean; result?: unknown; error?: { kind?: string; message?: string; path?: string } };
      try {
        reply = JSON.parse(line);
      } catch {
        return;
      }
      const p = typeof reply.id === "number" ? pending.get(reply.id) : undefined;
      if (!p) return;
      pending.delete(reply.id!);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new ControlError(reply.error?.kind ?? "Internal", reply.error?.message ?? "control call failed", reply.error?.path));
    }, () => conn.close(true)),
    close: () => failAll(`control connection to ${path} closed`),
  });
  return {
    call(op, args = {}, timeoutMs = 5_000) {
      if (conn.closed) return Promise.reject(new ControlError("Unavailable", `control connection to ${path} is closed`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ControlError("Timeout", `${op} on ${path} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        send(conn, { id, op, args });
      });
    },
    close() {
      conn.close();
    },
  };
}

/** One-shot call: connect, call, close. */
export async function callControl(path: string, op: string, args: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<unknown> {
  const client = await connectControl(path);
  try {
    return await client.call(op, args, timeoutMs);
  } finally {
    client.close();
  }
}

/**
 * {@link Transport} on Deno's own sockets (`Deno.listen`, `Deno.connect`, `Deno.listenTls`,
 * `Deno.connectTls`), which measured several times faster under Deno than its `node:net` layer.
 *
 * Reads go into a 64 KiB arena at increasing offsets and each read's bytes are handed out as a fresh
 * range that is never written again (a new arena is taken when the rest is small), so receivers may
 * keep slices without a copy per read. Writes are queued; one write is in flight at a time, and what
 * queued meanwhile goes out as one concatenated write.
 *
 * The repository's type-check has no Deno types, so the small part of the Deno API used here is
 * declared below and reached through `globalThis`.
 *
 * @module
 */

import { SocketEndpointError, type Connection, type ConnectionHandlers, type Endpoint, type Listener, type SocketEndpoint, type Transport } from "./types.ts";

interface DenoAddr {
  transport: string;
  hostname?: string;
  port?: number;
  path?: string;
}

interface DenoConn {
  readonly remoteAddr: DenoAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  handshake?(): Promise<unknown>;
}

interface DenoListener {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}

interface DenoNet {
  listen(o: { transport: "unix"; path: string } | { transport: "tcp"; hostname: string; port: number }): DenoListener;
  listenTls(o: { hostname: string; port: number; cert: string; key: string; transport?: "tcp" }): DenoListener;
  connect(o: { transport: "unix"; path: string } | { transport: "tcp"; hostname: string; port: number }): Promise<DenoConn>;
  connectTls(o: { hostname: string; port: number; caCerts?: string[] }): Promise<DenoConn>;
}

function deno(): DenoNet {
  const d = (globalThis as unknown as { Deno?: DenoNet }).Deno;
  if (!d) throw new Error("the Deno transport needs the Deno runtime");
  return d;
}

const ARENA_SIZE = 64 * 1024;
const MIN_READ = 16 * 1024;

class DenoConnection implements Connection {
  readonly peer: string;
  readonly secure: boolean;
  private readonly conn: DenoConn;
  private handlers: ConnectionHandlers | undefined;
  private arena = new Uint8Array(ARENA_SIZE);
  private arenaPos = 0;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private inflight = 0;
  private writing = false;
  private closing = false;
  private done = false;
  private paused = false;
  private wake: (() => void) | undefined;

  constructor(conn: DenoConn, peer: string, secure: boolean) {
    this.conn = conn;
    this.peer = peer;
    this.secure = secure;
    if (!peer.startsWith("unix:")) {
      try {
        conn.setNoDelay?.(true);
      } catch {
        // not a TCP stream
      }
    }
  }

  get pendingBytes(): number {
    return this.queuedBytes + this.inflight;
  }

  get closed(): boolean {
    return this.done;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const conn = this.conn;
    let error: Error | undefined;
    try {
      while (!this.done) {
        if (this.paused) {
          await new Promise<void>((res) => {
            this.wake = res;
          });
          continue;
        }
        if (ARENA_SIZE - this.arenaPos < MIN_READ) {
          this.arena = new Uint8Array(ARENA_SIZE);
          this.arenaPos = 0;
        }
        const view = this.arena.subarray(this.arenaPos);
        const n = await conn.read(view);
        if (n === null) break;
        if (n === 0) continue;
        const chunk = this.arena.subarray(this.arenaPos, this.arenaPos + n);
        this.arenaPos += n;
        this.handlers!.data(chunk);
      }
    } catch (e) {
      if (!this.done) error = e instanceof Error ? e : new Error(String(e));
    }
    this.finish(error);
  }

  write(chunks: readonly Uint8Array[]): void {
    if (this.done || this.closing) return;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.length === 0) continue;
      this.queue.push(c);
      this.queuedBytes += c.length;
    }
    if (!this.writing && this.queue.length > 0) void this.pump();
  }

  private async pump(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.done) {
        const q = this.queue;
        let buf: Uint8Array;
        if (q.length === 1) {
          buf = q[0]!;
        } else {
          buf = new Uint8Array(this.queuedBytes);
          let off = 0;
          for (let i = 0; i < q.length; i++) {
            buf.set(q[i]!, off);
            off += q[i]!.length;
          }
        }
        this.queue = [];
        this.queuedBytes = 0;
        this.inflight = buf.length;
        let off = 0;
        while (off < buf.length) {
          const n = await this.conn.write(off === 0 ? buf : buf.subarray(off));
          off += n;
          this.inflight -= n;
        }
      }
    } catch (e) {
      this.writing = false;
      this.inflight = 0;
      if (!this.done) this.abort(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.writing = false;
    if (this.done) return;
    if (this.closing) {
      this.abort();
      return;
    }
    this.handlers?.drain?.();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  close(abort = false): void {
    if (this.done) return;
    if (!abort && this.writing) {
      this.closing = true;
      // A peer that never reads would keep the write pending forever: bound the graceful part.
      const t = setTimeout(() => this.abort(), 5000) as unknown as { unref?: () => void };
      t.unref?.();
      return;
    }
    this.abort();
  }

  private abort(error?: Error): void {
    if (this.done) return;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    this.finish(error);
  }

  private finish(error?: Error): void {
    if (this.done) {
      return;
    }
    this.done = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    this.queue = [];
    this.queuedBytes = 0;
    const w = this.wake;
    this.wake = undefined;
    w?.();
    this.handlers?.close(error);
  }
}

function peerOf(conn: DenoConn, endpoint: SocketEndpoint): string {
  if (endpoint.kind === "unix") return `unix:${endpoint.path}`;
  const a = conn.remoteAddr;
  return `${endpoint.tls ? "tls" : "tcp"}:${a.hostname ?? "?"}:${a.port ?? "?"}`;
}

/** The Deno implementation of {@link Transport}. */
export const denoTransport: Transport = {
  name: "deno",

  listen(endpoint: Endpoint, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (endpoint.kind === "ring" || endpoint.kind === "inproc") return Promise.reject(new SocketEndpointError("deno"));
    const d = deno();
    let listener: DenoListener;
    try {
      if (endpoint.kind === "unix") {
        listener = d.listen({ transport: "unix", path: endpoint.path });
      } else if (endpoint.tls) {
        const t = endpoint.tls;
        if (!t.cert || !t.key) throw new Error("a TLS listener needs a certificate and a key");
        listener = d.listenTls({ hostname: endpoint.host, port: endpoint.port, cert: t.cert, key: t.key });
      } else {
        listener = d.listen({ transport: "tcp", hostname: endpoint.host, port: endpoint.port });
      }
    } catch (e) {
      return Promise.reject(e);
    }
    let open = true;
    const secure = endpoint.kind === "tcp" && endpoint.tls !== undefined;
    void (async () => {
      while (open) {
        let conn: DenoConn;
        try {
          conn = await listener.accept();
        } catch {
          if (!open) return;
          // A failed accept (e.g. a TLS handshake gone wrong) concerns that client only.
          continue;
        }
        onConnection(new DenoConnection(conn, peerOf(conn, endpoint), secure));
      }
    })();
    const actual: Endpoint = endpoint.kind === "tcp" ? { ...endpoint, port: listener.addr.port ?? endpoint.port } : endpoint;
    return Promise.resolve({
      endpoint: actual,
      close: () => {
        if (open) {
          open = false;
          try {
            listener.close();
          } catch {
            // already closed
          }
        }
        return Promise.resolve();
      },
    });
  },

  async connect(endpoint: Endpoint): Promise<Connection> {
    if (endpoint.kind === "ring" || endpoint.kind === "inproc") throw new SocketEndpointError("deno");
    const d = deno();
    if (endpoint.kind === "unix") {
      const conn = await d.connect({ transport: "unix", path: endpoint.path });
      return new DenoConnection(conn, `unix:${endpoint.path}`, false);
    }
    if (endpoint.tls) {
      const ca = endpoint.tls.ca;
      const conn = await d.connectTls({ hostname: endpoint.tls.serverName ?? endpoint.host, port: endpoint.port, ...(ca ? { caCerts: [ca] } : {}) });
      // Surface certificate errors here rather than on the first read.
      await conn.handshake?.();
      return new DenoConnection(conn, `tls:${endpoint.host}:${endpoint.port}`, true);
    }
    const conn = await d.connect({ transport: "tcp", hostname: endpoint.host, port: endpoint.port });
    return new DenoConnection(conn, `tcp:${endpoint.host}:${endpoint.port}`, false);
  },
};

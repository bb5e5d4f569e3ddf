/**
 * {@link Transport} on Node's `node:net` and `node:tls`.
 *
 * Reads deliver Node's own per-read buffers (fresh for every read, so slices may be kept). A write batch
 * is corked and uncorked, so Node hands it to the kernel as one `writev`.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import { SocketEndpointError, type Connection, type ConnectionHandlers, type Endpoint, type Listener, type SocketEndpoint, type Transport } from "./types.ts";

class NodeConnection implements Connection {
  readonly peer: string;
  readonly secure: boolean;
  private readonly socket: net.Socket;
  private handlers: ConnectionHandlers | undefined;
  private error: Error | undefined;
  private done = false;
  private readonly afterWrite = (): void => {
    if (this.socket.writableLength === 0) this.handlers?.drain?.();
  };

  constructor(socket: net.Socket, peer: string, secure: boolean) {
    this.socket = socket;
    this.peer = peer;
    this.secure = secure;
    socket.pause();
    if (socket instanceof net.Socket && !peer.startsWith("unix:")) socket.setNoDelay(true);
    socket.on("error", (e: Error) => {
      this.error ??= e;
    });
    socket.on("close", () => {
      if (this.done) return;
      this.done = true;
      this.handlers?.close(this.error);
    });
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  get closed(): boolean {
    return this.done || this.socket.destroyed;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.socket.on("data", (chunk: Uint8Array) => handlers.data(chunk));
    this.socket.resume();
  }

  write(chunks: readonly Uint8Array[]): void {
    const s = this.socket;
    if (this.done || s.destroyed || !s.writable) return;
    const n = chunks.length;
    if (n === 1) {
      s.write(chunks[0]!, this.afterWrite);
      return;
    }
    s.cork();
    for (let i = 0; i < n - 1; i++) s.write(chunks[i]!);
    s.write(chunks[n - 1]!, this.afterWrite);
    s.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(abort = false): void {
    const s = this.socket;
    if (s.destroyed) return;
    if (abort) {
      s.destroy();
      return;
    }
    s.end(() => s.destroy());
    // A peer that never reads would keep the socket half-open forever: bound the graceful part.
    setTimeout(() => s.destroy(), 5000).unref();
  }
}

function peerOf(socket: net.Socket, endpoint: SocketEndpoint): string {
  if (endpoint.kind === "unix") return `unix:${endpoint.path}`;
  return `${endpoint.tls ? "tls" : "tcp"}:${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
}

/** The Node implementation of {@link Transport}. */
export const nodeTransport: Transport = {
  name: "node",

  listen(endpoint: Endpoint, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (endpoint.kind === "ring" || endpoint.kind === "inproc") return Promise.reject(new SocketEndpointError("node"));
    return new Promise((resolve, reject) => {
      let server: net.Server;
      if (endpoint.kind === "tcp" && endpoint.tls) {
        const t = endpoint.tls;
        if (!t.cert || !t.key) {
          reject(new Error("a TLS listener needs a certificate and a key"));
          return;
        }
        server = tls.createServer({ cert: t.cert, key: t.key, minVersion: "TLSv1.3" }, (socket) => {
          onConnection(new NodeConnection(socket, peerOf(socket, endpoint), true));
        });
        // A failed handshake is the client's problem, never the listener's.
        server.on("tlsClientError", () => {});
      } else {
        server = net.createServer((socket) => onConnection(new NodeConnection(socket, peerOf(socket, endpoint), false)));
      }
      server.once("error", reject);
      const ready = (): void => {
        server.off("error", reject);
        server.on("error", () => {});
        let actual: Endpoint = endpoint;
        if (endpoint.kind === "tcp") {
          const addr = server.address();
          if (addr !== null && typeof addr === "object") actual = { ...endpoint, port: addr.port };
        }
        resolve({
          endpoint: actual,
          close: () => new Promise<void>((res) => {
            server.close(() => {});
            res();
          }),
        });
      };
      if (endpoint.kind === "unix") server.listen(endpoint.path, ready);
      else server.listen(endpoint.port, endpoint.host, ready);
    });
  },

  connect(endpoint: Endpoint): Promise<Connection> {
    if (endpoint.kind === "ring" || endpoint.kind === "inproc") return Promise.reject(new SocketEndpointError("node"));
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      const fail = (e: Error): void => {
        socket.destroy();
        reject(e);
      };
      if (endpoint.kind === "unix") {
        socket = net.connect({ path: endpoint.path }, () => {
          socket.off("error", fail);
          resolve(new NodeConnection(socket, `unix:${endpoint.path}`, false));
        });
      } else if (endpoint.tls) {
        const t = endpoint.tls;
        socket = tls.connect(
          {
            host: endpoint.host,
            port: endpoint.port,
            ca: t.ca,
            servername: t.serverName ?? (net.isIP(endpoint.host) ? undefined : endpoint.host),
            minVersion: "TLSv1.3",
          },
          () => {
            socket.off("error", fail);
            resolve(new NodeConnection(socket, `tls:${endpoint.host}:${endpoint.port}`, true));
          },
        );
      } else {
        socket = net.connect({ host: endpoint.host, port: endpoint.port }, () => {
          socket.off("error", fail);
          resolve(new NodeConnection(socket, `tcp:${endpoint.host}:${endpoint.port}`, false));
        });
      }
      socket.once("error", fail);
    });
  },
};

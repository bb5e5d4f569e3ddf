/**
 * Runs a local `nats-server` with JetStream for the NATS bridge's tests and benchmark: on 127.0.0.1, a
 * free port, a store directory of its own; stop (SIGKILL, as a crash) and start again on the same port
 * and store.
 *
 * @example
 * ```ts
 * const nats = await startNatsServer();
 * if (!nats) console.log("nats-server not installed");
 * else { …nats.url…; await nats.kill(); await nats.start(); await nats.close(); }
 * ```
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";

/** The `nats-server` binary on PATH (or the usual Debian places), or undefined. */
export function findNatsServer(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/usr/local/bin"])) {
    if (!dir) continue;
    const p = path.join(dir, "nats-server");
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free when asked; bind soon). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/** A running (or stopped) local nats-server. */
export interface LocalNatsServer {
  /** Its port. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** JetStream store directory. */
  readonly storeDir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Kills the process with SIGKILL (a crash: no goodbye to clients) and waits for its exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills it and removes the store directory. */
  close(): Promise<void>;
}

/** Starts nats-server with JetStream, or resolves undefined when the binary is not installed. */
export async function startNatsServer(options: { port?: number; log?: (line: string) => void } = {}): Promise<LocalNatsServer | undefined> {
  const bin = findNatsServer();
  if (bin === undefined) return undefined;
  const port = options.port ?? (await freePort());
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-nats-"));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async (): Promise<void> => {
    const c = spawn(bin, ["-js", "-sd", storeDir, "-a", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    child = c;
    // Never leave a server behind, even when the owner dies of an uncaught error.
    const reap = (): void => void c.kill("SIGKILL");
    process.once("exit", reap);
    exited = new Promise<void>((resolve) => c.once("exit", () => {
      process.off("exit", reap);
      resolve();
    }));
    const stderr: string[] = [];
    c.stderr!.on("data", (d: Uint8Array) => {
      const text = new TextDecoder().decode(d);
      if (stderr.length < 200) stderr.push(text);
      options.log?.(text);
    });
    const end = Date.now() + 10_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`nats-server exited (${c.exitCode}): ${stderr.join("").slice(-1500)}`);
      if (await canConnect(port)) return;
      if (Date.now() > end) {
        c.kill("SIGKILL");
        throw new Error(`nats-server did not listen on 127.0.0.1:${port} within 10 s: ${stderr.join("").slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    kill,
    start,
    async close() {
      await kill();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

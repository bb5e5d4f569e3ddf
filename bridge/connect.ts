/**
 * Opening the bridge's NATS connection: servers, credentials and TLS from the config with the usual
 * NATS environment variables as fallback, reconnect forever with exponential backoff and jitter.
 *
 * Environment fallbacks (the names the `nats` CLI uses; a config value wins): `NATS_URL`,
 * `NATS_CREDS` (a `.creds` file: JWT + NKey seed), `NATS_TOKEN`, `NATS_USER` + `NATS_PASSWORD`,
 * `NATS_CA`, `NATS_CERT`, `NATS_KEY` (PEM files). Secrets never come from the command line.
 *
 * The client is `@nats-io/transport-node`, on Node and on Deno alike: `@nats-io/transport-deno` is
 * published on JSR only (not on npm, the one registry this project uses), and the Node transport runs
 * under Deno's `node:net`/`node:tls`.
 *
 * @module
 */

import fs from "node:fs";
import process from "node:process";
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";

/** PEM files for TLS to the NATS server. */
export interface NatsTlsFiles {
  /** CA certificate(s) that signed the server's certificate. */
  ca?: string;
  /** Client certificate (mutual TLS). */
  cert?: string;
  /** Client private key (mutual TLS). */
  key?: string;
}

/** Where and how to connect to NATS. */
export interface NatsConnectOptions {
  /** Server URL(s), e.g. `nats://10.0.0.5:4222` or `tls://nats.example:4222`; comma-separated allowed. */
  url?: string;
  /** A NATS `.creds` file (decentralised JWT auth). */
  credsFile?: string;
  /** Token auth. */
  token?: string;
  /** User/password auth. */
  user?: string;
  /** Password for `user`. */
  password?: string;
  /** TLS files; presence of any of them requires TLS. */
  tls?: NatsTlsFiles;
  /** Connection name shown in the server's monitoring. */
  name?: string;
  /** Reconnect backoff (default 100 ms doubling to 5 s, with jitter). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Server ping interval in ms (default 5000: a dead link is noticed within ~15 s even without a reset). */
  pingIntervalMs?: number;
}

/** A setting that cannot be used (unreadable creds file, …). */
export class NatsConfigError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "NatsConfigError";
  }
}

/** `options` completed from the environment (config values win). */
export function withNatsEnv(options: NatsConnectOptions, env: Record<string, string | undefined> = process.env): NatsConnectOptions {
  const tls: NatsTlsFiles = { ...options.tls };
  if (tls.ca === undefined && env.NATS_CA) tls.ca = env.NATS_CA;
  if (tls.cert === undefined && env.NATS_CERT) tls.cert = env.NATS_CERT;
  if (tls.key === undefined && env.NATS_KEY) tls.key = env.NATS_KEY;
  const out: NatsConnectOptions = { ...options };
  if (!out.url && env.NATS_URL) out.url = env.NATS_URL;
  if (out.credsFile === undefined && env.NATS_CREDS) out.credsFile = env.NATS_CREDS;
  if (out.token === undefined && env.NATS_TOKEN) out.token = env.NATS_TOKEN;
  if (out.user === undefined && env.NATS_USER) {
    out.user = env.NATS_USER;
    if (out.password === undefined && env.NATS_PASSWORD) out.password = env.NATS_PASSWORD;
  }
  if (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined) out.tls = tls;
  return out;
}

/** An exponential backoff with jitter; `reset()` after a success. */
export function exponentialBackoff(initialMs = 100, maxMs = 5000): { next(): number; reset(): void } {
  let attempt = 0;
  return {
    next() {
      const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt++, 30));
      return Math.round(base / 2 + Math.random() * (base / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** The nats.js options for `options` (credentials read now; throws {@link NatsConfigError} when unreadable). */
export function natsClientOptions(options: NatsConnectOptions): { options: NodeConnectionOptions; backoff: { reset(): void } } {
  const backoff = exponentialBackoff(options.reconnect?.initialMs ?? 100, options.reconnect?.maxMs ?? 5000);
  const servers = (options.url ?? "nats://127.0.0.1:4222").split(",").map((s) => s.trim()).filter(Boolean);
  const o: NodeConnectionOptions = {
    servers,
    name: options.name ?? "alphapulse",
    noEcho: true,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => backoff.next(),
    pingInterval: options.pingIntervalMs ?? 5000,
    maxPingOut: 3,
    timeout: 5000,
  };
  if (options.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = fs.readFileSync(options.credsFile);
    } catch (e) {
      throw new NatsConfigError(`cannot read NATS creds file ${options.credsFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
    o.authenticator = credsAuthenticator(creds);
  }
  if (options.token !== undefined) o.token = options.token;
  if (options.user !== undefined) {
    o.user = options.user;
    if (options.password !== undefined) o.pass = options.password;
  }
  if (options.tls !== undefined) {
    for (const [k, f] of Object.entries(options.tls)) {
      if (f !== undefined && !fs.existsSync(f)) throw new NatsConfigError(`NATS TLS ${k} file ${f} does not exist`);
    }
    o.tls = {
      ...(options.tls.ca !== undefined ? { caFile: options.tls.ca } : {}),
      ...(options.tls.cert !== undefined ? { certFile: options.tls.cert } : {}),
      ...(options.tls.key !== undefined ? { keyFile: options.tls.key } : {}),
    };
  }
  return { options: o, backoff };
}

/**
 * Connects, waiting (with backoff, forever) until a server answers; afterwards the client reconnects by
 * itself. Use {@link natsClientOptions} + `connect` directly for a single attempt.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const { options: o, backoff } = natsClientOptions(options);
  const nc = await connect(o);
  backoff.reset();
  return nc;
}

/** One attempt: rejects when no server answers within `timeoutMs` (for commands, not services). */
export async function connectNatsOnce(options: NatsConnectOptions, timeoutMs = 5000): Promise<NatsConnection> {
  const { options: o } = natsClientOptions(options);
  return connect({ ...o, waitOnFirstConnect: false, maxReconnectAttempts: 0, reconnect: false, timeout: timeoutMs });
}

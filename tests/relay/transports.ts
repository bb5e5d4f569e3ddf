/**
 * The transports the relay and client suites run over, as one list of cases (issue 19): each case makes a
 * relay listen on its endpoint (besides the Unix socket every relay server has) and says how clients and
 * raw connections reach it — Unix socket, plain TCP on 127.0.0.1 with a Hello token, TLS with a throw-away
 * certificate, and shared-memory rings (the server's `localEndpoints`). A new transport is one more entry
 * of {@link TRANSPORT_CASES}; the suites (`transports-relay.test.ts`, `transports-client.test.ts`) take
 * every entry unchanged.
 *
 * Every relay started here runs on a transport wrapped by a {@link Link}: it records the server side of
 * each accepted connection so a test can cut chosen ones and refuse new ones for a while, the same way
 * on every transport (a reconnect test needs no per-transport proxy).
 */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import process from "node:process";
import { RelayDomain } from "../../protocol/mod.ts";
import { platform } from "../../core/platform.ts";
import type { RelayClient, RelayClientOptions } from "../../relay/client/client.ts";
import type { ConnectOptions } from "../../relay/client/mod.ts";
import type { RelayServer, RelayServerOptions } from "../../relay/server/server.ts";
import { TRANSPORT, type Connection, type Endpoint, type Transport } from "../../relay/transport/types.ts";
import { client, rawPeer, startTestRelay, tempDir, type RawPeer } from "./helpers.ts";

/** The Hello token of the TCP and TLS cases. */
export const CASE_TOKEN = "correct horse battery staple";

/** What a case has to work with when it starts a relay: a fresh directory and the run's shared material. */
export interface CaseContext {
  /** A fresh temporary directory for this relay (its socket lives there). */
  readonly dir: string;
  /** A name unique in this process for this relay (e.g. a ring name). */
  readonly name: string;
}

/** One way to reach a relay. */
export interface TransportCase {
  /** Name in test titles: `unix`, `tcp`, `tls`, `ring`, … */
  readonly name: string;
  /** Hello token clients of this case send (the relay requires one on TCP). */
  readonly token?: string;
  /** Server options that make the relay listen on this case's endpoint. */
  listen(ctx: CaseContext): Partial<RelayServerOptions>;
  /**
   * The endpoint clients connect to. `ringBytes` sizes the rings of a ring connection (a peer that should
   * fill fast); other transports ignore it.
   */
  endpoint(server: RelayServer, ctx: CaseContext, ringBytes?: number): Endpoint;
  /**
   * Options for relay/client/mod.ts `connect` that reach this endpoint: a `url` where the transport has a
   * URL scheme; otherwise `transport` carries the connect to the endpoint.
   */
  connectOptions(endpoint: Endpoint, transport: Transport): ConnectOptions;
}

let certificate: { ca: string; cert: string; key: string } | undefined;

/**
 * A throw-away CA and a relay certificate for 127.0.0.1 signed by it, made with the openssl CLI (no key is
 * ever committed). A separate CA is needed: rustls (Deno) refuses a CA certificate as a leaf.
 */
export function makeCertificate(dir: string): { ca: string; cert: string; key: string } {
  const ossl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl("req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.pem`, "-days", "1", "-subj", "/CN=alphapulse-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  ossl("req", ...ec, "-keyout", `${dir}/key.pem`, "-out", `${dir}/relay.csr`, "-subj", "/CN=alphapulse-test-relay");
  fs.writeFileSync(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
  ossl("x509", "-req", "-in", `${dir}/relay.csr`, "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-CAcreateserial",
    "-out", `${dir}/cert.pem`, "-days", "1", "-extfile", `${dir}/ext.cnf`);
  const read = (f: string): string => fs.readFileSync(`${dir}/${f}`, "utf8");
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

/** The run's one test certificate (made on first use, in the case's directory). */
function testCertificate(dir: string): { ca: string; cert: string; key: string } {
  certificate ??= makeCertificate(dir);
  return certificate;
}

function tcpPort(server: RelayServer): number {
  const ep = server.tcpEndpoint;
  if (ep?.kind !== "tcp") throw new Error(`the relay has no TCP listener (tcpEndpoint ${JSON.stringify(ep)})`);
  return ep.port;
}

/** A transport that sends every connect to `endpoint` (for a connect() that has no URL for it). */
function routedTo(endpoint: Endpoint, transport: Transport): Transport {
  return { name: transport.name, listen: (e, on) => transport.listen(e, on), connect: () => transport.connect(endpoint) };
}

let fixtures = 0;

/** Every transport the relay suites run over. Add a transport here, once. */
export const TRANSPORT_CASES: readonly TransportCase[] = [
  {
    name: "unix",
    listen: () => ({}),
    endpoint: (server) => ({ kind: "unix", path: server.socketPath }),
    connectOptions: (e) => ({ url: `unix://${(e as { path: string }).path}` }),
  },
  {
    name: "tcp",
    token: CASE_TOKEN,
    listen: () => ({ token: CASE_TOKEN, tcp: { host: "127.0.0.1", port: 0, plain: true } }),
    endpoint: (server) => ({ kind: "tcp", host: "127.0.0.1", port: tcpPort(server) }),
    connectOptions: (e) => ({ url: `tcp://127.0.0.1:${(e as { port: number }).port}`, token: CASE_TOKEN }),
  },
  {
    name: "tls",
    token: CASE_TOKEN,
    listen: (ctx) => {
      const { cert, key } = testCertificate(ctx.dir);
      return { token: CASE_TOKEN, tcp: { host: "127.0.0.1", port: 0, tls: { cert, key } } };
    },
    endpoint: (server) => ({ kind: "tcp", host: "127.0.0.1", port: tcpPort(server), tls: { ca: certificate!.ca } }),
    connectOptions: (e) => ({ url: `tls://127.0.0.1:${(e as { port: number }).port}`, token: CASE_TOKEN, tlsCa: certificate!.ca }),
  },
  {
    name: "ring",
    listen: (ctx) => ({ localEndpoints: [{ kind: "ring", name: ctx.name }] }),
    endpoint: (_server, ctx, ringBytes) => ({ kind: "ring", name: ctx.name, ...(ringBytes ? { ringBytes } : {}) }),
    connectOptions: (e, t) => ({ url: "unix:///no-url-for-rings", transport: routedTo(e, t) }),
  },
  {
    name: "inproc",
    listen: (ctx) => ({ localEndpoints: [{ kind: "inproc", name: ctx.name }] }),
    endpoint: (_server, ctx) => ({ kind: "inproc", name: ctx.name }),
    connectOptions: (e, t) => ({ url: "unix:///no-url-for-inproc", transport: routedTo(e, t) }),
  },
];

/**
 * The link between a relay and the fixture's clients: the server side of every accepted connection, in
 * accept order, to cut; and the clients' connects, to refuse while the link is down (as a socket nobody
 * listens on). Wait for the relay to count a client (e.g. `metrics.subscribers`) before connecting the
 * next one when the index of a connection matters.
 */
export interface Link {
  /** How many connections the relay accepted so far. */
  readonly accepted: number;
  /** Aborts the server side of the connections with these accept indexes (all when omitted) and refuses the fixture's connects until {@link Link.open}. */
  drop(which?: readonly number[]): void;
  /** Lets the fixture's clients connect again. */
  open(): void;
}

/** Thrown by a fixture client's connect while its {@link Link} is down. */
export class LinkDownError extends Error {
  /** Same code as a socket nobody listens on, so clients treat it as such. */
  readonly code = "ECONNREFUSED";
  /** @param endpoint where the connect went */
  constructor(endpoint: Endpoint) {
    super(`the test link to ${JSON.stringify(endpoint)} is down (Link.drop): connect refused`);
    this.name = "LinkDownError";
  }
}

function linked(transport: Transport): { server: Transport; client: Transport; link: Link } {
  const conns: Connection[] = [];
  let down = false;
  const link: Link = {
    get accepted() {
      return conns.length;
    },
    drop(which) {
      down = true;
      for (const [i, c] of conns.entries()) if (!which || which.includes(i)) c.close(true);
    },
    open() {
      down = false;
    },
  };
  return {
    link,
    server: {
      name: transport.name,
      connect: (e) => transport.connect(e),
      listen: (e, onConnection) => transport.listen(e, (conn) => {
        conns.push(conn);
        onConnection(conn);
      }),
    },
    client: {
      name: transport.name,
      listen: (e, on) => transport.listen(e, on),
      connect: (e) => (down ? Promise.reject(new LinkDownError(e)) : transport.connect(e)),
    },
  };
}

/** A relay started for one case, and the ways to reach it. */
export interface RelayFixture {
  readonly server: RelayServer;
  readonly link: Link;
  /** This case's endpoint (`ringBytes`: see {@link TransportCase.endpoint}). */
  endpoint(ringBytes?: number): Endpoint;
  /** A silent RelayClient on this case's endpoint (fast reconnects, through the {@link Link}), with the case's token. */
  client(serviceId: number, role: number, extra?: Partial<RelayClientOptions>): Promise<RelayClient>;
  /** A raw connection on this case's endpoint, sending a Hello (with the case's token) when `hello` is given. */
  raw(hello?: { serviceId: number; role: number; domain?: number }, ringBytes?: number): Promise<RawPeer>;
  /** Options for relay/client/mod.ts `connect` that reach this relay. */
  connectOptions(): ConnectOptions;
  /** Closes the relay and removes its directory. */
  close(): Promise<void>;
}

/** Starts a relay (silent, market-data) listening for `c`, with `options` on top. */
export async function startCase(c: TransportCase, options: Partial<RelayServerOptions> = {}): Promise<RelayFixture> {
  const env = tempDir();
  const ctx: CaseContext = { dir: env.dir, name: `suite-${process.pid}-${fixtures++}` };
  const base = await platform().load(TRANSPORT);
  const { server: transport, client: clientTransport, link } = linked(base);
  let server: RelayServer;
  try {
    server = await startTestRelay(env.dir, { ...c.listen(ctx), transport, ...options });
  } catch (e) {
    env.cleanup();
    throw e;
  }
  const token = c.token ?? "";
  return {
    server,
    link,
    endpoint: (ringBytes) => c.endpoint(server, ctx, ringBytes),
    client: (serviceId, role, extra = {}) => client("", serviceId, role, { endpoint: c.endpoint(server, ctx), token, transport: clientTransport, ...extra }),
    raw: (hello, ringBytes) => rawPeer(c.endpoint(server, ctx, ringBytes), hello && { token, domain: RelayDomain.MarketData, ...hello }),
    connectOptions: () => c.connectOptions(c.endpoint(server, ctx), base),
    async close() {
      await server.close();
      env.cleanup();
    },
  };
}

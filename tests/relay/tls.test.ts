import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { encodeHello } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { isLoopbackHost, RelayConfigError, startRelayServer, type RelayServer } from "../../relay/server/server.ts";
import { platform } from "../../core/platform.ts";
import { TRANSPORT, type Endpoint } from "../../relay/transport/types.ts";
import { collector, headerOf, Role, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";
import { makeCertificate } from "./transports.ts";

const TOKEN = "correct horse battery staple";
let env: { dir: string; cleanup: () => void };
let ca: string;
let cert: string;
let key: string;
let server: RelayServer;
let tls: Endpoint;

beforeAll(async () => {
  env = tempDir();
  ({ ca, cert, key } = makeCertificate(env.dir));
  server = await startTestRelay(env.dir, { token: TOKEN, tcp: { host: "127.0.0.1", port: 0, tls: { cert, key } } });
  const ep = server.tcpEndpoint!;
  if (ep.kind !== "tcp") throw new Error("no TCP endpoint");
  tls = { kind: "tcp", host: "127.0.0.1", port: ep.port, tls: { ca } };
});

afterAll(async () => {
  await server.close();
  env.cleanup();
});

/** Connects over TLS, sends a Hello with `token`, and resolves true if the relay closed the connection. */
async function closedAfterHello(token: string): Promise<boolean> {
  const transport = await platform().load(TRANSPORT);
  const conn = await transport.connect(tls);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      conn.close(true);
      resolve(false);
    }, 1500);
    conn.setHandlers({ data: () => {}, close: () => { clearTimeout(t); resolve(true); } });
    conn.write([encodeHello(RelayDomain.MarketData, 70, Role.Subscriber, token)]);
  });
}

describe("TCP with TLS and a Hello token", () => {
  it("accepts the right token: publish and subscribe over TLS", async () => {
    const opts = { endpoint: tls, domain: RelayDomain.MarketData, token: TOKEN, logger: silentLogger };
    const sub = await RelayClient.connect({ ...opts, serviceId: 61, role: Role.Subscriber });
    const col = collector(sub);
    const pub = await RelayClient.connect({ ...opts, serviceId: 2, role: Role.Publisher });
    await until(() => server.relay.metrics.subscribers === 1, 3000, "subscriber");
    const src = new TradeSource(2);
    for (let i = 0; i < 500; i++) pub.publish(src.next(i));
    await col.waitFor(500);
    expect(col.messages.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i + 1)));
    await Promise.all([sub.close(), pub.close()]);
  });

  it("closes a connection with a wrong token", async () => {
    const before = server.relay.metrics.disconnects.auth;
    expect(await closedAfterHello("wrong token")).toBe(true);
    expect(server.relay.metrics.disconnects.auth).toBe(before + 1);
  });

  it("closes a connection with no token", async () => {
    const before = server.relay.metrics.disconnects.auth;
    expect(await closedAfterHello("")).toBe(true);
    expect(server.relay.metrics.disconnects.auth).toBe(before + 1);
  });

  it("refuses a client that does not trust the certificate", async () => {
    const transport = await platform().load(TRANSPORT);
    await expect(transport.connect({ kind: "tcp", host: "127.0.0.1", port: (tls as { port: number }).port, tls: {} })).rejects.toThrow();
  });

  it("still needs no token on the Unix socket", async () => {
    const c = await RelayClient.connect({ endpoint: { kind: "unix", path: server.socketPath }, domain: 1, serviceId: 62, role: Role.Subscriber, logger: silentLogger });
    await until(() => server.relay.metrics.subscribers === 1, 3000, "unix subscriber");
    await c.close();
  });

  it("refuses unsafe TCP settings", async () => {
    const d = tempDir();
    try {
      const base = { domain: RelayDomain.MarketData, socketPath: `${d.dir}/x.sock`, logger: silentLogger } as const;
      await expect(startRelayServer({ ...base, tcp: { host: "127.0.0.1", port: 0, tls: { cert, key } } })).rejects.toThrow(RelayConfigError);
      await expect(startRelayServer({ ...base, token: TOKEN, tcp: { host: "0.0.0.0", port: 0, plain: true } })).rejects.toThrow(/loopback/);
      await expect(startRelayServer({ ...base, token: TOKEN, tcp: { host: "127.0.0.1", port: 0 } })).rejects.toThrow(/TLS/);
      const plain = await startRelayServer({ ...base, token: TOKEN, tcp: { host: "127.0.0.1", port: 0, plain: true } });
      const ep = plain.tcpEndpoint as { port: number };
      const c = await RelayClient.connect({ endpoint: { kind: "tcp", host: "127.0.0.1", port: ep.port }, domain: 1, serviceId: 63, role: Role.Subscriber, token: TOKEN, logger: silentLogger });
      await until(() => plain.relay.metrics.subscribers === 1, 3000, "plain TCP subscriber");
      await c.close();
      await plain.close();
      expect(isLoopbackHost("127.0.0.1") && isLoopbackHost("::1") && !isLoopbackHost("10.0.0.1")).toBe(true);
    } finally {
      d.cleanup();
    }
  });
});

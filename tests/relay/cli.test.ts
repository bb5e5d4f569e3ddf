import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, messageToJson, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, headerOf, Role, startTestRelay, tempDir, tsCommand, until } from "./helpers.ts";

const MAIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../main.ts");

let env: { dir: string; cleanup: () => void };
let server: RelayServer;

beforeEach(async () => {
  env = tempDir();
  server = await startTestRelay(env.dir);
});

afterEach(async () => {
  await server.close();
  env.cleanup();
});

/** Runs `ap …`; resolves with exit code, stdout bytes and stderr text. */
function ap(args: string[], stdin?: Uint8Array, timeoutMs = 30_000): Promise<{ code: number | null; stdout: Uint8Array; stderr: string }> {
  const { cmd, argv } = tsCommand(MAIN, args);
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
  const out: Uint8Array[] = [];
  let err = "";
  child.stdout!.on("data", (d: Uint8Array) => out.push(d));
  child.stderr!.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
  if (stdin) child.stdin!.end(stdin);
  else child.stdin!.end();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(t);
      const total = out.reduce((a, b) => a + b.length, 0);
      const stdout = new Uint8Array(total);
      let o = 0;
      for (const b of out) {
        stdout.set(b, o);
        o += b.length;
      }
      resolve({ code, stdout, stderr: err });
    });
  });
}

function trades(source: number, n: number): Uint8Array {
  const parts = Array.from({ length: n }, (_, i) => encodeMessage({ relayDomain: RelayDomain.MarketData, source, sequence: BigInt(i + 1), timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n }, [{
    type: TlvType.Trade, name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1, flags: 0,
    price: 6_000_000_000_000n + BigInt(i), size: 1_000_000n, execTimestamp: 0n,
  }]));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe("relay command line", () => {
  it("ap publish sends a stream byte for byte; ap subscribe --json prints it", async () => {
    const sub = ap(["subscribe", "market-data", "--socket", server.socketPath, "--json", "--count", "5"]);
    await until(() => server.relay.metrics.subscribers === 1, 20_000, "ap subscribe to connect");
    const stream = trades(3, 5);
    const pub = await ap(["publish", "market-data", "-", "--socket", server.socketPath], stream);
    expect(pub.stderr).not.toContain("ap publish:");
    expect(pub.code).toBe(0);
    const res = await sub;
    expect(res.code).toBe(0);
    const lines = new TextDecoder().decode(res.stdout).trim().split("\n");
    expect(lines.length).toBe(5);
    const expected = [];
    for (let o = 0; o < stream.length; o += 74) expected.push(JSON.stringify(messageToJson(decodeMessage(stream, o))));
    expect(lines).toEqual(expected);
  }, 60_000);

  it("ap record writes the raw stream; ap replay --restamp publishes it again, paced", async () => {
    const out = `${env.dir}/rec.bin`;
    const rec = ap(["record", "market-data", "--socket", server.socketPath, "--out", out, "--count", "20"]);
    await until(() => server.relay.metrics.subscribers === 1, 20_000, "ap record to connect");
    const stream = trades(4, 20);
    const pub = await ap(["publish", "market-data", "--socket", server.socketPath], stream);
    expect(pub.code).toBe(0);
    expect((await rec).code).toBe(0);
    expect(fs.readFileSync(out)).toEqual(Buffer.from(stream));

    const c = await client(server.socketPath, 61, Role.Subscriber);
    const col = collector(c);
    await until(() => server.relay.metrics.subscribers === 1, 5000, "subscriber");
    const t0 = performance.now();
    // 20 messages 1 ms apart at speed 0.5: about 38 ms of pacing.
    const rep = await ap(["replay", out, "--to", "market-data", "--socket", server.socketPath, "--speed", "0.5", "--restamp", "91"]);
    expect(rep.stderr).toContain("20 messages sent");
    expect(rep.code).toBe(0);
    await col.waitFor(20);
    expect(performance.now() - t0).toBeGreaterThan(38);
    expect(col.messages.map((m) => headerOf(m).source)).toEqual(Array(20).fill(91));
    expect(col.messages.map((m) => headerOf(m).sequence)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    // Same trades, new source/sequence/timestamp.
    expect(col.messages.map((m) => (decodeMessage(m).tlvs[0] as { price: bigint }).price)).toEqual(Array.from({ length: 20 }, (_, i) => 6_000_000_000_000n + BigInt(i)));
    await c.close();
  }, 60_000);

  it("fails clearly: no relay, bad domain, corrupt input", async () => {
    const none = await ap(["publish", "market-data", "--socket", `${env.dir}/nobody.sock`], trades(1, 1));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no relay answers/);
    const bad = await ap(["subscribe", "marketdata"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown domain "marketdata"/);
    const corrupt = trades(1, 2);
    corrupt[40] = corrupt[40]! ^ 1;
    const res = await ap(["publish", "market-data", "--socket", server.socketPath], corrupt);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/message 1: ChecksumMismatch/);
    const relayBad = await ap(["relay", "market-data", "--socket", server.socketPath, "--metrics-every", "0"]);
    expect(relayBad.code).toBe(1);
    expect(relayBad.stderr).toMatch(/already answers/);
  }, 60_000);
});

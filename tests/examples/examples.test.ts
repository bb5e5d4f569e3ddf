/**
 * The runnable examples, run as their README says (`tsx` on Node, `deno run -A` under Deno) against relays
 * placed where `ap start` places them (`$ALPHAPULSE_RUNTIME_DIR/<domain>.sock`):
 * - examples/subscribe-trades.ts prints the trades another publisher sends, one line each, and stops after COUNT;
 * - examples/publish-signal.ts publishes a MomentumSignal by name, reports the relay accepted it, and a
 *   subscriber of the signal relay receives exactly that signal.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, RelayDomain, TlvType, type MomentumSignalTlv } from "../../protocol/mod.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { relaySocketPath } from "../../relay/wire/socket-paths.ts";
import { client, collector, Role, startTestRelay, tempDir, TradeSource, tsCommand } from "../relay/helpers.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
let env: ReturnType<typeof tempDir>;
const relays: RelayServer[] = [];

beforeAll(async () => {
  env = tempDir();
  for (const domain of [RelayDomain.MarketData, RelayDomain.Signal]) {
    relays.push(await startTestRelay(env.dir, { domain, socketPath: relaySocketPath(env.dir, domain) }));
  }
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  env.cleanup();
});

/** Runs an example with ALPHAPULSE_RUNTIME_DIR pointing at the test's relays; `whileRunning` runs until it exits. */
async function example(file: string, args: string[], whileRunning?: () => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cmd, argv } = tsCommand(path.join(ROOT, "examples", file), args);
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ALPHAPULSE_RUNTIME_DIR: env.dir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const ticker = whileRunning ? setInterval(whileRunning, 50) : undefined;
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
  clearInterval(ticker);
  clearTimeout(killer);
  return { code, stdout, stderr };
}

describe("examples/", () => {
  it("subscribe-trades.ts 3 prints three trades from the market-data relay and exits 0", async () => {
    const pub = await client(relaySocketPath(env.dir, RelayDomain.MarketData), 7, Role.Publisher);
    const trades = new TradeSource(7);
    try {
      const r = await example("subscribe-trades.ts", ["3"], () => pub.publish(trades.next()));
      expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).toMatch(/^BTC\/USD@coinbase buy 0\.000001 @ 60000 \(source 7 #\d+\)$/);
    } finally {
      await pub.close();
    }
  }, 120_000);

  it("publish-signal.ts 17 publishes a MomentumSignal the relay accepts and a subscriber receives", async () => {
    const sub = await client(relaySocketPath(env.dir, RelayDomain.Signal), 8, Role.Subscriber, { domain: RelayDomain.Signal });
    const got = collector(sub);
    try {
      const r = await example("publish-signal.ts", ["17"]);
      expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse(r.stdout.trim())).toEqual({ sequence: "1", published: 1, accepted: 1, refused: {} });
      await got.waitFor(1, 20_000);
      const msg = decodeMessage(got.messages[0]!);
      const signal = msg.tlvs[0] as MomentumSignalTlv;
      expect([msg.header.source, signal.type, signal.momentumBps, signal.direction, signal.windowSeconds, signal.referencePrice])
        .toEqual([90, TlvType.MomentumSignal, 17, 1, 60, 6_000_000_000_000n]);
    } finally {
      await sub.close();
    }
  }, 120_000);
});

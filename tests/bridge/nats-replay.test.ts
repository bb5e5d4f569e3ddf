/**
 * `ap replay --from-nats` as a real child process (this runtime's): a domain's retained messages back
 * to stdout, byte for byte, and into a fresh relay; usage and connection errors exit with their codes.
 */

import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { parseSince } from "../../cli/nats-replay.ts";
import { concat } from "../../protocol/mod.ts";
import { client, collector, Role, tempDir, tsCommand, TradeSource, until } from "../relay/helpers.ts";
import { bridgeOf, natsOrSkip, range, relayAt, sequencesOf, uniquePrefix } from "./helpers.ts";

const MAIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../main.ts");

interface Run {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

function ap(args: readonly string[]): Promise<Run> {
  const { cmd, argv } = tsCommand(MAIN, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NATS_URL: "" } });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish within 30 s`));
    }, 30_000);
    child.stdout!.on("data", (c: Uint8Array) => out.push(c));
    child.stderr!.on("data", (c: Uint8Array) => err.push(c));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: concat(out), stderr: new TextDecoder().decode(concat(err)) });
    });
  });
}

describe("--since", () => {
  it("reads stream sequences, spans and RFC 3339 times", () => {
    expect(parseSince("42")).toEqual({ streamSeq: 42 });
    expect(parseSince("15m", 1_000_000_000)).toEqual({ time: new Date(1_000_000_000 - 900_000) });
    expect(parseSince("2025-01-02T03:04:05Z")).toEqual({ time: new Date("2025-01-02T03:04:05Z") });
    for (const bad of ["0", "yesterday", "15x", "2025-01-02"]) expect(() => parseSince(bad)).toThrow(/--since/);
  });
});

const nats = await natsOrSkip("tests/bridge/nats-replay.test.ts");

describe.skipIf(nats === undefined)("ap replay --from-nats", () => {
  const tmp = tempDir();
  afterAll(async () => {
    await nats?.close();
    tmp.cleanup();
  });

  it("writes the retained messages byte for byte, and publishes them into a fresh relay", async () => {
    const prefix = uniquePrefix();
    const relay = await relayAt(tmp.dir, "origin");
    const bridge = await bridgeOf(relay.socketPath, nats!.url, prefix);
    const adapter = await client(relay.socketPath, 6, Role.Publisher);
    const other = await client(relay.socketPath, 7, Role.Publisher);
    const trades = new TradeSource(6);
    const noise = new TradeSource(7);
    const sent: Uint8Array[] = [];
    for (let i = 1; i <= 1000; i++) {
      const m = trades.next(i);
      sent.push(m.slice());
      adapter.publish(m);
      if (i % 10 === 0) other.publish(noise.next(i));
    }
    await until(() => bridge.snapshot().out.ackedMessages === 1100, 10_000, "stored in JetStream");
    await adapter.close();
    await other.close();
    await bridge.close();
    await relay.close();

    const common = ["replay", "--from-nats", "market-data", "--nats", nats!.url, "--nats-prefix", prefix];
    const file = await ap([...common, "--since", "1", "--source", "6"]);
    expect(file.stderr).toMatch(/1000 messages/);
    expect(file.code).toBe(0);
    expect(file.stdout).toEqual(concat(sent));
    const all = await ap([...common, "--since", "10m"]);
    expect(all.code).toBe(0);
    expect(all.stdout.length).toBe(1100 * sent[0]!.length);

    const fresh = await relayAt(tmp.dir, "fresh");
    const sub = await client(fresh.socketPath, 96, Role.Subscriber);
    const got = collector(sub);
    const into = await ap([...common, "--since", "1", "--source", "6", "--to", "market-data", "--socket", fresh.socketPath]);
    expect(into.stderr).toMatch(/1000 messages .* market-data relay/);
    expect(into.code).toBe(0);
    await got.waitFor(1000);
    expect(sequencesOf(got.messages, 6)).toEqual(range(1, 1000));
    await sub.close();
    await fresh.close();
  });

  it("exits 2 on usage errors and 1 when no NATS server answers", async () => {
    const bad = await ap(["replay", "--from-nats", "market-data", "--since", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since wants/);
    const other = await ap(["replay", "--from-nats", "market-data", "--since", "5m", "--to", "signal"]);
    expect(other.code).toBe(2);
    const down = await ap(["replay", "--from-nats", "market-data", "--since", "5m", "--nats", "nats://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/no NATS server answers/);
  });
});

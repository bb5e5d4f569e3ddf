/**
 * `ap replay --from-nats` as a real child process (this runtime's): a domain's retained messages back
 * to stdout, byte for byte, and into a fresh relay; `--until` ends the read, `--speed` paces it by
 * header timestamps and `--restamp` rewrites source/sequence/timestamp; usage and connection errors
 * exit with their codes.
 */

import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { parseSince, parseUntil } from "../../cli/nats-replay.ts";
import { Pacer, parseSpeed } from "../../cli/replay-pacing.ts";
import { concat, decodeMessage } from "../../protocol/mod.ts";
import { client, collector, headerOf, Role, tempDir, tsCommand, TradeSource, until } from "../relay/helpers.ts";
import { bridgeOf, natsOrSkip, range, relayAt, sequencesOf, uniquePrefix } from "./helpers.ts";
import { trade } from "./messages.ts";

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

describe("--until, --speed", () => {
  it("--until takes the same forms and may not lie before --since", () => {
    const now = 1_000_000_000;
    expect(parseUntil("50", { streamSeq: 10 })).toEqual({ streamSeq: 50 });
    expect(parseUntil("2m", { time: new Date(now - 300_000) }, now)).toEqual({ time: new Date(now - 120_000) });
    expect(parseUntil("5", { time: new Date(0) })).toEqual({ streamSeq: 5 }); // different kinds: not comparable
    expect(() => parseUntil("9", { streamSeq: 10 })).toThrow(/--until 9 is before --since/);
    expect(() => parseUntil("10m", { time: new Date(now - 300_000) }, now)).toThrow(/--until 10m .* is before --since/);
    expect(() => parseUntil("later", { all: true })).toThrow(/--until wants/);
  });
  it("--speed is a positive number or max; the pacer spaces messages by header time divided by it", () => {
    expect(parseSpeed("max")).toBe(Infinity);
    expect(parseSpeed("2.5")).toBe(2.5);
    expect(parseSpeed(undefined, Infinity)).toBe(Infinity);
    for (const bad of ["0", "-1", "fast", "", "Infinity"]) expect(() => parseSpeed(bad)).toThrow(/--speed wants/);
    const p = new Pacer(2);
    expect(p.waitMs(1_000_000_000n, 500)).toBe(0); // the first is due at once
    expect(p.waitMs(1_100_000_000n, 500)).toBe(50); // 100 ms of header time at speed 2
    expect(p.waitMs(1_100_000_000n, 530)).toBe(20);
    expect(p.waitMs(900_000_000n, 530)).toBe(0); // stamped before the first: due
    expect(new Pacer(Infinity).waitMs(5n)).toBe(0);
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

  it("--until ends the read; --speed paces by header timestamps; --restamp rewrites source, sequence and time", async () => {
    const prefix = uniquePrefix();
    const relay = await relayAt(tmp.dir, "until");
    // One message per NATS message: stream sequence i holds message i.
    const bridge = await bridgeOf(relay.socketPath, nats!.url, prefix, { batchBytes: 1 });
    const adapter = await client(relay.socketPath, 11, Role.Publisher);
    const T0 = 1_700_000_000_000_000_000n;
    const STEP = 5_000_000n; // header timestamps 5 ms apart
    const sent: Uint8Array[] = [];
    for (let i = 1; i <= 60; i++) {
      const m = trade(11, BigInt(i), T0 + BigInt(i) * STEP);
      sent.push(m);
      adapter.publish(m);
    }
    await until(() => bridge.snapshot().out.ackedMessages === 60, 10_000, "stored in JetStream");
    await adapter.close();
    await bridge.close();
    await relay.close();
    const common = ["replay", "--from-nats", "market-data", "--nats", nats!.url, "--nats-prefix", prefix];

    const part = await ap([...common, "--since", "11", "--until", "30"]);
    expect(part.code).toBe(0);
    expect(part.stderr).toMatch(/20 messages .*stream sequences 11–30/);
    expect(part.stdout).toEqual(concat(sent.slice(10, 30)));
    // A storage time after everything: the whole stream.
    const byTime = await ap([...common, "--since", "1", "--until", new Date(Date.now() + 60_000).toISOString()]);
    expect(byTime.code).toBe(0);
    expect(byTime.stdout).toEqual(concat(sent));

    const fresh = await relayAt(tmp.dir, "paced");
    const sub = await client(fresh.socketPath, 97, Role.Subscriber);
    const got = collector(sub);
    const paced = await ap([...common, "--since", "1", "--until", "20", "--speed", "0.5", "--restamp", "92", "--to", "market-data", "--socket", fresh.socketPath]);
    expect(paced.code).toBe(0);
    await got.waitFor(20);
    expect(got.messages.map((m) => headerOf(m).source)).toEqual(Array(20).fill(92));
    expect(got.messages.map((m) => headerOf(m).sequence)).toEqual(range(1, 20));
    expect(got.messages.map((m) => (decodeMessage(m).tlvs[0] as { price: bigint }).price)).toEqual(range(1, 20));
    // The new timestamps are the send times: 19 steps of 5 ms at speed 0.5 spread them at least 190 ms.
    const stamps = got.messages.map((m) => decodeMessage(m).header.timestamp);
    expect(stamps[19]! - stamps[0]!).toBeGreaterThanOrEqual(185_000_000n);
    expect(stamps[0]! > T0 + 60n * STEP).toBe(true);
    await sub.close();
    await fresh.close();
  });

  it("exits 2 on usage errors and 1 when no NATS server answers", async () => {
    const bad = await ap(["replay", "--from-nats", "market-data", "--since", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since wants/);
    const other = await ap(["replay", "--from-nats", "market-data", "--since", "5m", "--to", "signal"]);
    expect(other.code).toBe(2);
    const early = await ap(["replay", "--from-nats", "market-data", "--since", "100", "--until", "50"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/--until 50 is before --since/);
    const speed = await ap(["replay", "--from-nats", "market-data", "--since", "1", "--speed", "fast"]);
    expect(speed.code).toBe(2);
    expect(speed.stderr).toMatch(/--speed wants a positive number or max, got "fast"/);
    const restamp = await ap(["replay", "--from-nats", "market-data", "--since", "1", "--restamp", "70000"]);
    expect(restamp.code).toBe(2);
    expect(restamp.stderr).toMatch(/--restamp must be a u16/);
    const down = await ap(["replay", "--from-nats", "market-data", "--since", "5m", "--nats", "nats://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/no NATS server answers/);
  });
});

/**
 * Busy polling (relay/busy-poll.ts and the client's `busyPoll` option): while started the event loop keeps
 * turning with nothing to do; stopped, it sleeps again; a busy-polling subscriber receives what the relay
 * forwards, and its process exits by itself after `close()`.
 */

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BusyPoll } from "../../relay/client/busy-poll.ts";
import { client, Role, sleep, startTestRelay, tempDir, TradeSource, tsCommand, until } from "./helpers.ts";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "busy-poll-child.ts");

describe("BusyPoll", () => {
  it("turns the event loop while started and not after stop()", async () => {
    const poll = new BusyPoll();
    poll.start();
    poll.start(); // idempotent: still one chain of turns
    await sleep(50);
    const during = poll.turns;
    poll.stop();
    await sleep(0);
    const after = poll.turns;
    await sleep(50);
    expect(poll.active).toBe(false);
    // An idle sleeping loop makes no turns at all in 50 ms; a polling one makes many.
    expect(during).toBeGreaterThan(20);
    expect(poll.turns).toBe(after);
  });

  it("a busy-polling subscriber gets every message and its process exits after close()", async () => {
    const { dir, cleanup } = tempDir();
    const relay = await startTestRelay(dir);
    const socketPath = path.join(dir, "relay.sock");
    const pub = await client(socketPath, 1, Role.Publisher);
    const { cmd, argv } = tsCommand(CHILD, [socketPath, "200"]);
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until(() => out.includes("ready") && relay.relay.metrics.subscribers === 1, 20_000, "the busy-polling subscriber");
      const src = new TradeSource(1);
      for (let i = 0; i < 200; i++) pub.publish(src.next(i));
      await pub.flush();
      const code = await Promise.race([exited, sleep(15_000).then(() => "hung" as const)]);
      expect(out).toContain("got 200");
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await pub.close();
      await relay.close();
      cleanup();
    }
  }, 30_000);
});

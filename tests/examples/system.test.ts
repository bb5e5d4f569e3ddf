/**
 * The examples against a real `ap start` system (a replaying Coinbase adapter and the execution service;
 * relays with service identities): run with only ALPHAPULSE_RUNTIME_DIR set, `connect` finds the relays
 * and the tools token where `ap start` put them — subscribe-trades.ts prints the adapter's trades, and
 * publish-signal.ts's signal is accepted by the identity-checking signal relay.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { tsCommand } from "../relay/helpers.ts";
import { ROOT, smallConfig, startAp, type RunningAp } from "../runtime/ap-process.ts";

let dir: string;
let runtimeDir: string;
let system: RunningAp | undefined;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-examples-system-"));
  runtimeDir = path.join(dir, "run");
  const config = path.join(dir, "system.yaml");
  fs.writeFileSync(config, smallConfig(runtimeDir));
  system = await startAp(config, 120_000);
}, 150_000);

afterAll(async () => {
  if (system) {
    system.child.kill("SIGTERM");
    await system.exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Runs an example with only ALPHAPULSE_RUNTIME_DIR telling it where the system is. */
async function example(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cmd, argv } = tsCommand(path.join(ROOT, "examples", file), args);
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ALPHAPULSE_RUNTIME_DIR: runtimeDir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
  clearTimeout(killer);
  return { code, stdout, stderr };
}

describe("examples/ against an ap start system", () => {
  it("the system keeps a tools token beside its relay sockets (what connect() reads)", () => {
    expect(fs.existsSync(path.join(runtimeDir, TOOLS_TOKEN_FILE))).toBe(true);
    expect(fs.existsSync(path.join(runtimeDir, "market-data.sock"))).toBe(true);
  });

  it("subscribe-trades.ts 3 prints three of the adapter's Coinbase trades", async () => {
    const r = await example("subscribe-trades.ts", ["3"]);
    expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr.slice(-3000) }).toEqual({ code: 0, stderr: "" });
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^(BTC|ETH)\/USD@coinbase (buy|sell) [\d.]+ @ [\d.]+ \(source 3 #\d+\)$/);
  }, 120_000);

  it("publish-signal.ts publishes a signal the identity-checking signal relay accepts", async () => {
    const r = await example("publish-signal.ts", ["-5"]);
    expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr.slice(-3000) }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ published: 1, accepted: 1, refused: {} });
  }, 120_000);
});

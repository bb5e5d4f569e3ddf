/**
 * `ap start` on a terminal (a real pseudo-terminal from util-linux `script`; skipped with a message when
 * it is missing): the banner comes first and names the runtime and state directories and the log file,
 * then one status line redrawn in place (`\r`, erase line) with messages/s, signals, orders, fills, P&L
 * per quote currency and the trading state — and no log lines. With `--log-format json` the same terminal
 * gets the log lines as JSON instead of the status line.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { apCommand, ROOT, until } from "../runtime/ap-process.ts";

const HAS_SCRIPT = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
if (!HAS_SCRIPT) console.warn("tests/cli/start-console.test.ts: util-linux `script` is missing; the terminal tests are skipped");

const dir = mkdtempSync(join(tmpdir(), "ap-console-"));
const pids: number[] = [];

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** A small system with a momentum strategy, so signals, orders and fills move. */
function writeConfig(name: string): { file: string; run: string; state: string } {
  const run = join(dir, `${name}-run`);
  const state = join(dir, `${name}-state`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [
    `runtimeDir: ${run}`,
    `stateDir: ${state}`,
    "api: { port: 0 }",
    "services:",
    "  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }",
    "  - { name: execution, kind: execution, serviceId: 40, options: {} }",
  ].join("\n"));
  return { file, run, state };
}

/** Runs `ap start` on a pseudo-terminal 200 columns wide; returns its output so far and a stop function. */
function startOnTerminal(configFile: string, runDir: string, extra: string[] = []): { output(): string; stop(): Promise<number | null> } {
  const [cmd, pre] = apCommand();
  const line = [cmd, ...pre, "start", "--config", configFile, ...extra].map(quote).join(" ");
  const child = spawn("script", ["-qfec", `stty cols 200 2>/dev/null; exec ${line}`, "/dev/null"], {
    cwd: ROOT, env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "info" }, stdio: ["pipe", "pipe", "pipe"],
  });
  pids.push(child.pid!);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (out += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (out += t));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    output: () => out,
    async stop() {
      // The supervisor's pid is in its lock file; SIGTERM it as a service manager would.
      const lock = readdirSync(runDir).find((n) => /^supervisor\.\d+\.lock$/.test(n));
      const { pid } = JSON.parse(readFileSync(join(runDir, lock!), "utf8")) as { pid: number };
      pids.push(pid);
      process.kill(pid, "SIGTERM");
      return await exited;
    },
  };
}

describe.skipIf(!HAS_SCRIPT)("ap start on a terminal", () => {
  it("shows the banner with both directories, then one live status line redrawn in place, and no log lines", async () => {
    const { file, run, state } = writeConfig("tty");
    mkdirSync(run, { mode: 0o700 });
    const ap = startOnTerminal(file, run);
    const text = await until("two status lines", () => ((ap.output().match(/\r\x1b\[2K\d\d:\d\d:\d\d · /g) ?? []).length >= 2 ? ap.output() : undefined), 180_000, 200);
    const bannerAt = text.indexOf("AlphaPulse is running");
    expect(bannerAt).toBeGreaterThanOrEqual(0);
    expect(text.indexOf("\x1b[2K")).toBeGreaterThan(bannerAt); // the banner first, then the status
    expect(text).toMatch(new RegExp(`Runtime +${run}`));
    expect(text).toMatch(new RegExp(`State +${state}`));
    expect(text).toContain(join(state, "logs", "alphapulse.log"));
    expect(text).toMatch(/Token +[0-9a-f]{64}/);
    const status = text.slice(text.lastIndexOf("\x1b[2K") + 4).split(/[\r\n]/)[0]!;
    expect(status).toMatch(/^\d\d:\d\d:\d\d · \d+ msg\/s · signals \d+ · orders \d+ · fills \d+ · P&L .* · trading (ACTIVE|REDUCING|HALTED|\?)/);
    expect(text).not.toContain('"level":'); // logs go to the file, not the terminal
    const code = await ap.stop();
    if (!("Deno" in globalThis)) expect(code).toBe(0);
    expect(ap.output()).toMatch(/stopped in \d+ ms; state kept in /);
    const log = readFileSync(join(state, "logs", "alphapulse.log"), "utf8");
    expect(log).toContain('"msg":"service started"');
    expect(log).toContain('"msg":"stopped"');
  }, 300_000);

  it("--log-format json: the terminal gets the log lines as JSON and no status line", async () => {
    const { file, run } = writeConfig("json");
    mkdirSync(run, { mode: 0o700 });
    const ap = startOnTerminal(file, run, ["--log-format", "json"]);
    await until("the running event", () => (ap.output().includes('"msg":"AlphaPulse is running"') ? true : undefined), 180_000, 200);
    await ap.stop();
    const lines = ap.output().split(/\r?\n/).filter((l) => l.startsWith("{"));
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === "service started")).toBe(true);
    expect(ap.output()).not.toContain("\x1b[2K");
  }, 300_000);
});

/**
 * State that survives (issue 15 item 4) and the console of `ap start` (item 3), each with real `ap start`
 * processes:
 * - with no `runtimeDir`/`stateDir` in the config, sockets go to `$XDG_RUNTIME_DIR/alphapulse` and the
 *   durable state (trading state, snapshots, journal, logs) to `$XDG_STATE_HOME/alphapulse/<stem>-<hash>`,
 *   created 0700; the runtime directory holds no state; the kill switch engaged in one run is still
 *   engaged after a restart, read from the state directory;
 * - the banner names both directories and the log file; stdout (not a terminal) is JSON lines only,
 *   one of them the "AlphaPulse is running" event; `--log-format json` says the same explicitly;
 * - the log file rotates by size (`logs.maxFileBytes`, `logs.maxFiles`).
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configRunName } from "../../runtime/paths.ts";
import { running, startAp, until, type RunningAp } from "./ap-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-state-"));
const xdgRuntime = join(dir, "xr");
const xdgState = join(dir, "xs");
mkdirSync(xdgRuntime, { mode: 0o700 });
const TOKEN = "state-dir-test-token-0123456789abcdef";
const started: RunningAp[] = [];

afterAll(() => {
  for (const ap of started) if (running(ap.pid)) ap.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A small trading system with no directories set: they come from the XDG variables. */
function config(extra = ""): string {
  return [
    "api: { port: 0 }",
    "supervisor: { initialBackoffMs: 100 }",
    "logs: { maxFileBytes: 4096, maxFiles: 3 }",
    "services:",
    "  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }",
    "  - { name: execution, kind: execution, serviceId: 40, options: {} }",
    extra,
  ].join("\n");
}

const env = { XDG_RUNTIME_DIR: xdgRuntime, XDG_STATE_HOME: xdgState, ALPHAPULSE_API_TOKEN: TOKEN, ALPHAPULSE_LOG_LEVEL: "debug" };

async function start(file: string, args: string[] = []): Promise<RunningAp> {
  const ap = await startAp(file, 180_000, env, args);
  started.push(ap);
  return ap;
}

/** Stops `ap` with SIGTERM; it must log "stopped" (Deno's child_process reports a child it signalled as ended by that signal even when it exited 0). */
async function stop(ap: RunningAp): Promise<void> {
  ap.child.kill("SIGTERM");
  const code = await ap.exited;
  if (!("Deno" in globalThis)) expect(code).toBe(0);
  expect(jsonLines(ap.stdout()).some((l) => l.msg === "stopped" && l.service === "supervisor")).toBe(true);
}

async function api(ap: RunningAp, method: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${ap.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  return await res.json() as Record<string, unknown>;
}

/** The JSON objects of `text`'s lines; fails on a line that is not one. */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((l) => l !== "").map((line) => {
    let v: unknown;
    expect(() => (v = JSON.parse(line)), `stdout line is not JSON: ${line}`).not.toThrow();
    expect(typeof v).toBe("object");
    return v as Record<string, unknown>;
  });
}

describe("ap start: state directory, console output, log rotation", () => {
  const file = join(dir, "trial.yaml");
  writeFileSync(file, config());
  const runtimeDir = join(xdgRuntime, "alphapulse");
  const stateDir = join(xdgState, "alphapulse", configRunName(file));

  it("keeps durable state in the state directory, names both directories, writes JSON lines to a non-terminal stdout, and a restart finds its state", async () => {
    expect(stateDir).toMatch(/\/alphapulse\/trial-[0-9a-f]{8}$/);
    const first = await start(file);
    const running1 = jsonLines(first.stdout());
    const event = running1.find((l) => l.msg === "AlphaPulse is running");
    expect(event).toMatchObject({ api: first.apiUrl, token: TOKEN, runtimeDir, stateDir, logFile: join(stateDir, "logs", "alphapulse.log") });
    expect(first.stderr()).toContain(`Runtime    ${runtimeDir}`);
    expect(first.stderr()).toContain(`State      ${stateDir}`);
    expect(first.stderr()).toContain(`Log        ${join(stateDir, "logs", "alphapulse.log")}`);

    for (const d of [stateDir, join(stateDir, "state"), join(stateDir, "journal"), join(stateDir, "logs")]) expect(statSync(d).mode & 0o777).toBe(0o700);
    await until("the execution service answering", async () => ((await api(first, "GET", "/kill-switch")).tradingState === "ACTIVE" ? true : undefined), 120_000, 200);
    expect((await api(first, "POST", "/kill-switch")).tradingState).toBe("HALTED");
    await stop(first);

    expect(existsSync(join(stateDir, "state", "execution.trading-state.json"))).toBe(true);
    expect(existsSync(join(stateDir, "state", "execution.snapshot.json"))).toBe(true);
    for (const n of ["state", "journal", "logs"]) expect(existsSync(join(runtimeDir, n)), `${n}/ in the runtime directory`).toBe(false);
    expect(jsonLines(first.stdout()).length).toBeGreaterThan(5); // the logs, as JSON lines on stdout
    const logs = readdirSync(join(stateDir, "logs")).sort();
    expect(logs).toEqual(["alphapulse.log", "alphapulse.log.1", "alphapulse.log.2"]); // rotated at 4 KiB, 3 files kept
    for (const n of logs) expect(statSync(join(stateDir, "logs", n)).size).toBeLessThanOrEqual(4096 + 2048);

    const second = await start(file, ["--log-format", "json"]);
    expect(jsonLines(second.stdout()).some((l) => l.msg === "AlphaPulse is running" && l.stateDir === stateDir)).toBe(true);
    const status = await until("the execution service answering after the restart", async () => {
      const s = await api(second, "GET", "/kill-switch");
      return typeof s.tradingState === "string" ? s : undefined;
    }, 120_000, 200);
    expect(status.tradingState).toBe("HALTED"); // read back from the state directory
    await stop(second);
  }, 600_000);

  it("a second config (or checkout) gets a state directory of its own", () => {
    const other = join(dir, "sub");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "trial.yaml"), config());
    expect(configRunName(join(other, "trial.yaml"))).not.toBe(configRunName(file));
    expect(configRunName(join(other, "trial.yaml"))).toMatch(/^trial-[0-9a-f]{8}$/);
    expect(configRunName(file)).toBe(configRunName(join(dir, ".", "trial.yaml")));
  });
});

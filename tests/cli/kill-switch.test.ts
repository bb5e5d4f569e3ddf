/**
 * `ap kill-switch` with the API gone: `ap start` of a small system in a temp runtime directory, the API
 * process killed with SIGKILL, then the kill switch engaged, read and released straight on the execution
 * service's control socket — and one clear line with exit 1 when there is nothing to reach.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, runAp, startSystemProcess, until, type StartedSystem } from "../api/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-ks-"));
const runtimeDir = join(dir, "run");
const TOKEN = "kill-switch-test-token";
let system: StartedSystem;

beforeAll(async () => {
  system = await startSystemProcess(dir, runtimeDir, TOKEN);
}, 150_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("ap kill-switch without the API", () => {
  it("engages HALTED and releases it after the API process was killed with SIGKILL", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const services = await until("execution running", async () => {
      const list = await (await fetch(`${system.url}/services`, { headers: auth })).json() as { name: string; pid: number; state: string }[];
      return list.find((s) => s.name === "execution")?.state === "running" ? list : undefined;
    });
    const apiPid = services.find((s) => s.name === "api")!.pid;
    await until("execution control socket answering", async () => ((await runAp(["kill-switch", "status", "--runtime-dir", runtimeDir])).code === 0 ? true : undefined));
    process.kill(apiPid, "SIGKILL");
    await until("API process gone", async () => (alive(apiPid) ? undefined : true), 10_000);

    const on = await runAp(["kill-switch", "on", "--runtime-dir", runtimeDir]);
    expect(on.stderr).toBe("");
    expect(on.code).toBe(0);
    expect(on.stdout).toBe("HALTED\n");
    const halted = await runAp(["kill-switch", "status", "--runtime-dir", runtimeDir]);
    expect([halted.code, halted.stdout.split("\n")[0]]).toEqual([0, "HALTED"]);
    expect(halted.stdout).toMatch(/^ {2}reason: .*kill switch/m);

    const off = await runAp(["kill-switch", "off", "--runtime-dir", runtimeDir]);
    expect([off.code, off.stdout]).toEqual([0, "ACTIVE\n"]);
    const active = await runAp(["kill-switch", "status", "--runtime-dir", runtimeDir]);
    expect([active.code, active.stdout.split("\n")[0]]).toEqual([0, "ACTIVE"]);
  }, 120_000);

  it("finds the runtime directory from --config as well", async () => {
    const r = await runAp(["kill-switch", "status", "--config", join(dir, "system.yaml")]);
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "ACTIVE"]);
  }, 60_000);

  it("says in one line that nothing answers, exit 1, for a directory without a system", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ap-ks-empty-"));
    try {
      const r = await runAp(["kill-switch", "on", "--runtime-dir", empty]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^ap kill-switch: cannot reach the execution service "execution" \(.*execution\.ctl\): .*is the system running from this directory\?\n$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses bad usage with exit 2", async () => {
    const r = await runAp(["kill-switch", "maybe", "--runtime-dir", runtimeDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected exactly one of on, off, status/);
  }, 60_000);
});

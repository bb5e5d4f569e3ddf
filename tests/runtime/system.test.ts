import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { until } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ap-system-"));
let system: RunningSystem;

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "warn"; // the services inherit it: keep the test output to warnings and errors
  const config = parseConfig(`runtimeDir: ${join(dir, "run")}\napi: { port: 0 }\nsupervisor: { initialBackoffMs: 50 }`, AppConfigSchema, {});
  system = await startSystem(config, { mainPath: MAIN, log: createLogger("test-supervisor", { level: "warn" }) });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("whole system as supervised processes", () => {
  it("reports healthy within seconds, with every relay up", async () => {
    const health = await until("health ok", async () => {
      const r = await fetch(`${system.apiUrl}/health`);
      const body = await r.json();
      return r.status === 200 ? body : undefined;
    });
    expect(health.dependencies.map((d: { name: string }) => d.name)).toEqual(["relay-market-data", "relay-signal", "relay-execution", "relay-system"]);
  });

  it("requires the token on /services and lists every service with a pid", async () => {
    expect((await fetch(`${system.apiUrl}/services`)).status).toBe(401);
    expect((await fetch(`${system.apiUrl}/services`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const r = await fetch(`${system.apiUrl}/services`, { headers: { authorization: `Bearer ${system.token}` } });
    const list = await r.json();
    expect(list.map((s: { name: string }) => s.name)).toEqual(["relay-market-data", "relay-signal", "relay-execution", "relay-system", "api"]);
    expect(list.every((s: { pid: number; state: string }) => s.pid > 0 && s.state === "running")).toBe(true);
  });

  it("restarts a relay killed with SIGKILL and leaves the others untouched", async () => {
    const before = system.services();
    const victim = before.find((s) => s.name === "relay-signal")!;
    process.kill(victim.pid!, "SIGKILL");
    const after = await until("relay-signal restarted", async () => {
      const s = system.services().find((x) => x.name === "relay-signal")!;
      return s.state === "running" && s.pid !== victim.pid && s.restarts === 1 ? system.services() : undefined;
    });
    for (const s of before.filter((x) => x.name !== "relay-signal")) {
      expect(after.find((x) => x.name === s.name)!.pid).toBe(s.pid);
    }
    expect(after.find((x) => x.name === "relay-signal")!.lastExit).toEqual({ code: null, signal: "SIGKILL" });
    await until("health ok again", async () => ((await fetch(`${system.apiUrl}/health`)).status === 200 ? true : undefined));
  });

  it("restarts a service through the API", async () => {
    const auth = { authorization: `Bearer ${system.token}` };
    const pid = system.services().find((s) => s.name === "relay-system")!.pid;
    const r = await fetch(`${system.apiUrl}/services/relay-system/restart`, { method: "POST", headers: auth });
    expect(r.status).toBe(200);
    const now = system.services().find((s) => s.name === "relay-system")!;
    expect(now.pid).not.toBe(pid);
    expect((await fetch(`${system.apiUrl}/services/nope/restart`, { method: "POST", headers: auth })).status).toBe(404);
  });

  it("shuts down gracefully and leaves no socket files", async () => {
    const t0 = Date.now();
    await system.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    const left = readdirSync(join(dir, "run")).filter((n) => n.endsWith(".sock") || n.endsWith(".ctl"));
    expect(left).toEqual([]);
    expect(system.services().every((s) => s.pid === null)).toBe(true);
  });
});

describe("ap start with an invalid config", () => {
  it("exits 1 naming the file, the path and the reason, before starting anything", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, `runtimeDir: ${join(dir, "never")}\napi: { port: 99999 }\n`);
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
    const [cmd, args] = deno ? [deno.execPath(), ["run", "-A", MAIN]] : [process.execPath, ["--import", "tsx", MAIN]];
    const child = spawn(cmd, [...args, "start", "--config", bad], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(1);
    expect(stderr).toMatch(/ap start: invalid config: .*bad\.yaml at api\.port: /);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });
});

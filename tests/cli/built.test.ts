/**
 * The built CLI on plain Node: `scripts/build.mjs` (what `npm run build` runs) into a fresh folder of the
 * project, then `node <build>/main.js start` of the demo system with ALPHAPULSE_RUNTIME_DIR set — every
 * service a `node <build>/main.js service …` child, no tsx — /health answering 200, the dashboard's
 * client files served from the build, the built `ap subscribe` finding the relays through the same
 * variable and `ap replay` of what it recorded told that the relay refused it; then a clean stop.
 * Under Deno too the build is run with `node`: plain Node is what the build is for.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apInvocation } from "../../runtime/process/invocation.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

let buildDir: string;
let runDir: string;
let system: ReturnType<typeof spawn> | undefined;
let output = "";
let exited: Promise<{ code: number | null; signal: string | null }>;

function built(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn("node", [path.join(buildDir, "main.js"), ...args], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALPHAPULSE_RUNTIME_DIR: runDir },
  });
  const out: Buffer[] = [];
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => out.push(d));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => child.on("close", (code) => {
    clearTimeout(timer);
    resolve({ code, stdout: Buffer.concat(out), stderr });
  }));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms\n--- ap start output ---\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  fs.mkdirSync(path.join(ROOT, ".scratch"), { recursive: true });
  buildDir = fs.mkdtempSync(path.join(ROOT, ".scratch", "build-"));
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-built-"));
  const b = spawnSync("node", [path.join(ROOT, "scripts/build.mjs"), buildDir], { cwd: ROOT, encoding: "utf8", timeout: 400_000 });
  if (b.status !== 0) throw new Error(`build failed (${b.status ?? b.error?.message}): ${b.stdout}${b.stderr}`);
}, 420_000);

afterAll(async () => {
  if (system !== undefined && system.exitCode === null && system.signalCode === null) {
    system.kill("SIGKILL");
    await exited;
  }
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.rmSync(runDir, { recursive: true, force: true });
}, 30_000);

describe("the built CLI", () => {
  it("node dist/main.js start runs the demo on plain Node: /health 200, dashboard files, ap subscribe and ap replay find the relays", async () => {
    expect(fs.existsSync(path.join(buildDir, "main.ts"))).toBe(false);
    expect(fs.existsSync(path.join(buildDir, "api/dashboard/client/app.js"))).toBe(true);
    system = spawn("node", [path.join(buildDir, "main.js"), "start", "--port", "0"], {
      cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALPHAPULSE_RUNTIME_DIR: runDir, ALPHAPULSE_API_TOKEN: "built-test-token" },
    });
    system.stdout!.setEncoding("utf8").on("data", (t: string) => (output += t));
    system.stderr!.setEncoding("utf8").on("data", (t: string) => (output += t));
    exited = new Promise((r) => system!.once("exit", (code, signal) => r({ code, signal })));
    const url = await until("the API listening (api.json)", async () => {
      if (system!.exitCode !== null) throw new Error(`ap start exited ${system!.exitCode}`);
      return (JSON.parse(fs.readFileSync(path.join(runDir, "api.json"), "utf8")) as { url: string }).url;
    }, 180_000);
    const health = await until("/health 200 with every dependency up", async () => {
      const r = await fetch(`${url}/health`);
      const body = (await r.json()) as { dependencies: { name: string; status: string }[] };
      return r.status === 200 && body.dependencies.length > 0 && body.dependencies.every((d) => d.status === "up") ? body : undefined;
    }, 240_000);
    expect(health.dependencies.map((d) => d.name)).toContain("relay-market-data");
    // Every service is a compiled child: no tsx anywhere, and no crash loop.
    expect(output).not.toMatch(/crash-loop|ERR_MODULE_NOT_FOUND|Cannot find module/);
    for (const asset of ["app.js", "vendor/uplot.esm.js"]) expect((await fetch(`${url}/dashboard/${asset}`)).status).toBe(200);

    const sub = await built(["subscribe", "market-data", "--json", "--count", "3"]);
    expect(sub.stderr).not.toContain("ENOENT");
    expect(sub.code).toBe(0);
    expect(sub.stdout.toString("utf8").trim().split("\n").length).toBe(3);

    const rec = path.join(runDir, "rec.bin");
    expect((await built(["record", "market-data", "--types", "1", "--count", "20", "--out", rec])).code).toBe(0);
    const replay = await built(["replay", rec, "--to", "market-data", "--speed", "max"]);
    expect(replay.stderr).toContain("the relay accepted 0 of 20 and refused 20");
    expect(replay.stderr).toContain("--restamp");
    expect(replay.code).toBe(1);

    system.kill("SIGTERM");
    const end = await exited;
    // A clean stop: the supervisor stopped every child (each exited 0). Node reports the exit as code 0,
    // Deno's child_process as the signal that asked for it.
    expect(end.code === 0 || (end.code === null && end.signal === "SIGTERM")).toBe(true);
    expect(output).toMatch(/"service":"supervisor","msg":"stopped"/);
    expect(output).not.toMatch(/"msg":"service exited","child":"[^"]+","pid":\d+,"exit":\{"code":[1-9]/);
  }, 600_000);

  it("the built ap bench says how to run the benchmarks (they are not in the build) and exits 2", async () => {
    const r = await built(["bench", "relay"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ap bench: benchmarks are not part of the built CLI; from a source checkout run `npm run bench -- <name> [options]`");
    expect(fs.existsSync(path.join(buildDir, "bench"))).toBe(false);
  }, 120_000);

  it("apInvocation spawns the compiled main.js when built, and the sources through tsx (Node) or deno run", () => {
    const fromBuild = apInvocation("/x/dist/main.ts", true);
    expect(fromBuild.args).toEqual(IS_DENO ? ["run", "-A", "/x/dist/main.js"] : ["/x/dist/main.js"]);
    const fromSources = apInvocation("/x/main.ts", false);
    expect(fromSources.args).toEqual(IS_DENO ? ["run", "-A", "/x/main.ts"] : ["--import", "tsx", "/x/main.ts"]);
    expect(apInvocation("/x/main.ts").args).toEqual(fromSources.args); // the tests run from the sources
  });
});

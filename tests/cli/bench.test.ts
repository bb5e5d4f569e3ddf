/**
 * `ap bench` from a source checkout spawns `bench/main.ts` on the same runtime: usage errors exit 2 naming
 * the benchmarks, a real (short) stress run passes its JSON and exit code through; `bench/main.ts` runs
 * alone too. The built CLI's message is checked in built.test.ts.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { describe, expect, it } from "vitest";
import { runAp } from "../api/processes.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** Runs `bench/main.ts` directly on this runtime. */
function runBenchMain(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [cmd, lead] = deno ? [deno.execPath(), ["run", "-A", "bench/main.ts"]] : [process.execPath, ["--import", "tsx", "bench/main.ts"]];
  const child = spawn(cmd, [...lead, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("ap bench (source checkout)", () => {
  it("without a name exits 2 and names the benchmarks", async () => {
    const r = await runAp(["bench"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ap bench: missing benchmark name: one of relay, e2e, nats, stress");
  }, 90_000);

  it("with an unknown name exits 2", async () => {
    const r = await runAp(["bench", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown benchmark "nope"`);
  }, 90_000);

  it("runs a short stress benchmark in a child and passes its JSON and exit code 0 through", async () => {
    const r = await runAp(["bench", "stress", "--seconds", "1", "--publishers", "1", "--fast", "1", "--slow", "0", "--json"], 180_000);
    expect(r.stderr).not.toContain("Error");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { allAccounted: boolean };
    expect(report.allAccounted).toBe(true);
  }, 200_000);
});

describe("bench/main.ts alone", () => {
  it("--help lists every benchmark and exits 0", async () => {
    const r = await runBenchMain(["--help"]);
    expect(r.code).toBe(0);
    for (const name of ["relay", "e2e", "nats", "stress"]) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(r.stdout).toContain("npm run bench -- <name>");
  }, 90_000);
});

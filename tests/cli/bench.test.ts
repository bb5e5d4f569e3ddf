/**
 * `ap bench` from a source checkout spawns `bench/main.ts` on the same runtime: usage errors exit 2 naming
 * the benchmarks, a real (short) stress run passes its JSON and exit code through; `bench/main.ts` runs
 * alone too. The built CLI's message is checked in built.test.ts.
 */
import { describe, expect, it } from "vitest";
import { runAp } from "../api/processes.ts";
import { runEntry } from "./run-entry.ts";

/** Runs `bench/main.ts` on this runtime. */
const runBenchMain = (args: readonly string[]) => runEntry("bench/main.ts", args);

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

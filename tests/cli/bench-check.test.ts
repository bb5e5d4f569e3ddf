/**
 * The benchmark regression gate (`npm run bench:check`, bench/check.ts): bad options exit 2; a real short
 * run of the protocol figures reports each against its committed threshold with an exit code that agrees,
 * and leaves the benchmarks' committed result files as they were.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runEntry } from "./run-entry.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** Runs `bench/check.ts` on this runtime. */
const runCheck = (args: readonly string[]) => runEntry("bench/check.ts", args);

function resultsHash(): string {
  const dir = path.join(ROOT, "bench/results");
  const h = createHash("sha256");
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(path.join(dir, f)));
  return h.digest("hex");
}

describe("bench:check", () => {
  it("exits 2 for an unknown benchmark or a bad option", async () => {
    const unknown = await runCheck(["--only", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown benchmark nope");
    const bad = await runCheck(["--rounds", "zero"]);
    expect(bad.code).toBe(2);
  }, 90_000);

  it("measures the protocol ratios, judges each against bench/thresholds.json, and leaves bench/results alone", async () => {
    const before = resultsHash();
    const r = await runCheck(["--only", "protocol", "--rounds", "1", "--json"]);
    const out = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("}") + 1)) as { report: { figure: string; threshold: string; median: number; ok: boolean }[] };
    const thresholds = JSON.parse(readFileSync(path.join(ROOT, "bench/thresholds.json"), "utf8")).figures as Record<string, { min?: number }>;
    expect(out.report.map((x) => x.figure).sort()).toEqual(Object.keys(thresholds).filter((k) => k.startsWith("protocol.")).sort());
    for (const x of out.report) {
      expect(x.median).toBeGreaterThan(0);
      expect(x.threshold).toBe(`≥ ${thresholds[x.figure]!.min}`);
    }
    expect(r.code).toBe(out.report.every((x) => x.ok) ? 0 : 1);
    expect(resultsHash()).toBe(before);
  }, 240_000);
});

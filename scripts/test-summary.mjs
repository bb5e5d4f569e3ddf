#!/usr/bin/env node
/**
 * Sums the vitest JSON reports of the runs (Node, Deno and, in CI, Node 24) and prints the closing line
 * `N passed, N failed` (the type check counts as one test). Exits 1 when anything failed, a runner
 * exited non-zero, or a report is missing (a crashed runner is a failure, never "0 failed").
 * Under CI (`CI=true`) a skipped test is a failure too — CI provides every prerequisite (shared data,
 * nats-server, Chromium, root) — and each one is named; elsewhere skips are counted and named.
 *
 * Usage: node scripts/test-summary.mjs TSC_RC (LABEL RC REPORT.json)...
 *   e.g. node scripts/test-summary.mjs 0 node 0 node.json deno 0 deno.json node24 0 node24.json
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const argv = process.argv.slice(2);
/** `--extra LABEL RC` pairs: checks that count as one test each (e.g. the benchmark gate). */
const extras = [];
for (let i = argv.indexOf("--extra"); i >= 0; i = argv.indexOf("--extra")) {
  extras.push([argv[i + 1], argv[i + 2]]);
  argv.splice(i, 3);
}
const [tscRc, ...rest] = argv;
if (rest.length === 0 || rest.length % 3 !== 0) {
  console.log(`test-summary: expected TSC_RC then LABEL RC REPORT triples, got ${process.argv.length - 2} arguments`);
  console.log("0 passed, 1 failed");
  process.exit(2);
}
/** One run per triple: its label, the runner's exit status, its vitest JSON report. */
const runs = [];
for (let i = 0; i < rest.length; i += 3) runs.push([rest[i], rest[i + 1], rest[i + 2]]);
let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
const inCi = process.env.CI === "true" || process.env.CI === "1";

if (tscRc === "0") passed++;
else {
  failed++;
  ok = false;
  console.log("type check: FAILED");
}

for (const [label, rc, file] of runs) {
  if (!existsSync(file)) {
    console.log(`${label}: no report (runner exit ${rc}) — counted as one failure`);
    failed++;
    ok = false;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  const p = r.numPassedTests ?? 0;
  // A file that failed without any failing test (an import or setup error) counts as one failure.
  const brokenFiles = (r.testResults ?? []).filter((t) => t.status === "failed" && (t.assertionResults ?? []).every((a) => a.status !== "failed")).length;
  const f = (r.numFailedTests ?? 0) + brokenFiles;
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${label}: ${p} passed, ${f} failed, ${s} skipped (runner exit ${rc})`);
  for (const t of r.testResults ?? []) {
    for (const a of t.assertionResults ?? []) {
      if (a.status === "skipped" || a.status === "pending" || a.status === "todo") console.log(`  skipped: ${t.name} › ${a.fullName ?? a.title}`);
      if (a.status === "failed") {
        const why = String((a.failureMessages ?? [])[0] ?? "").split("\n")[0].slice(0, 300);
        console.log(`  FAILED: ${relative(process.cwd(), t.name)} › ${a.fullName ?? a.title}${why ? ` — ${why}` : ""}`);
      }
    }
    if (t.status === "failed" && (t.assertionResults ?? []).every((a) => a.status !== "failed")) {
      console.log(`  FAILED (file): ${relative(process.cwd(), t.name)} — ${String(t.message ?? "").split("\n")[0].slice(0, 300)}`);
    }
  }
  passed += p;
  failed += f;
  skipped += s;
  if (s > 0 && inCi) {
    console.log(`${label}: ${s} skipped test(s) counted as failed: CI=true, and CI provides every prerequisite`);
    failed += s;
    ok = false;
  }
  if (rc !== "0") {
    ok = false;
    if (f === 0) failed++;
  }
}
for (const [label, rc] of extras) {
  if (rc === "0") passed++;
  else {
    failed++;
    ok = false;
    console.log(`${label}: FAILED (exit ${rc})`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);

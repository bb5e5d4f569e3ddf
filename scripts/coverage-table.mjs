#!/usr/bin/env node
/**
 * Prints coverage per folder from vitest's `coverage/coverage-summary.json` (the `json-summary` reporter):
 * lines, branches, functions and statements of each folder (two levels deep: `relay/server`,
 * `trading/risk`, …), summed from its files, and the whole. The thresholds the suite enforces live in
 * `vitest.config.ts` (`coverage.thresholds`); this table is for people.
 *
 * Usage: node scripts/coverage-table.mjs [coverage/coverage-summary.json]
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import process from "node:process";

const file = process.argv[2] ?? "coverage/coverage-summary.json";
let summary;
try {
  summary = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.error(`coverage-table: cannot read ${file} (${e.message}); run \`npm run coverage\` first`);
  process.exit(1);
}
const KINDS = ["lines", "branches", "functions", "statements"];
const folders = new Map();
for (const [path, m] of Object.entries(summary)) {
  if (path === "total") continue;
  const parts = relative(process.cwd(), path).split("/");
  const key = parts.length > 2 ? parts.slice(0, 2).join("/") : parts[0];
  const acc = folders.get(key) ?? Object.fromEntries(KINDS.map((k) => [k, { covered: 0, total: 0 }]));
  for (const k of KINDS) {
    acc[k].covered += m[k].covered;
    acc[k].total += m[k].total;
  }
  folders.set(key, acc);
}
const pct = (c) => (c.total === 0 ? "   —  " : `${((100 * c.covered) / c.total).toFixed(1).padStart(5)}%`);
const rows = [...folders].sort(([a], [b]) => a.localeCompare(b));
const width = Math.max(10, ...rows.map(([k]) => k.length));
console.log(`${"folder".padEnd(width)}  lines   branches functions statements`);
for (const [k, acc] of rows) console.log(`${k.padEnd(width)}  ${KINDS.map((x) => pct(acc[x])).join("   ")}`);
const t = summary.total;
console.log(`${"all".padEnd(width)}  ${KINDS.map((x) => pct(t[x])).join("   ")}`);

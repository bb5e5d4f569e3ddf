#!/usr/bin/env bash
# Runs every test on both runtimes: type check, the vitest suite on Node, the same suite inside Deno.
# Ends with the plain line "N passed, N failed" (CI reads it). Exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.test-results
rm -rf "$results" && mkdir -p "$results"

DENO=$(node scripts/install-deno.mjs) || { echo "test-all: could not install Deno"; echo "0 passed, 1 failed"; exit 1; }

echo "== type check (tsc) =="
npx tsc -p tsconfig.json > "$results/tsc.txt" 2>&1
tsc_rc=$?
cat "$results/tsc.txt"

echo "== vitest on Node $(node --version) =="
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/node.json"
node_rc=$?

echo "== vitest on $("$DENO" --version | head -1) =="
"$DENO" run -A node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results/deno.json"
deno_rc=$?

node scripts/test-summary.mjs "$tsc_rc" "$node_rc" "$deno_rc" "$results/node.json" "$results/deno.json"

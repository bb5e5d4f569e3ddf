#!/usr/bin/env bash
# Runs every test on both runtimes: type check, the vitest suite on Node, the same suite inside Deno, the
# Node suite again on Node 24 (the current LTS, installed into tools/node24 by scripts/install-node.mjs), and
# the relay and end-to-end suites once more with a busy loop on every core (scripts/test-loaded.mjs: no test
# may depend on an idle machine), then the benchmark regression gate (bench/check.ts, counted as one test).
# --quick leaves out the Node 24 and loaded runs and the gate. Ends with the plain line
# "N passed, N failed" (CI reads it). Exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.test-results
rm -rf "$results" && mkdir -p "$results"
node24=1
loaded=1
for arg in "$@"; do
  case "$arg" in
    --node24) node24=1 ;;
    --quick) node24=0; loaded=0 ;;
    *) echo "test-all: unknown option $arg (known: --quick)"; echo "0 passed, 1 failed"; exit 2 ;;
  esac
done

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

runs=(node "$node_rc" "$results/node.json" deno "$deno_rc" "$results/deno.json")
if [ "$node24" = 1 ]; then
  if NODE24=$(node scripts/install-node.mjs 24); then
    echo "== vitest on Node $("$NODE24" --version) =="
    # Its directory first on PATH: child processes the tests start with `node` (and npm's shims) run on it too.
    PATH="$(dirname "$NODE24"):$PATH" "$NODE24" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results/node24.json"
    node24_rc=$?
  else
    echo "test-all: could not install Node 24"
    node24_rc=127
  fi
  runs+=(node24 "$node24_rc" "$results/node24.json")
fi

if [ "$loaded" = 1 ]; then
  echo "== relay and e2e suites on Node $(node --version), every core busy =="
  node scripts/test-loaded.mjs tests/relay tests/e2e -- --reporter=default --reporter=json --outputFile.json="$results/loaded.json"
  loaded_rc=$?
  runs+=(loaded "$loaded_rc" "$results/loaded.json")
fi

bench_args=()
if [ "$loaded" = 1 ]; then
  # After the tests, on a machine they no longer load: each figure a ratio to a baseline of the same run.
  echo "== benchmark regression gate (npm run bench:check) =="
  npx tsx bench/check.ts
  bench_rc=$?
  bench_args=(--extra "bench:check" "$bench_rc")
fi

node scripts/test-summary.mjs "$tsc_rc" "${runs[@]}" "${bench_args[@]}"

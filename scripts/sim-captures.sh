#!/usr/bin/env bash
# Regenerates the project's simulated venue captures (fixtures/captures/<venue>.sim.jsonl) from fixed
# seeds with `ap capture --simulate`. Deterministic: running it again gives the same files.
# Usage: scripts/sim-captures.sh            (Node via tsx)
#        AP="deno run -A main.ts" scripts/sim-captures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
AP=${AP:-"npx tsx main.ts"}
mkdir -p fixtures/captures
for venue in coinbase binance kraken; do
  $AP capture --simulate "$venue" --seed 1 --steps 120 --step-ms 100 --out "fixtures/captures/$venue.sim.jsonl"
done

#!/usr/bin/env bash
# Regenerates the embedded demo's simulated venue captures (fixtures/demo/<venue>.sim.jsonl): like
# scripts/sim-captures.sh but longer and with trending price moves (--volatility-bps), so the demo's
# strategies have something to trade. Deterministic. Usage: scripts/demo-captures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
AP=${AP:-"npx tsx main.ts"}
mkdir -p fixtures/demo
for venue in coinbase binance kraken; do
  $AP capture --simulate "$venue" --seed 11 --steps 300 --step-ms 100 --volatility-bps 4 --out "fixtures/demo/$venue.sim.jsonl"
done

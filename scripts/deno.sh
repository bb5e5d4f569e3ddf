#!/usr/bin/env bash
# Runs the project's Deno (installed from npm into tools/deno by scripts/install-deno.mjs) with the given arguments.
# Example: bash scripts/deno.sh task start
set -euo pipefail
cd "$(dirname "$0")/.."
DENO=$(node scripts/install-deno.mjs)
exec "$DENO" "$@"

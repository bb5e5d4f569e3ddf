import { defineConfig } from "vitest/config";

/** One config for both runtimes: `npx vitest run` (Node) and `deno run -A node_modules/vitest/vitest.mjs run` (Deno). */
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Installs the runtime's platform (core/platform.ts) before each test file, as main.ts does.
    setupFiles: ["tests/setup/platform.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // `npm run coverage` (and the Node run of `npm test`): V8 coverage of the code the tests run in
    // their own process (services started as child processes are not counted).
    coverage: {
      provider: "v8",
      include: ["{protocol,core,relay,adapters,trading,bridge,runtime,api,app,cli}/**/*.ts"],
      exclude: ["tests/**", "**/*.d.ts", "api/generated/**", "adapters/**/sim/**"],
      // Enforced by `npm run coverage`: the floors (protocol ≥ 90 %, the critical paths ≥ 80 %) where
      // the suite already meets them, raised towards what it measures (stop 15: protocol 99.0 % lines /
      // 94.5 % branches, relay/server 97.8/91.1, risk 96.9/83.7, execution 97.7/86.9, portfolio 99.0/90.8,
      // runtime's journal and recovery 98.1/88.9); relay/client and relay/wire after their error-path tests
      // (issue 20: the relay tests alone measure client 92.9/86.9, wire 99.5/93.5). runtime/state after its
      // error-path tests.
      thresholds: {
        "protocol/**": { lines: 97, branches: 92, functions: 97, statements: 95 },
        "relay/server/**": { lines: 95, branches: 88 },
        "relay/client/**": { lines: 92, branches: 85 },
        "relay/wire/**": { lines: 98, branches: 92 },
        "adapters/{binance,coinbase,kraken,common}/**": { lines: 90, branches: 85 },
        "adapters/evm/**": { lines: 89, branches: 80 },
        "trading/risk/**": { lines: 94, branches: 81 },
        "trading/execution/**": { lines: 95, branches: 84 },
        "trading/portfolio/**": { lines: 96, branches: 88 },
        "runtime/{journal,recovery}.ts": { lines: 90, branches: 80 },
        // 98.1 % lines / 84.4 % branches from tests/runtime/state and execution-state alone (issue 20, item 4).
        "runtime/state/**": { lines: 97, branches: 83 },
      },
      reporter: ["text-summary", "lcov", "html", "json-summary"],
      reportsDirectory: "coverage",
      reportOnFailure: true,
    },
  },
});

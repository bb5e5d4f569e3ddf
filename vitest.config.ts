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
      exclude: ["**/*.d.ts", "api/generated/**", "adapters/**/sim/**"],
      reporter: ["text-summary", "lcov", "html", "json-summary"],
      reportsDirectory: "coverage",
      reportOnFailure: true,
    },
  },
});

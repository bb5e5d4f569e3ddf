/**
 * Shared helpers of the runtime system tests.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { createLogger } from "../../core/log.ts";

/** Polls `probe` until it returns a value (not `undefined`, not a rejection), or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Starts the real embedded demo (config/default.yaml) as supervised processes, in `runtimeDir`, with the
 * API on a free port and fast restarts; the services log at `level` and above (they inherit ALPHAPULSE_LOG_LEVEL).
 */
export async function startDemo(runtimeDir: string, name: string, level: "warn" | "error"): Promise<RunningSystem> {
  process.env.ALPHAPULSE_LOG_LEVEL = level;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const text = readFileSync(join(root, "config/default.yaml"), "utf8");
  const config = parseConfig(text, AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: "0" });
  const prev = process.cwd();
  process.chdir(root); // the demo's capture paths are relative to the project
  try {
    return await startSystem({ ...config, supervisor: { ...config.supervisor, initialBackoffMs: 100 } }, {
      mainPath: join(root, "main.ts"), log: createLogger(name, { level }),
    });
  } finally {
    process.chdir(prev);
  }
}

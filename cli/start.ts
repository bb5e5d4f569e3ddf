/**
 * `ap start [--config F] [--port N] [--inline]`: brings the whole system up (relays, adapters,
 * strategies, risk/execution, API) as supervised processes, prints where the API and dashboard are and
 * the control token, and shuts down gracefully on SIGINT/SIGTERM.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import process from "node:process";
import { createLogger } from "../relay/log.ts";
import { ConfigError } from "../runtime/config/load.ts";
import { DEFAULT_CONFIG, loadAppConfig } from "../runtime/launch/load-app-config.ts";
import { requireTradingServices } from "../runtime/launch/validate-services.ts";
import { startSystem, SystemStartError } from "../runtime/launch/system.ts";
import { parseOptions, parsePort } from "./args.ts";
import { CommandError, type Command } from "./command.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** `ap start`. */
export const startCommand: Command = {
  name: "start",
  summary: "start the whole system (default: the embedded demo, no network or keys)",
  usage: `usage: ap start [--config FILE] [--port N] [--inline]

Starts every service of the config as its own supervised process and serves the API and dashboard.
  --config FILE   YAML config (default ${DEFAULT_CONFIG}: the embedded demo; config/live.yaml: real feeds)
  --port N        API port (overrides api.port; 0 picks a free one)
  --inline        run all services in this one process (development, tests)
Environment: ALPHAPULSE_API_TOKEN (generated when unset), ALPHAPULSE_RUNTIME_DIR via the config.
Stops gracefully on Ctrl-C (SIGINT) or SIGTERM.`,
  async run({ args }) {
    const { values } = parseOptions(args, { config: { type: "string" }, port: { type: "string" }, inline: { type: "boolean" } });
    const file = values.config ?? DEFAULT_CONFIG;
    let config;
    try {
      config = await loadAppConfig(file);
      requireTradingServices(config, file);
    } catch (e) {
      if (e instanceof ConfigError) throw new CommandError(`invalid config: ${e.message}`, 1);
      throw e;
    }
    const port = parsePort(values.port, "--port");
    if (port !== undefined) config = { ...config, api: { ...config.api, port } };
    const log = createLogger("supervisor");
    let system;
    try {
      system = await startSystem(config, { mainPath: MAIN, inline: values.inline ?? false, log });
    } catch (e) {
      if (e instanceof SystemStartError) throw new CommandError(e.message, 1);
      if (e instanceof ConfigError) throw new CommandError(`invalid config: ${e.message}`, 1);
      throw e;
    }
    process.stdout.write(
      [
        "AlphaPulse is running" + (values.inline ? " (inline)" : "") + ` from ${file}`,
        `  API        ${system.apiUrl}  (GET /health, /metrics; the rest needs the token)`,
        `  Dashboard  ${system.apiUrl}/`,
        `  Token      ${system.token}`,
        `  Runtime    ${system.paths.dir}`,
        "Ctrl-C stops everything.",
        "",
      ].join("\n"),
    );
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info("shutting down", { signal });
        const t0 = Date.now();
        system.stop().then(
          () => {
            log.info("stopped", { ms: Date.now() - t0 });
            resolve(0);
          },
          (e) => {
            log.error("shutdown failed", { error: String(e) });
            resolve(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
  },
};

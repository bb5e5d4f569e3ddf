/**
 * `ap start [--config F] [--port N] [--inline | --threads] [--log-format console|json]`: brings the whole
 * system up (relays, adapters, strategies, risk/execution, API) as supervised processes (or supervised
 * worker threads with `--threads`) and shuts it down gracefully on SIGINT/SIGTERM.
 *
 * Output. Every log line (the supervisor's and every child's) goes to the rotating log file
 * `<stateDir>/logs/alphapulse.log`. On a terminal (`console`, the default when stdout is a TTY) stdout
 * shows the banner and then one status line redrawn in place (cli/start-console.ts), not the logs. With
 * `json` (the default when stdout is not a terminal) stdout carries the log lines as JSON, plus one
 * `{"msg":"AlphaPulse is running", …}` line with the addresses, token and directories; the banner text
 * then goes to stderr, for people.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import process from "node:process";
import { configureLogging, createLogger, isLogLevel, LOG_LEVEL_ENV, logLevelFromEnv } from "../core/log.ts";
import { ConfigError } from "../runtime/config/load.ts";
import { DEFAULT_CONFIG, loadAppConfig } from "../runtime/launch/load-app-config.ts";
import { requireTradingServices } from "../runtime/launch/validate-services.ts";
import { RotatingLogFile } from "../runtime/launch/log-file.ts";
import { startSystem } from "../app/system.ts";
import { SystemStartError } from "../runtime/launch/start-error.ts";
import { configRunName } from "../runtime/paths.ts";
import { parseOptions, parsePort } from "./args.ts";
import { CommandError, type Command } from "./command.ts";
import { bannerText, LiveStatus } from "./start-console.ts";
import { StartLogs } from "./start-logs.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** `ap start`. */
export const startCommand: Command = {
  name: "start",
  summary: "start the whole system (default: the embedded demo, no network or keys)",
  usage: `usage: ap start [--config FILE] [--port N] [--inline | --threads] [--log-format console|json]

Starts every service of the config as its own supervised process and serves the API and dashboard.
  --config FILE        YAML config (default ${DEFAULT_CONFIG}: the embedded demo; config/live.yaml: real feeds)
  --port N             API port (overrides api.port; 0 picks a free one)
  --inline             run all services in this one process (development, tests)
  --threads            run each service in a supervised worker thread of this process, talking to the
                       relays over shared-memory rings (overrides supervisor.deployment)
  --log-format FORMAT  console: banner and a live status line, logs only in the log file (default on a
                       terminal); json: log lines as JSON on stdout too (default otherwise)
Logs: <stateDir>/logs/alphapulse.log, rotated by size (config logs.maxFileBytes, logs.maxFiles).
Environment: ALPHAPULSE_API_TOKEN (generated when unset), ALPHAPULSE_LOG_LEVEL, ALPHAPULSE_RUNTIME_DIR,
ALPHAPULSE_STATE_DIR and ALPHAPULSE_PORT via the config (README "Environment variables").
Stops gracefully on Ctrl-C (SIGINT) or SIGTERM.`,
  async run({ args }) {
    const { values } = parseOptions(args, {
      config: { type: "string" }, port: { type: "string" }, inline: { type: "boolean" }, threads: { type: "boolean" }, "log-format": { type: "string" },
    });
    if (values.inline && values.threads) throw new CommandError("--inline and --threads exclude each other: pick one deployment", 2);
    const format = values["log-format"] ?? (process.stdout.isTTY ? "console" : "json");
    if (format !== "console" && format !== "json") throw new CommandError(`--log-format must be console or json, got ${JSON.stringify(format)}`, 2);
    const file = values.config ?? DEFAULT_CONFIG;
    const logs = new StartLogs(format === "json" ? (line) => void process.stdout.write(line) : undefined);
    configureLogging({ write: logs.write });
    let config;
    try {
      config = await loadAppConfig(file);
      requireTradingServices(config, file);
    } catch (e) {
      configureLogging({ write: undefined });
      for (const line of logs.takePending()) process.stderr.write(line);
      if (e instanceof ConfigError) throw new CommandError(`invalid config: ${e.message}`, 1);
      throw e;
    }
    const port = parsePort(values.port, "--port");
    if (port !== undefined) config = { ...config, api: { ...config.api, port } };
    if (!config.name) config = { ...config, name: configRunName(file) };
    const level = logLevelFromEnv() ?? config.logs.level;
    process.env[LOG_LEVEL_ENV] = isLogLevel(level) ? level : "info"; // the children log at the same level (and never warn about an old name again)
    configureLogging({ write: logs.write, level });
    const log = createLogger("supervisor");
    let logFile = "";
    let system;
    try {
      system = await startSystem(config, {
        mainPath: MAIN, inline: values.inline ?? false, ...(values.threads ? { deployment: "threads" as const } : {}), log,
        onClaimed: (paths) => {
          const f = RotatingLogFile.open(paths.logDir, config.logs);
          logFile = f.path;
          logs.attach(f);
        },
        childOutput: (service, text) => logs.childOutput(service, text),
      });
    } catch (e) {
      configureLogging({ write: undefined });
      for (const line of logs.takePending()) process.stderr.write(line);
      logs.close();
      if (e instanceof SystemStartError) throw new CommandError(e.message, 1);
      if (e instanceof ConfigError) throw new CommandError(`invalid config: ${e.message}`, 1);
      throw e;
    }
    const banner = {
      configFile: file, inline: values.inline ?? false, threads: system.deployment === "threads", apiUrl: system.apiUrl, token: system.token,
      runtimeDir: system.paths.dir, stateDir: system.paths.stateDir, logFile,
    };
    log.info("system running", { configFile: file, api: system.apiUrl, runtimeDir: banner.runtimeDir, stateDir: banner.stateDir, logFile });
    let status: LiveStatus | undefined;
    if (format === "json") {
      process.stdout.write(JSON.stringify({
        level: "info", time: new Date().toISOString(), service: "supervisor", msg: "AlphaPulse is running",
        deployment: system.deployment, api: system.apiUrl, dashboard: `${system.apiUrl}/`, token: system.token, runtimeDir: banner.runtimeDir, stateDir: banner.stateDir, logFile,
      }) + "\n");
      process.stderr.write(bannerText(banner));
    } else {
      process.stdout.write(bannerText(banner));
      status = new LiveStatus(system.apiUrl, system.token, logs, (t) => void process.stdout.write(t), () => process.stdout.columns || 160);
      status.start();
    }
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        status?.stop();
        if (status) process.stdout.write(`stopping (${signal})…\n`);
        log.info("shutting down", { signal });
        const t0 = Date.now();
        system.stop().then(
          () => {
            log.info("stopped", { ms: Date.now() - t0 });
            if (status) process.stdout.write(`stopped in ${Date.now() - t0} ms; state kept in ${banner.stateDir}\n`);
            logs.close();
            resolve(0);
          },
          (e) => {
            log.error("shutdown failed", { error: String(e) });
            if (status) process.stdout.write(`shutdown failed: ${String(e)} (see ${logFile})\n`);
            logs.close();
            resolve(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
  },
};

/**
 * `ap kill-switch on|off|status [--runtime-dir D | --config F]`: engages, releases or shows the kill
 * switch by talking straight to the execution service's control socket — no API, no supervisor, no token
 * (the socket is 0600 in the owner's runtime directory). It works while the API is down or crash-looping.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { ConfigError } from "../runtime/config/load.ts";
import { callControl, ControlError } from "../runtime/control/channel.ts";
import type { AppConfig } from "../runtime/config/schema.ts";
import { DEFAULT_CONFIG, loadAppConfig } from "../runtime/launch/load-app-config.ts";
import { runtimePaths } from "../runtime/paths.ts";
import { parseOptions } from "./args.ts";
import { CommandError, type Command } from "./command.ts";

/** Name of the execution service when the runtime directory does not say. */
const DEFAULT_EXECUTION = "execution";

/** The resolved config `ap start` wrote into the runtime directory (name of the file there). */
const RESOLVED_CONFIG = "config.json";

const ACTIONS = { on: ["setKillSwitch", { engaged: true }], off: ["setKillSwitch", { engaged: false }], status: ["tradingStatus", {}] } as const;

/** The enabled execution service of a config, if any. */
function executionName(config: Pick<AppConfig, "services">): string | undefined {
  return config.services.find((s) => s.kind === "execution" && s.enabled)?.name;
}

/** Where the execution service's control socket is, from a runtime directory or a config file. */
async function locate(runtimeDir: string | undefined, configFile: string | undefined): Promise<{ socket: string; service: string }> {
  if (runtimeDir !== undefined) {
    let service = DEFAULT_EXECUTION;
    try {
      const resolved = JSON.parse(await readFile(join(runtimeDir, RESOLVED_CONFIG), "utf8")) as { services?: unknown };
      if (Array.isArray(resolved.services)) service = executionName(resolved as Pick<AppConfig, "services">) ?? service;
    } catch {
      // no resolved config there (never started, or cleaned): the default name
    }
    return { socket: runtimePaths(runtimeDir).controlSocket(service), service };
  }
  const file = configFile ?? DEFAULT_CONFIG;
  let config: AppConfig;
  try {
    config = await loadAppConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(`invalid config: ${e.message}`, 1);
    throw e;
  }
  const service = executionName(config);
  if (!service) throw new CommandError(`${file} has no enabled execution service: there is no kill switch to reach`, 1);
  return { socket: runtimePaths(config.runtimeDir).controlSocket(service), service };
}

/**
 * What to print: the trading state (first line, as `on`/`off` answer it), and for `status` its reason
 * and each open alert on lines of their own.
 */
function statusLines(answer: unknown): string {
  if (typeof answer !== "object" || answer === null) return String(answer);
  const s = answer as { tradingState?: unknown; reason?: unknown; alerts?: { name?: string; file?: string; reason?: string }[] };
  const lines = [String(s.tradingState)];
  if (typeof s.reason === "string" && s.reason) lines.push(`  reason: ${s.reason}`);
  for (const a of s.alerts ?? []) lines.push(`  alert ${a.name} (${a.file}): ${a.reason}`);
  return lines.join("\n");
}

/** `ap kill-switch`. */
export const killSwitchCommand: Command = {
  name: "kill-switch",
  summary: "engage, release or show the kill switch straight on the execution service (no API needed)",
  usage: `usage: ap kill-switch on|off|status [--runtime-dir DIR | --config FILE] [--timeout-ms N]

Talks directly to the execution service's control socket in the runtime directory, so it works while
the API is down. Prints the resulting trading state (ACTIVE, REDUCING or HALTED).
  on              engage the kill switch: HALTED, open orders cancelled
  off             release it: ACTIVE
  status          show the trading state, its reason and open alerts (e.g. a state file found corrupt)
  --runtime-dir   the system's runtime directory (as ap start printed it)
  --config FILE   find the runtime directory from this config (default ${DEFAULT_CONFIG})
  --timeout-ms N  how long to wait for the answer (default 5000)
Exit 0 on success; 1 with one line on stderr when the execution service cannot be reached.`,
  async run({ args }) {
    const { values, positionals } = parseOptions(args, {
      "runtime-dir": { type: "string" }, config: { type: "string" }, "timeout-ms": { type: "string" },
    }, true);
    const action = positionals[0];
    if (positionals.length !== 1 || !action || !Object.hasOwn(ACTIONS, action)) {
      throw new CommandError("expected exactly one of on, off, status; ap kill-switch --help", 2);
    }
    if (values["runtime-dir"] !== undefined && values.config !== undefined) {
      throw new CommandError("give --runtime-dir or --config, not both", 2);
    }
    const timeoutText = values["timeout-ms"] ?? "5000";
    const timeoutMs = Number(timeoutText);
    if (!/^\d+$/.test(timeoutText) || timeoutMs < 1 || timeoutMs > 600_000) {
      throw new CommandError(`--timeout-ms must be 1–600000, got ${JSON.stringify(timeoutText)}`, 2);
    }
    const { socket, service } = await locate(values["runtime-dir"], values.config);
    const [op, opArgs] = ACTIONS[action as keyof typeof ACTIONS];
    let state: unknown;
    try {
      state = await callControl(socket, op, { ...opArgs }, timeoutMs);
    } catch (e) {
      if (e instanceof ControlError) {
        const why = e.message.replace(/\s+/g, " ");
        throw new CommandError(`cannot reach the execution service "${service}" (${socket}): ${why}; is the system running from this directory?`, 1);
      }
      throw e;
    }
    process.stdout.write(`${statusLines(state)}\n`);
    return 0;
  },
};

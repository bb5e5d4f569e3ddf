/**
 * `ap service <name> (--config F | --resolved F)`: runs one service of a config in this process until
 * SIGTERM/SIGINT. The supervisor (`ap start`) starts one such process per service.
 *
 * @module
 */

import { ConfigError } from "../runtime/config/load.ts";
import { DEFAULT_CONFIG, loadAppConfig, readResolvedConfig } from "../runtime/launch/load-app-config.ts";
import { serviceRegistry } from "../app/service-registry.ts";
import { runServiceProcess } from "../runtime/service/host-service.ts";
import { UnknownServiceError } from "../runtime/service/system-services.ts";
import { parseOptions } from "./args.ts";
import { CommandError, type Command } from "./command.ts";

/** `ap service`. */
export const serviceCommand: Command = {
  name: "service",
  summary: "run one service of a config (what the supervisor starts per process)",
  usage: `usage: ap service <name> [--config FILE | --resolved FILE]

Runs the service <name> (relay-market-data, relay-signal, relay-execution, relay-system, api, or a
service listed in the config) until SIGTERM/SIGINT, then stops it within the shutdown deadline.
  --config FILE     YAML config (default ${DEFAULT_CONFIG})
  --resolved FILE   resolved JSON config written by ap start`,
  async run({ args }) {
    const { values, positionals } = parseOptions(args, { config: { type: "string" }, resolved: { type: "string" } }, true);
    const name = positionals[0];
    if (!name || positionals.length > 1) throw new CommandError("expected exactly one service name; ap service --help", 2);
    try {
      const config = values.resolved ? await readResolvedConfig(values.resolved) : await loadAppConfig(values.config ?? DEFAULT_CONFIG);
      return await runServiceProcess(name, config, serviceRegistry);
    } catch (e) {
      if (e instanceof ConfigError || e instanceof UnknownServiceError) throw new CommandError(e.message, 1);
      throw e;
    }
  },
};

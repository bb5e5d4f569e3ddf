/**
 * What each supervised service may touch — the least privilege it runs with where the runtime can enforce
 * it (Deno's permission flags; on Node ≥ 22 the permission model's file rules for the services that write
 * only sockets — app/platform/node-permission-flags.ts; see `docs/SECURITY.md`). Every service may read the project's
 * sources and its working directory, its resolved config file, its control socket and the system relay's
 * socket (heartbeats); beyond that:
 *
 * | kind | reads and writes | network |
 * |---|---|---|
 * | relay | its domain's socket | NATS servers when bridging |
 * | adapter | the market-data (and, for DEX venues, execution) socket; its pool cache | none when replaying; live: any host but the API's |
 * | strategy | market-data, signal and execution sockets; `<stateDir>/state` (its snapshot); a plugin module's folder | none |
 * | execution | market-data, signal and execution sockets; `<stateDir>/state` and `/journal` | none |
 * | api | the runtime and state directories (it answers for the whole system) | its listen address; alert webhooks |
 *
 * No service may run programs (`--allow-run`), load native code (`--allow-ffi`) or read the rest of the
 * user's files (the API token file, the tools token, other services' state, `$HOME`). Environment
 * variables: a service's environment is built by the supervisor and holds only its own secrets
 * (`childEnvFor`), so reading the environment is allowed.
 *
 * @example
 * ```ts
 * const grants = serviceGrants(describeService("execution", config), config, { projectRoot, cwd: process.cwd() });
 * platform().scriptCommand("main.ts", true, { grants });
 * ```
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProcessGrants } from "../../core/platform.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { DOMAIN_NAMES, parseDomain } from "../../relay/wire/socket-paths.ts";
import type { AppConfig } from "../config/schema.ts";
import { configPaths, STATE_SUBDIRS } from "../paths.ts";
import { allServiceNames, SUPERVISOR_CONTROL, type ServiceDescriptor } from "../service/system-services.ts";
import { API_ADDRESS_FILE } from "./claim-dir.ts";

/** Where the project and the run are. */
export interface GrantContext {
  /** Directory of the project's sources and `node_modules` (read only). */
  readonly projectRoot: string;
  /** Working directory services start in (relative option paths resolve here; read only). */
  readonly cwd: string;
  /** The resolved config file the service reads. */
  readonly configFile: string;
  /** Extra files every service reads (e.g. preload modules). */
  readonly extraReads?: readonly string[];
}

const DEX_VENUES = new Set(["polygon", "ethereum"]);

function hostPort(url: string): string | undefined {
  try {
    const u = new URL(url);
    const port = u.port || ({ "nats:": "4222", "tls:": "4222", "http:": "80", "https:": "443", "ws:": "80", "wss:": "443" } as Record<string, string>)[u.protocol];
    return port === undefined ? u.hostname : `${u.hostname}:${port}`;
  } catch {
    return undefined;
  }
}

/** The grants of service `service` of `config` (already resolved: runtime and state directories set). */
export function serviceGrants(service: ServiceDescriptor, config: AppConfig, ctx: GrantContext): ProcessGrants {
  const paths = configPaths(config);
  const read = new Set<string>([ctx.projectRoot, ctx.cwd, ctx.configFile, ...(ctx.extraReads ?? [])]);
  const write = new Set<string>();
  const net = new Set<string>();
  let anyHost = false;
  const deniedNet = new Set<string>();
  const both = (p: string) => {
    read.add(p);
    write.add(p);
  };
  // Deno asks for read, write and `unix:` net access to listen on or connect to a Unix socket.
  const unixSocket = (p: string) => {
    both(p);
    net.add(`unix:${p}`);
  };
  const socket = (domain: number) => unixSocket(paths.relaySocket(domain));
  const inCwd = (p: string) => (isAbsolute(p) ? p : resolve(ctx.cwd, p));
  unixSocket(paths.controlSocket(service.name));
  socket(RelayDomain.System); // every service reports its heartbeat and status there

  const svc = config.services.find((s) => s.name === service.name);
  const options = (svc?.options ?? {}) as Record<string, unknown>;
  switch (service.kind) {
    case "relay": {
      const domain = parseDomain(service.name.slice("relay-".length)); // relay services are named relay-<domain>
      if (domain !== undefined) socket(domain);
      const nats = config.relays.nats;
      if (nats !== undefined) {
        for (const u of nats.url.split(",")) {
          const hp = hostPort(u.trim());
          if (hp !== undefined) net.add(hp);
        }
        for (const f of [nats.credsFile, nats.tls?.ca, nats.tls?.cert, nats.tls?.key]) if (f) read.add(inCwd(f));
      }
      break;
    }
    case "adapter": {
      socket(RelayDomain.MarketData);
      if (DEX_VENUES.has(String(options.venue))) socket(RelayDomain.Execution);
      if (typeof options.replay === "string" && options.replay !== "-") read.add(inCwd(options.replay));
      if (typeof options.poolCache === "string") both(inCwd(options.poolCache));
      if (options.replay === undefined) {
        anyHost = true; // live: any venue host (venue URLs are resolved inside the adapter) …
        deniedNet.add(`${config.api.host}:${config.api.port}`); // … but never the API beside it
      }
      break;
    }
    case "strategy":
      // A plugin module (resolved to an absolute path or file URL when the config was loaded) and the
      // files beside it; a package name resolves inside the project's node_modules.
      if (typeof options.module === "string" && (isAbsolute(options.module) || options.module.startsWith("file:"))) {
        read.add(dirname(options.module.startsWith("file:") ? fileURLToPath(options.module) : options.module));
      }
      socket(RelayDomain.MarketData);
      socket(RelayDomain.Signal);
      socket(RelayDomain.Execution); // DEX strategies read the chains' GasPrice there
      both(join(paths.stateDir, STATE_SUBDIRS.snapshots));
      break;
    case "execution":
      socket(RelayDomain.MarketData);
      socket(RelayDomain.Signal);
      socket(RelayDomain.Execution);
      both(join(paths.stateDir, STATE_SUBDIRS.snapshots));
      both(join(paths.stateDir, STATE_SUBDIRS.journal));
      break;
    case "api":
      both(paths.dir);
      both(paths.stateDir);
      for (const name of DOMAIN_NAMES) socket(parseDomain(name)!);
      for (const n of [...allServiceNames(config), SUPERVISOR_CONTROL]) unixSocket(paths.controlSocket(n));
      both(join(paths.dir, API_ADDRESS_FILE));
      net.add(`${config.api.host}:${config.api.port === 0 ? "0" : config.api.port}`);
      if (config.api.port === 0) net.add(config.api.host);
      for (const w of config.alerting.webhooks) {
        const hp = hostPort(w.url);
        if (hp !== undefined) net.add(hp);
      }
      break;
  }
  for (const v of Object.values(options)) {
    // Files a strategy or adapter config names (a config file, a pool cache): read only.
    if (typeof v === "string" && /\.(ya?ml|json|jsonl)$/.test(v)) read.add(inCwd(v));
  }
  return { read: [...read], write: [...write], net: anyHost ? "any" : [...net], deniedNet: [...deniedNet], env: true, sys: true };
}

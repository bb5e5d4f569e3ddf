/**
 * Brings a whole AlphaPulse system up and down: the relays, the configured services and the API, each
 * as its own supervised OS process (or each in a supervised worker thread of this process with the
 * `threads` deployment, threads-runner.ts; or all in this process with `inline`), plus the supervisor's
 * control socket the API uses for `/services`. The composition root (`app/system.ts`) calls this with its
 * service registry; `ap start` and the system tests go through it.
 *
 * @example
 * ```ts
 * const system = await launchSystem(config, { mainPath, log, registry });
 * console.log(system.apiUrl, system.token);
 * await system.stop();
 * ```
 * @module
 */

import { access, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { LOG_LEVEL_ENV, logLevelFromEnv, type Logger } from "../../core/log.ts";
import { ControlError, serveControl, type ControlServer } from "../control/channel.ts";
import { heapLimitMbOf, type AppConfig } from "../config/schema.ts";
import { configPaths, type RuntimePaths } from "../paths.ts";
import { supervisedChildEnv } from "../process/parent-watch.ts";
import { platform, type ProcessGrants } from "../../core/platform.ts";
import { apInvocation } from "../process/invocation.ts";
import { PROCESS_SPAWNER } from "../process/types.ts";
import { allServiceNames, describeService, RELAY_DOMAINS, SUPERVISOR_CONTROL, type ServiceRegistry } from "../service/system-services.ts";
import { generateToken } from "./api-token.ts";
import { installRunSecrets } from "../service/service-secrets.ts";
import { Supervisor, type SupervisorEvent } from "../supervisor.ts";
import { API_ADDRESS_FILE, claimRuntimeDir, type RuntimeClaim } from "./claim-dir.ts";
import { InlineRunner } from "./inline-runner.ts";
import { serviceGrants } from "./service-grants.ts";
import { SystemStartError } from "./start-error.ts";
import { validateServiceOptions } from "./validate-services.ts";
import { startThreads } from "./threads-runner.ts";
import type { ThreadFault } from "../threads/link-messages.ts";

export { API_ADDRESS_FILE, SystemStartError };

/** How to start. */
export interface StartSystemOptions {
  /** Path of `main.ts` (children run `ap service <name>` through it). */
  mainPath: string;
  /** Host every service in this process. */
  inline?: boolean;
  /** `processes` or `threads` (overrides `supervisor.deployment`; `inline` overrides both). */
  deployment?: Deployment;
  /** The worker entry script of the threads deployment (the composition root's; required for `threads`). */
  threadEntry?: URL;
  /** Starts each service when hosted in this process (`inline`); children resolve through `ap service`. */
  registry: ServiceRegistry;
  /** Logger of the supervisor itself. */
  log: Logger;
  /** How long to wait for the API and every relay to listen. Default 90 s (a loaded 2-core machine starts a dozen runtimes slowly). */
  apiTimeoutMs?: number;
  /**
   * Called once the runtime and state directories are claimed, before any service starts (`ap start`
   * opens its log file there). A throw refuses the start.
   */
  onClaimed?: (paths: RuntimePaths) => void;
  /** Receives what each child process writes (stdout and stderr); omitted: the children inherit both. */
  childOutput?: (service: string, text: string) => void;
}

/** How the services of a system run: each in its own process, or each in a worker thread of this one. */
export type Deployment = AppConfig["supervisor"]["deployment"];

/** A running system. */
export interface RunningSystem {
  readonly paths: RuntimePaths;
  /** How its services run: `processes`, `threads`, or `inline` (all in this process's main thread). */
  readonly deployment: Deployment | "inline";
  /**
   * Threads deployment: injects `fault` into the worker of `service` (real code paths: an uncaught
   * error, or a loop that never yields) — for tests and drills. False when there is no such worker.
   */
  injectFault(service: string, fault: ThreadFault): boolean;
  readonly token: string;
  /** `http://host:port` of the API (dashboard at `/`). */
  readonly apiUrl: string;
  /** Service statuses. */
  services(): ReturnType<Supervisor["list"]>;
  /** Stops everything within the deadline and removes socket files. */
  stop(): Promise<void>;
}

/**
 * Runs `attempt` every 50 ms until it succeeds, or throws a {@link SystemStartError} saying `failure`
 * once `deadline` (epoch ms) has passed.
 */
async function retryUntil<T>(attempt: () => Promise<T>, deadline: number, failure: () => string): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch {
      if (Date.now() > deadline) throw new SystemStartError(failure());
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Waits for the API's address file, then for every relay's Unix socket: a started system is one tools
 * can connect to, not only one whose API answers (the API can be up before a relay on a loaded machine).
 */
async function waitForListeners(paths: RuntimePaths, timeoutMs: number): Promise<{ url: string }> {
  const deadline = Date.now() + timeoutMs;
  const file = join(paths.dir, API_ADDRESS_FILE);
  const api = await retryUntil(
    async () => JSON.parse(await readFile(file, "utf8")) as { url: string },
    deadline,
    () => `the API did not start listening within ${timeoutMs} ms (no ${file}); see the api service's log lines`,
  );
  for (const domain of RELAY_DOMAINS) {
    const socket = paths.relaySocket(domain);
    await retryUntil(() => access(socket), deadline, () => `relay socket ${socket} did not appear within ${timeoutMs} ms of the start; see the relay's log lines`);
  }
  return api;
}

/** Keeps the children file current (a failed write is logged: the children still run). */
function recordChild(claim: RuntimeClaim, e: SupervisorEvent, log: Logger): void {
  try {
    if (e.event === "started" && e.pid !== undefined) claim.children.started(e.service, e.pid);
    if (e.event === "exited" && e.pid !== undefined) claim.children.exited(e.pid);
  } catch (err) {
    log.error("children file not updated", { file: claim.children.file, error: String(err) });
  }
}

/**
 * Starts the system described by `config`. Before anything starts, every service's options are
 * validated (`ConfigError`) and the runtime directory is claimed (claim-dir.ts: socket paths, a private
 * directory, the one-system lock, the API port); a refusal is a {@link SystemStartError} with the reason
 * as its message and the typed error as its `cause`.
 */
export async function launchSystem(config: AppConfig, options: StartSystemOptions): Promise<RunningSystem> {
  const paths = configPaths(config);
  const log = options.log;
  await validateServiceOptions(config);
  let claim: RuntimeClaim;
  try {
    claim = await claimRuntimeDir(paths, config);
  } catch (e) {
    throw SystemStartError.refused(e);
  }
  try {
    options.onClaimed?.(paths);
  } catch (e) {
    claim.release();
    throw SystemStartError.refused(e);
  }
  const token = process.env.ALPHAPULSE_API_TOKEN || config.api.token || generateToken();
  const services = config.services.map((svc) => {
    const missing = svc.requiresEnv.filter((name) => !process.env[name]);
    if (!svc.enabled || missing.length === 0) return svc;
    log.info("service not started: environment not set", { child: svc.name, missing });
    return { ...svc, enabled: false };
  });
  const resolved: AppConfig = { ...config, services, runtimeDir: paths.dir, stateDir: paths.stateDir, api: { ...config.api, token: "" } };
  const resolvedFile = claim.configFile;
  try {
    claim.writeConfig(resolved);
  } catch (e) {
    claim.release();
    throw SystemStartError.refused(e);
  }
  const deployment: Deployment | "inline" = options.inline ? "inline" : (options.deployment ?? config.supervisor.deployment);
  if (deployment === "threads" && options.threadEntry === undefined) {
    claim.release();
    throw new SystemStartError("the threads deployment needs the worker entry script (StartSystemOptions.threadEntry)");
  }
  // Threads share this process's environment (on Deno even their writes): the token goes to the API worker only, in its init.
  if (deployment !== "threads") process.env.ALPHAPULSE_API_TOKEN = token;
  const names = allServiceNames(resolved);
  const secrets = await installRunSecrets(paths.dir, options.inline === true);

  let runner: { list: Supervisor["list"]; start(n: string): unknown; stop(n: string): Promise<void>; restart(n: string): Promise<void>; shutdown(): Promise<void> };
  let injectFault: RunningSystem["injectFault"] = () => false;
  const onEvent = (e: SupervisorEvent): void => {
    const level = e.event === "crash-loop" ? "error" : e.event === "exited" && e.exit?.code !== 0 ? "warn" : "info";
    log[level](`service ${e.event}`, { child: e.service, pid: e.pid, exit: e.exit, delayMs: e.delayMs, ...(deployment === "threads" ? { thread: true } : {}) });
    if (deployment !== "threads") recordChild(claim, e, log); // a thread's pid is this process's: never a child to kill later
  };
  // What each service may touch under `permissions: least` (processes: runtime flags; threads: a worker's own permissions where the runtime has them).
  const projectRoot = dirname(resolve(options.mainPath));
  const preload = config.supervisor.preload.map((p) => resolve(p));
  const grantContext = {
    projectRoot, cwd: process.cwd(), configFile: resolvedFile, extraReads: basename(dirname(projectRoot)) === "node_modules" ? [dirname(projectRoot)] : [],
  };
  const grantsOf = (name: string): ProcessGrants | undefined =>
    config.supervisor.permissions === "least" ? serviceGrants(describeService(name, resolved), resolved, grantContext) : undefined;
  if (deployment === "threads") {
    const s = config.supervisor;
    const t = await startThreads({
      config: resolved, configFile: resolvedFile, names, secrets: secrets.run, apiToken: token, logLevel: logLevelFromEnv() ?? config.logs.level,
      script: options.threadEntry!, log, onEvent, childOutput: options.childOutput, grantsOf,
    });
    injectFault = t.fault;
    runner = {
      list: () => t.supervisor.list(),
      start: (n) => t.supervisor.start(n),
      stop: (n) => t.supervisor.stop(n, s.shutdownDeadlineMs),
      restart: (n) => t.supervisor.restart(n, s.shutdownDeadlineMs),
      shutdown: () => t.shutdown(s.shutdownDeadlineMs),
    };
  } else if (options.inline) {
    const inline = new InlineRunner(resolved, names, options.registry, log, secrets.run);
    runner = inline;
    await inline.startAll();
  } else {
    const s = config.supervisor;
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), s, onEvent);
    const logLevel = logLevelFromEnv() ?? config.logs.level; // explicit, so no child reads (and warns about) an old variable name
    for (const name of names) {
      const r = describeService(name, resolved);
      const grants = grantsOf(name);
      const heapLimitMb = heapLimitMbOf(resolved, name);
      const ap = apInvocation(options.mainPath, undefined, { grants, preload, ...(heapLimitMb !== undefined ? { heapLimitMb } : {}) });
      sup.add({
        name, kind: r.kind, command: ap.command,
        args: [...ap.args, "service", name, "--resolved", resolvedFile],
        // The API token reaches the API only: every other child's copy of the variable is emptied.
        env: { ALPHAPULSE_API_TOKEN: r.kind === "api" ? token : "", [LOG_LEVEL_ENV]: logLevel, ...secrets.run.envFor(r.kind, r.serviceId), ...supervisedChildEnv() }, stdinPipe: true,
        ...(options.childOutput ? { onOutput: ((out) => (_stream: string, text: string) => out(name, text))(options.childOutput) } : {}),
      });
    }
    sup.startAll();
    runner = {
      list: () => sup.list(),
      start: (n) => sup.start(n),
      stop: (n) => sup.stop(n, s.shutdownDeadlineMs),
      restart: (n) => sup.restart(n, s.shutdownDeadlineMs),
      shutdown: () => sup.shutdown(s.shutdownDeadlineMs),
    };
  }

  let control: ControlServer;
  try {
    control = await serveControl(paths.controlSocket(SUPERVISOR_CONTROL), {
      services: async () => runner.list(),
      serviceAction: async (args) => {
        const name = String(args.name);
        if (!names.includes(name)) throw new ControlError("NotFound", `service "${name}" not found`);
        if (args.action === "stop") await runner.stop(name);
        else if (args.action === "start") await runner.start(name);
        else if (args.action === "restart") await runner.restart(name);
        else throw new ControlError("BadRequest", `unknown action ${JSON.stringify(args.action)}`, "action");
        return true;
      },
    });
  } catch (e) {
    await runner.shutdown();
    await secrets.uninstall();
    claim.release();
    throw new SystemStartError(`the supervisor's control socket could not be opened: ${(e as Error).message}`, e);
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await runner.shutdown();
    await control.close();
    await secrets.uninstall();
    claim.release();
  };

  let api: { url: string };
  try {
    api = await waitForListeners(paths, options.apiTimeoutMs ?? 90_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { paths, deployment, injectFault, token, apiUrl: api.url, services: () => runner.list(), stop };
}

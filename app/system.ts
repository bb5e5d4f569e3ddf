/**
 * Starting a whole system from the composition root: the runtime's launcher given this app's service
 * registry. `ap start` and the system tests call {@link startSystem}.
 *
 * @module
 */

import type { AppConfig } from "../runtime/config/schema.ts";
import { launchSystem, type RunningSystem, type StartSystemOptions } from "../runtime/launch/system.ts";
import { serviceRegistry } from "./service-registry.ts";

export type { RunningSystem };

/** Options of {@link startSystem}: those of the launcher, without the registry and thread entry (this app supplies its own). */
export type AppStartOptions = Omit<StartSystemOptions, "registry" | "threadEntry">;

/** The worker entry of the threads deployment. */
const THREAD_ENTRY = new URL("./service-thread.ts", import.meta.url);

/** Brings the system of `config` up with this app's service registry; see `runtime/launch/system.ts`. */
export function startSystem(config: AppConfig, options: AppStartOptions): Promise<RunningSystem> {
  return launchSystem(config, { ...options, registry: serviceRegistry, threadEntry: THREAD_ENTRY });
}

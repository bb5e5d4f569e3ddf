/**
 * The composition root of AlphaPulse: the service registry (which factory starts which service) and the start
 * of a whole system with it. `cli/` and the system tests come in here; `runtime/` and `api/` never import it.
 *
 * @example
 * ```ts
 * import { startSystem } from "./app/mod.ts";
 * const system = await startSystem(config, { mainPath, log });
 * ```
 * @module
 */

/** Starts the system of a config with this app's registry, and its handle and options. */
export { startSystem, type AppStartOptions, type RunningSystem } from "./system.ts";
/** The registry handed to the launcher and to `ap service`, and the resolver behind it. */
export { resolveService, serviceRegistry } from "./service-registry.ts";

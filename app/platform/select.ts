/**
 * The one place that decides which runtime this process is: the only `Deno` check in the product.
 * Entry points call {@link selectPlatform} (or {@link installRuntimePlatform}) once; every layer below
 * reads the result through `platform()` of `core/platform.ts`.
 *
 * @example
 * ```ts
 * // main.ts, a mod.ts, a benchmark worker, a test entry script:
 * import { installPlatform } from "./core/platform.ts";
 * import { selectPlatform } from "./app/platform/select.ts";
 * installPlatform(selectPlatform());
 * ```
 * @module
 */

import { installedPlatform, installPlatform, type Platform } from "../../core/platform.ts";
import { denoPlatform } from "./deno.ts";
import { nodePlatform } from "./node.ts";

let chosen: Platform | undefined;

/** The platform of the runtime this process runs on (assembled once per process). */
export function selectPlatform(): Platform {
  chosen ??= typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? denoPlatform() : nodePlatform();
  return chosen;
}

/**
 * Installs {@link selectPlatform}'s platform unless one is installed already (then keeps that one), and
 * returns the installed platform. For entry scripts that may also be imported by another entry.
 */
export function installRuntimePlatform(): Platform {
  const p = installedPlatform() ?? selectPlatform();
  installPlatform(p);
  return p;
}

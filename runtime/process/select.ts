/**
 * The {@link ProcessSpawner} for the runtime this process runs on.
 *
 * @module
 */

import { IS_DENO } from "../../core/platform.ts";
import type { ProcessSpawner } from "./types.ts";

/** Returns the spawner of the current runtime (loaded lazily so Node never parses Deno code and vice versa). */
export async function processSpawner(): Promise<ProcessSpawner> {
  return IS_DENO ? (await import("./deno.ts")).denoSpawner : (await import("./node.ts")).nodeSpawner;
}

/** True when this module runs from the compiled JavaScript (`npm run build`'s `dist/`), not the sources. */
export const RUNNING_BUILT: boolean = import.meta.url.endsWith(".js");

/**
 * The command and leading arguments that run this project's entry on the current runtime. From the
 * sources: `deno run -A main.ts` under Deno, `node --import tsx main.ts` under Node. From the build
 * (`built`, default {@link RUNNING_BUILT}): the compiled `main.js` beside the given `main.ts` path —
 * `node dist/main.js`, no tsx — or `deno run -A dist/main.js`.
 */
export function apInvocation(mainPath: string, built: boolean = RUNNING_BUILT): { command: string; args: string[] } {
  const main = built ? mainPath.replace(/\.ts$/, ".js") : mainPath;
  if (IS_DENO) {
    const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno;
    return { command: deno.execPath(), args: ["run", "-A", main] };
  }
  const proc = (globalThis as unknown as { process: { execPath: string } }).process;
  return { command: proc.execPath, args: built ? [main] : ["--import", "tsx", main] };
}

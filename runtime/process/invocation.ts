/**
 * How to start this project's entry (`main.ts`, or the compiled `main.js`) as a new process of the
 * running runtime — what the supervisor spawns for each service.
 *
 * @module
 */

import { platform, type ScriptOptions } from "../../core/platform.ts";

/** True when this module runs from the compiled JavaScript (`npm run build`'s `dist/`), not the sources. */
export const RUNNING_BUILT: boolean = import.meta.url.endsWith(".js");

/**
 * The command and leading arguments that run this project's entry on the installed platform. From the
 * sources: `deno run -A main.ts` under Deno, `node --import tsx main.ts` under Node. From the build
 * (`built`, default {@link RUNNING_BUILT}): the compiled `main.js` beside the given `main.ts` path —
 * `node dist/main.js`, no tsx — or `deno run -A dist/main.js`. `options` narrows the permissions and
 * adds preload modules.
 */
export function apInvocation(mainPath: string, built: boolean = RUNNING_BUILT, options?: ScriptOptions): { command: string; args: string[] } {
  const main = built ? mainPath.replace(/\.ts$/, ".js") : mainPath;
  return platform().scriptCommand(main, !built, options);
}

/**
 * The {@link ProcessSpawner} for the runtime this process runs on.
 *
 * @module
 */

import { IS_DENO } from "../platform.ts";
import type { ProcessSpawner } from "./types.ts";

/** Returns the spawner of the current runtime (loaded lazily so Node never parses Deno code and vice versa). */
export async function processSpawner(): Promise<ProcessSpawner> {
  return IS_DENO ? (await import("./deno.ts")).denoSpawner : (await import("./node.ts")).nodeSpawner;
}

/**
 * The command and leading arguments that run this project's `main.ts` on the current runtime:
 * `deno run -A main.ts` under Deno, `node --import tsx main.ts` under Node.
 */
export function apInvocation(mainPath: string): { command: string; args: string[] } {
  if (IS_DENO) {
    const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno;
    return { command: deno.execPath(), args: ["run", "-A", mainPath] };
  }
  const proc = (globalThis as unknown as { process: { execPath: string } }).process;
  return { command: proc.execPath, args: ["--import", "tsx", mainPath] };
}

/**
 * Which JavaScript runtime this process is, decided once at startup. Runtime-specific implementations
 * (processes, sockets, HTTP serving) are chosen with it.
 *
 * @module
 */

/** The minimal view of the global `Deno` namespace this project relies on for detection. */
interface DenoGlobal {
  version: { deno: string };
}

/** The global `Deno` object, or `undefined` on Node. */
export function denoGlobal(): DenoGlobal | undefined {
  return (globalThis as { Deno?: DenoGlobal }).Deno;
}

/** True when running inside Deno. */
export const IS_DENO: boolean = denoGlobal() !== undefined;

/** `"deno 2.x.y"` or `"node v20.x.y"`, for logs and benchmark reports. */
export function runtimeLabel(): string {
  const deno = denoGlobal();
  return deno ? `deno ${deno.version.deno}` : `node ${(globalThis as unknown as { process: { version: string } }).process.version}`;
}

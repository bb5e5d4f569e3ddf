/**
 * The {@link HttpServing} of the current runtime, loaded lazily.
 *
 * @module
 */

import { IS_DENO } from "../../core/platform.ts";
import type { HttpServing } from "./types.ts";

/** Returns the HTTP serving implementation of the runtime this process runs on. */
export async function httpServing(): Promise<HttpServing> {
  return IS_DENO ? (await import("./deno.ts")).denoServing : (await import("./node.ts")).nodeServing;
}

/**
 * Deno permission flags for a {@link ScriptOptions}: `-A` without grants; with grants, only what they name
 * (`--allow-read=…`, `--allow-write=…`, `--allow-net[=…]`, `--deny-net=…`, `--allow-env`, `--allow-sys`) —
 * never `--allow-run` or `--allow-ffi`. Preload modules become `--preload` and are readable; a heap limit
 * becomes `--v8-flags=--max-old-space-size=…`.
 *
 * @example
 * ```ts
 * denoRunArgs({ grants: { read: ["/app"], write: [], net: [], env: true, sys: false } });
 * // ["run", "--allow-read=/app", "--allow-env"]
 * ```
 * @module
 */

import type { ScriptOptions } from "../../core/platform.ts";

/** A path list for a Deno flag: Deno splits on commas, so a path with one cannot be granted. */
function list(flag: string, paths: readonly string[]): string {
  for (const p of paths) {
    if (p.includes(",")) throw new RangeError(`${flag}: the path ${JSON.stringify(p)} contains a comma, which a permission flag cannot carry`);
  }
  return `${flag}=${[...new Set(paths)].join(",")}`;
}

/** The arguments of `deno` before the script path. */
export function denoRunArgs(options: ScriptOptions = {}): string[] {
  const preload = (options.preload ?? []).flatMap((p) => ["--preload", p]);
  const heap = options.heapLimitMb !== undefined ? [`--v8-flags=--max-old-space-size=${options.heapLimitMb}`] : [];
  const g = options.grants;
  if (g === undefined) return ["run", "-A", ...heap, ...preload];
  const args = ["run", ...heap];
  const read = [...g.read, ...(options.preload ?? [])];
  if (read.length > 0) args.push(list("--allow-read", read));
  if (g.write.length > 0) args.push(list("--allow-write", g.write));
  if (g.net === "any") args.push("--allow-net");
  else if (g.net.length > 0) args.push(list("--allow-net", g.net));
  if (g.deniedNet !== undefined && g.deniedNet.length > 0) args.push(list("--deny-net", g.deniedNet));
  if (g.env) args.push("--allow-env");
  if (g.sys) args.push("--allow-sys");
  return [...args, ...preload];
}

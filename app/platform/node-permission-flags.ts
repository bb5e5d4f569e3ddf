/**
 * Node permission-model flags for a {@link ScriptOptions} with grants (`supervisor.permissions: least`):
 * on Node ≥ 22, `--permission` (`--experimental-permission` before 22.13 / 23.5) with one
 * `--allow-fs-read=` per path the grants may read and one `--allow-fs-write=` per path they may write —
 * the same grants Deno gets (runtime/launch/service-grants.ts). Not granted, so refused: child processes,
 * native addons, WASI, the inspector, and every other file. Node 20 gets nothing (its model is
 * experimental and incomplete: docs/SECURITY.md).
 *
 * Only for services whose every write grant is a socket (`*.sock`, `*.ctl`): the relays and the adapters.
 * Node's permission model disables `fsync` outright ("fsync API is disabled when Permission Model is
 * enabled", Node 24.x), and the strategies, the execution service and the API write durable state
 * (snapshots, the journal, the trading-state file, api.json) with fsync — under the model they could not
 * start. They run without it on Node (Deno enforces their grants).
 *
 * What Node cannot enforce: network (Node 24 has no network permission — `net`/`deniedNet` grants are
 * Deno-only), environment and system information (`env`, `sys`). From the sources, tsx needs three
 * things: `--allow-worker` (esbuild's transform service runs in a worker thread), read access to the
 * case-inverted paths of its read grants (tsx probes case sensitivity with `existsSync` of the inverted
 * path; on a case-sensitive file system that path is another, normally absent one), and its transform
 * cache off (`TSX_DISABLE_CACHE`, set by a `data:` module imported before tsx) — granting the cache
 * (`/tmp/tsx-<uid>`) for writing would let one service plant code every later process runs. The
 * SecurityWarning Node prints for `--allow-worker` is silenced (it is documented here instead).
 *
 * @example
 * ```ts
 * nodePermissionArgs({ grants: { read: ["/app"], write: ["/run/ap/market-data.sock"], net: [], env: true, sys: true } }, false, "24.1.0");
 * // ["--permission", "--allow-fs-read=/app", "--allow-fs-write=/run/ap/market-data.sock"]
 * ```
 * @module
 */

import process from "node:process";
import type { ScriptOptions } from "../../core/platform.ts";

/** The first Node major with a permission model this project uses. */
export const NODE_PERMISSION_MIN_MAJOR = 22;

/** A `data:` module that turns tsx's on-disk transform cache off before tsx loads. */
export const TSX_NO_CACHE_IMPORT = "data:text/javascript,process.env.TSX_DISABLE_CACHE='1'";

/** The permission flag of Node `version` (`"22.13.0"`), or undefined where this project does not use the model. */
export function nodePermissionFlag(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major < NODE_PERMISSION_MIN_MAJOR) return undefined;
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? "--permission" : "--experimental-permission";
}

/**
 * Whether Node's permission model can run a service with `grants`: every path it may write is a socket
 * (Unix sockets need no fsync); a service writing files needs fsync, which the model disables.
 */
export function nodeCanEnforce(grants: { readonly write: readonly string[] }): boolean {
  return grants.write.every((p) => /\.(?:sock|ctl)$/.test(p));
}

/** `path` with every letter's case swapped, as tsx probes it. */
function invertCase(path: string): string {
  let out = "";
  for (const c of path) {
    const upper = c.toUpperCase();
    out += c === upper ? c.toLowerCase() : upper;
  }
  return out;
}

function flags(flag: string, paths: Iterable<string>): string[] {
  const out: string[] = [];
  for (const p of new Set(paths)) {
    if (p.includes(",")) throw new RangeError(`${flag}: the path ${JSON.stringify(p)} contains a comma, which a permission flag cannot carry`);
    out.push(`${flag}=${p}`);
  }
  return out;
}

/**
 * The Node arguments, before `--import tsx` and the script, that enforce `options.grants` on Node
 * `version` (default: this process's); `[]` without grants, on Node < 22, or for a service that writes
 * files ({@link nodeCanEnforce}). `fromSources`: the script is TypeScript run through tsx.
 */
export function nodePermissionArgs(options: ScriptOptions | undefined, fromSources: boolean, version: string = process.versions.node): string[] {
  const g = options?.grants;
  const flag = nodePermissionFlag(version);
  if (g === undefined || flag === undefined || !nodeCanEnforce(g)) return [];
  const read = [...g.read, ...(options?.preload ?? [])];
  const args = [flag, ...flags("--allow-fs-read", fromSources ? [...read, ...read.map(invertCase)] : read), ...flags("--allow-fs-write", g.write)];
  if (fromSources) args.push("--allow-worker", "--disable-warning=SecurityWarning", "--import", TSX_NO_CACHE_IMPORT);
  return args;
}

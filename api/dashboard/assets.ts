/**
 * The dashboard's static files, served by the API itself (no CDN, no build step): the hand-written
 * client modules and stylesheet in `api/dashboard/client/`, and uPlot from `node_modules`. Only names
 * in the table built at first use are served, so no request path ever reaches the file system.
 *
 * @example
 * ```ts
 * const store = new AssetStore();
 * const asset = await store.get("app.js"); // { body, contentType, etag } or undefined
 * ```
 * @module
 */

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** One servable file, loaded. */
export interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  /** Strong ETag (quoted SHA-1 prefix of the body). */
  readonly etag: string;
}

/** Thrown when the dashboard's files cannot be found (e.g. a build that did not copy them). */
export class DashboardAssetsMissingError extends Error {
  /** @param where what was looked for @param cause the underlying error */
  constructor(where: string, cause: unknown) {
    super(`dashboard assets not found: ${where} (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = "DashboardAssetsMissingError";
  }
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** Directory of the hand-written client files. */
export const CLIENT_DIR: string = fileURLToPath(new URL("./client/", import.meta.url));

/** Public names of the vendored uPlot files → their module specifiers. */
const VENDOR: Record<string, string> = {
  "vendor/uplot.esm.js": "uplot/dist/uPlot.esm.js",
  "vendor/uplot.min.css": "uplot/dist/uPlot.min.css",
};

const SERVABLE = /^[a-z0-9][a-z0-9-]*\.(js|css)$/;

/** Maps public asset names to files and loads each once. */
export class AssetStore {
  private table: Promise<Map<string, string>> | undefined;
  private readonly loaded = new Map<string, Promise<Asset>>();

  /** The asset called `name` (`app.js`, `vendor/uplot.esm.js`, …), or `undefined` if there is none. */
  async get(name: string): Promise<Asset | undefined> {
    const file = (await this.files()).get(name);
    if (file === undefined) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      asset = load(file);
      this.loaded.set(name, asset);
      asset.catch(() => this.loaded.delete(name));
    }
    return asset;
  }

  /** Every public asset name. */
  async names(): Promise<string[]> {
    return [...(await this.files()).keys()];
  }

  private files(): Promise<Map<string, string>> {
    this.table ??= buildTable();
    this.table.catch(() => (this.table = undefined));
    return this.table;
  }
}

async function buildTable(): Promise<Map<string, string>> {
  const table = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(CLIENT_DIR);
  } catch (e) {
    throw new DashboardAssetsMissingError(CLIENT_DIR, e);
  }
  for (const n of names) if (SERVABLE.test(n)) table.set(n, CLIENT_DIR + n);
  const require = createRequire(import.meta.url);
  for (const [name, specifier] of Object.entries(VENDOR)) {
    try {
      table.set(name, require.resolve(specifier));
    } catch (e) {
      throw new DashboardAssetsMissingError(`${specifier} (npm package "uplot")`, e);
    }
  }
  return table;
}

async function load(file: string): Promise<Asset> {
  const body = new Uint8Array(await readFile(file));
  const ext = file.slice(file.lastIndexOf(".") + 1);
  const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 20)}"`;
  return { body, contentType: CONTENT_TYPES[ext] ?? "application/octet-stream", etag };
}

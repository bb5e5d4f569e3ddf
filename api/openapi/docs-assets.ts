/**
 * The files of the `/docs` page: Swagger UI's bundle and stylesheet from the `swagger-ui-dist` npm
 * package, and the few lines that start it on `/openapi.json`. Only these names are served, so no request
 * path reaches the file system.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/** One servable file, loaded. */
export interface DocsAsset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  /** Strong ETag (quoted SHA-1 prefix of the body). */
  readonly etag: string;
}

/** Thrown when `swagger-ui-dist` cannot be found (an install without it). */
export class DocsAssetsMissingError extends Error {
  /** @param where what was looked for @param cause the underlying error */
  constructor(where: string, cause: unknown) {
    super(`docs assets not found: ${where} (${cause instanceof Error ? cause.message : String(cause)}); install the npm package "swagger-ui-dist"`);
    this.name = "DocsAssetsMissingError";
  }
}

const JS = "text/javascript; charset=utf-8";

/** Public names → module specifiers in `swagger-ui-dist`. */
const FILES: Record<string, { specifier: string; contentType: string }> = {
  "swagger-ui-bundle.js": { specifier: "swagger-ui-dist/swagger-ui-bundle.js", contentType: JS },
  "swagger-ui.css": { specifier: "swagger-ui-dist/swagger-ui.css", contentType: "text/css; charset=utf-8" },
};

/** Starts Swagger UI on this API's document (no validator badge: that would call out to the internet). */
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true, tryItOutEnabled: false });\n`;

function asset(body: Uint8Array<ArrayBuffer>, contentType: string): DocsAsset {
  return { body, contentType, etag: `"${createHash("sha1").update(body).digest("hex").slice(0, 20)}"` };
}

/** Loads each docs file once. */
export class DocsAssets {
  private readonly loaded = new Map<string, Promise<DocsAsset>>();

  /** The file called `name`, or `undefined` when there is none. */
  get(name: string): Promise<DocsAsset | undefined> {
    if (name === "init.js") return Promise.resolve(asset(new TextEncoder().encode(INIT) as Uint8Array<ArrayBuffer>, JS));
    const file = Object.hasOwn(FILES, name) ? FILES[name]! : undefined;
    if (file === undefined) return Promise.resolve(undefined);
    let p = this.loaded.get(name);
    if (!p) {
      p = load(file.specifier, file.contentType);
      this.loaded.set(name, p);
      p.catch(() => this.loaded.delete(name));
    }
    return p;
  }
}

async function load(specifier: string, contentType: string): Promise<DocsAsset> {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(specifier);
  } catch (e) {
    throw new DocsAssetsMissingError(specifier, e);
  }
  return asset(new Uint8Array(await readFile(path)), contentType);
}

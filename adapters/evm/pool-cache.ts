/**
 * The pool cache file (PROTOCOL.md §8): a JSON object keyed by lower-case pool address holding each
 * pool's metadata, so a restarted adapter needs no `eth_call` for pools it has seen. Loaded once at
 * start; written atomically (temporary file, fsync, rename) shortly after any change, so a crash never
 * leaves a half-written file. A cache that exists but is invalid is an error naming the pool and field —
 * never silently discarded, since the user may have curated it.
 *
 * @example
 * ```ts
 * const cache = await PoolCache.load("pool-cache.polygon.json");
 * cache.get("0x4a35…")?.meta.decimals0;
 * cache.set("0xnew…", meta); // written within `writeDelayMs`
 * await cache.close();        // flushes
 * ```
 * @module
 */

import { open, readFile, rename, rm } from "node:fs/promises";
import process from "node:process";
import { parsePoolMeta, poolRecord, PoolMetaError, type PoolMeta, type PoolRecord } from "./pool-meta.ts";

/** The cache file could not be read, parsed or written. */
export class PoolCacheError extends Error {
  /** The file concerned. */
  readonly path: string;
  /** @param path the file @param message what went wrong */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`pool cache ${path}: ${message}`, options);
    this.name = "PoolCacheError";
    this.path = path;
  }
}

/** Options of {@link PoolCache}. */
export interface PoolCacheOptions {
  /** Delay between a change and the write that persists it (coalesces bursts). Default 200 ms. */
  writeDelayMs?: number;
  /** Called when a background write fails (the cache stays usable in memory). */
  onWriteError?: (error: PoolCacheError) => void;
}

/** In-memory pool metadata backed by an optional JSON file. */
export class PoolCache {
  /** File backing the cache, or `undefined` for a memory-only cache. */
  readonly path: string | undefined;
  private readonly pools = new Map<string, PoolRecord>();
  private readonly writeDelayMs: number;
  private readonly onWriteError: (error: PoolCacheError) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  /** Completed writes of the file (for tests and metrics). */
  writes = 0;

  /** An empty cache; use {@link PoolCache.load} to read a file. */
  constructor(path?: string, options: PoolCacheOptions = {}) {
    this.path = path;
    this.writeDelayMs = options.writeDelayMs ?? 200;
    this.onWriteError = options.onWriteError ?? (() => {});
  }

  /**
   * Loads `path` (a missing file is an empty cache). Throws {@link PoolCacheError} when the file is not
   * JSON or an entry is invalid.
   */
  static async load(path: string | undefined, options: PoolCacheOptions = {}): Promise<PoolCache> {
    const cache = new PoolCache(path, options);
    if (path === undefined) return cache;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return cache;
      throw new PoolCacheError(path, `cannot read: ${(e as Error).message}`, { cause: e });
    }
    cache.loadJson(text);
    return cache;
  }

  /** Replaces the contents with the entries of a cache file's text. Throws {@link PoolCacheError}. */
  loadJson(text: string): void {
    const where = this.path ?? "(memory)";
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new PoolCacheError(where, `not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new PoolCacheError(where, "must be a JSON object keyed by pool address");
    }
    this.pools.clear();
    for (const [pool, entry] of Object.entries(data)) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(pool)) throw new PoolCacheError(where, `key ${JSON.stringify(pool)} is not a pool address`);
      try {
        const key = pool.toLowerCase();
        this.pools.set(key, poolRecord(key, parsePoolMeta(entry, key)));
      } catch (e) {
        if (e instanceof PoolMetaError) throw new PoolCacheError(where, e.message, { cause: e });
        throw e;
      }
    }
  }

  /** Number of pools held. */
  get size(): number {
    return this.pools.size;
  }

  /** The pool at `address` (any case), or `undefined`. */
  get(address: string): PoolRecord | undefined {
    return this.pools.get(address) ?? this.pools.get(address.toLowerCase());
  }

  /** Adds or replaces a pool and schedules a write of the file. */
  set(address: string, meta: PoolMeta): PoolRecord {
    const key = address.toLowerCase();
    const record = poolRecord(key, parsePoolMeta(meta, key));
    this.pools.set(key, record);
    this.dirty = true;
    if (this.path !== undefined && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(() => {});
      }, this.writeDelayMs);
    }
    return record;
  }

  /** The cache as the file's JSON object, keys sorted for stable diffs. */
  toJSON(): Record<string, PoolMeta> {
    const out: Record<string, PoolMeta> = {};
    for (const key of [...this.pools.keys()].sort()) out[key] = this.pools.get(key)!.meta;
    return out;
  }

  /** Writes the file now if anything changed since the last write; resolves when it is on disk. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(async () => {
      if (!this.dirty || this.path === undefined) return;
      this.dirty = false;
      try {
        await writeFileAtomic(this.path, JSON.stringify(this.toJSON(), null, 2) + "\n");
        this.writes++;
      } catch (e) {
        this.dirty = true;
        const err = e instanceof PoolCacheError ? e : new PoolCacheError(this.path, `cannot write: ${(e as Error).message}`, { cause: e });
        this.onWriteError(err);
        throw err;
      }
    });
    return this.writing;
  }

  /** Flushes pending changes and stops the write timer. */
  async close(): Promise<void> {
    await this.flush();
  }
}

let tmpCounter = 0;

/** Writes `text` to `path` atomically: a sibling temporary file, fsync, then rename over `path`. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await handle.close();
  await rename(tmp, path);
}

/**
 * Fetches a pool's metadata with `eth_call`: `token0()`, `token1()`, `factory()` on the pool, `fee()`
 * for V3 pools (Algebra pools, which have no `fee()`, report theirs in `globalState()`), and
 * `decimals()` on each token (remembered per token, so a token shared by many pools is asked once).
 * The venue comes from the factory (see `chains.ts`), or from an explicit per-pool override.
 *
 * @module
 */

import type { EvmChain, FactoryInfo } from "./chains.ts";
import { parseQuantityBig } from "./hex.ts";
import { JsonRpcError, type JsonRpcCaller } from "./rpc.ts";
import { V2_FEE, type PoolMeta } from "./pool-meta.ts";
import { previewJson } from "../common/preview.ts";

/** 4-byte selectors of the view functions called. */
export const Selector = {
  token0: "0x0dfe1681",
  token1: "0xd21220a7",
  fee: "0xddca3f43",
  factory: "0xc45a0155",
  decimals: "0x313ce567",
  /** Algebra (QuickSwap V3) `globalState()`: (price, tick, fee, …). */
  globalState: "0xe76c01e4",
} as const;

/** The pool's metadata could not be determined. */
export class PoolMetadataError extends Error {
  /** Lower-case pool address. */
  readonly pool: string;
  /** @param pool the pool @param message what failed */
  constructor(pool: string, message: string, options?: { cause?: unknown }) {
    super(`pool ${pool} metadata: ${message}`, options);
    this.name = "PoolMetadataError";
    this.pool = pool;
  }
}

/** Options of {@link PoolMetadataFetcher}. */
export interface PoolMetadataFetcherOptions {
  /** Extra or overriding factories (lower-case address → info), e.g. the simulator's. */
  factories?: Readonly<Record<string, FactoryInfo>>;
  /** Venue per pool (lower-case address), overriding the factory lookup. */
  poolVenues?: Readonly<Record<string, number>>;
}

function words(result: unknown, pool: string, what: string, count: number): string {
  if (typeof result !== "string" || !/^0x[0-9a-fA-F]*$/.test(result) || result.length < 2 + 64 * count) {
    throw new PoolMetadataError(pool, `${what} returned ${previewJson(result)}, expected ${count} ABI word(s)`);
  }
  return result;
}

function addressOf(result: unknown, pool: string, what: string): string {
  const w = words(result, pool, what, 1);
  if (!/^0x0{24}/.test(w)) throw new PoolMetadataError(pool, `${what} returned a word that is not an address`);
  return ("0x" + w.slice(26, 66)).toLowerCase();
}

function uintOf(word: string, pool: string, what: string, max: number): number {
  const v = parseQuantityBig("0x" + word)!;
  if (v > BigInt(max)) throw new PoolMetadataError(pool, `${what} = ${v} exceeds ${max}`);
  return Number(v);
}

/** Resolves pool metadata over JSON-RPC. */
export class PoolMetadataFetcher {
  private readonly rpc: JsonRpcCaller;
  private readonly chain: EvmChain;
  private readonly factories: Readonly<Record<string, FactoryInfo>>;
  private readonly poolVenues: Readonly<Record<string, number>>;
  private readonly tokenDecimals = new Map<string, Promise<number>>();
  /** `eth_call`s made (metrics and tests). */
  ethCalls = 0;

  /** @param rpc the HTTP JSON-RPC client @param chain the chain (for its known factories) */
  constructor(rpc: JsonRpcCaller, chain: EvmChain, options: PoolMetadataFetcherOptions = {}) {
    this.rpc = rpc;
    this.chain = chain;
    this.factories = { ...chain.factories, ...lowerKeys(options.factories ?? {}) };
    this.poolVenues = lowerKeys(options.poolVenues ?? {});
  }

  private async ethCall(to: string, data: string): Promise<unknown> {
    this.ethCalls++;
    return await this.rpc.call("eth_call", [{ to, data }, "latest"]);
  }

  /**
   * Fetches the metadata of `pool`, whose family (`kind`) is known from the event that revealed it.
   * Throws {@link PoolMetadataError} (wrapping the RPC error) when a required call fails.
   */
  async fetch(pool: string, kind: "v2" | "v3"): Promise<PoolMeta> {
    const p = pool.toLowerCase();
    const call = async (what: keyof typeof Selector): Promise<unknown> => {
      try {
        return await this.ethCall(p, Selector[what]);
      } catch (e) {
        throw new PoolMetadataError(p, `${what}() failed: ${(e as Error).message}`, { cause: e });
      }
    };
    const [t0, t1, factoryResult] = await Promise.all([
      call("token0"), call("token1"),
      call("factory").catch((e: unknown) => e), // optional: a pool without factory() gets the chain venue
    ]);
    const token0 = addressOf(t0, p, "token0()");
    const token1 = addressOf(t1, p, "token1()");
    const factory = factoryResult instanceof Error ? undefined : addressOf(factoryResult, p, "factory()");
    const [decimals0, decimals1] = await Promise.all([this.decimals(token0, p), this.decimals(token1, p)]);
    const fee = kind === "v3" ? await this.v3Fee(p) : V2_FEE;
    const known = factory !== undefined ? this.factories[factory] : undefined;
    const venue = this.poolVenues[p] ?? (known !== undefined && known.kind === kind ? known.venue : this.chain.venue);
    return { kind, venue, token0, token1, decimals0, decimals1, fee };
  }

  private async v3Fee(pool: string): Promise<number> {
    try {
      return uintOf(words(await this.ethCall(pool, Selector.fee), pool, "fee()", 1).slice(2, 66), pool, "fee()", 1_000_000);
    } catch (e) {
      if (!(e instanceof JsonRpcError)) throw e;
      // Algebra: globalState() = (uint160 price, int24 tick, uint16 fee, …); the fee is the third word.
      let r: unknown;
      try {
        r = await this.ethCall(pool, Selector.globalState);
      } catch (e2) {
        throw new PoolMetadataError(pool, `neither fee() nor globalState() answered: ${(e2 as Error).message}`, { cause: e2 });
      }
      const w = words(r, pool, "globalState()", 3);
      return uintOf(w.slice(2 + 128, 2 + 192), pool, "globalState().fee", 1_000_000);
    }
  }

  private decimals(token: string, pool: string): Promise<number> {
    let d = this.tokenDecimals.get(token);
    if (d === undefined) {
      d = (async () => {
        let r: unknown;
        try {
          r = await this.ethCall(token, Selector.decimals);
        } catch (e) {
          throw new PoolMetadataError(pool, `decimals() of token ${token} failed: ${(e as Error).message}`, { cause: e });
        }
        return uintOf(words(r, pool, `decimals() of ${token}`, 1).slice(2, 66), pool, `decimals() of ${token}`, 255);
      })();
      this.tokenDecimals.set(token, d);
      d.catch(() => this.tokenDecimals.delete(token)); // a failure is retried next time
    }
    return d;
  }
}

function lowerKeys<T>(o: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(o)) out[k.toLowerCase()] = v;
  return out;
}

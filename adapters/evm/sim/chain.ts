/**
 * A SIMULATED EVM chain for tests and the demo: seeded tokens, Uniswap-V2-style and V3-style pools with
 * exact integer AMM state, and blocks whose logs are ABI-encoded exactly as real pools emit them
 * (encoded with viem, an implementation independent of the adapter's decoder). EIP-1559 base fees,
 * block hashes chained by parentHash, reorgs that roll pool state back, and pool/token contracts that
 * answer `eth_call` for token0/token1/factory/fee/decimals.
 *
 * Nothing here is real market data: addresses are random, factories are the simulator's own and map to
 * the simulated venues 65000 (V2) and 65001 (V3).
 *
 * @module
 */

import { encodeAbiParameters } from "viem";
import { ChainId, Venue } from "../../../protocol/mod.ts";
import type { FactoryInfo } from "../chains.ts";
import { EventTopic } from "../events.ts";
import { Selector } from "../metadata.ts";
import { Q96, sqrtPriceAtTick, tickAtSqrtPrice, toUnits, v2AmountOut, v3PositionAmounts, v3SwapExactIn } from "./amm.ts";
import { Rng } from "../../../core/prng.ts";

/** Simulated venue of V2-style pools. */
export const SIM_VENUE_V2 = Venue.Simulated;
/** Simulated venue of V3-style pools. */
export const SIM_VENUE_V3 = Venue.Simulated + 1;
/** The simulator's V2 factory. */
export const SIM_FACTORY_V2 = "0x51a0000000000000000000000000000000000002";
/** The simulator's V3 factory. */
export const SIM_FACTORY_V3 = "0x51a0000000000000000000000000000000000003";
/** Factories of the simulated chain, for the adapter's `factories` option. */
export const SIM_FACTORIES: Readonly<Record<string, FactoryInfo>> = {
  [SIM_FACTORY_V2]: { venue: SIM_VENUE_V2, kind: "v2", label: "SimSwap V2 (simulated)" },
  [SIM_FACTORY_V3]: { venue: SIM_VENUE_V3, kind: "v3", label: "SimSwap V3 (simulated)" },
};

/** A simulated token. */
export interface SimToken {
  readonly address: string;
  readonly symbol: string;
  readonly decimals: number;
  /** Reference USD price the pools start at. */
  readonly usd: number;
}

interface PoolBase {
  readonly address: string;
  readonly token0: SimToken;
  readonly token1: SimToken;
  /** Fair price of token0 in token1 raw units, which flow mean-reverts to. */
  readonly fairPrice: number;
}

/** A V2-style pool and its reserves. */
export interface SimV2Pool extends PoolBase {
  readonly kind: "v2";
  reserve0: bigint;
  reserve1: bigint;
}

/** A V3-style pool and its state (one active range). */
export interface SimV3Pool extends PoolBase {
  readonly kind: "v3";
  readonly fee: number;
  /** Algebra-style (QuickSwap V3): no `fee()`, the (dynamic) fee is in `globalState()`. */
  readonly algebra: boolean;
  readonly tickSpacing: number;
  sqrtPriceX96: bigint;
  liquidity: bigint;
  tick: number;
}

/** A simulated pool. */
export type SimPool = SimV2Pool | SimV3Pool;

/** A log exactly as a node returns it (JSON field order of geth). */
export interface SimLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  transactionHash: string;
  transactionIndex: string;
  blockHash: string;
  blockTimestamp?: string;
  logIndex: string;
  removed: boolean;
}

/** A simulated block. */
export interface SimBlock {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestamp: number;
  readonly baseFeePerGas: bigint;
  readonly gasUsed: number;
  readonly gasLimit: number;
  readonly miner: string;
  readonly transactions: string[];
  readonly logs: SimLog[];
}

/** Settings of a {@link SimChain}. */
export interface SimChainOptions {
  /** Which chain to imitate (chain id, block time, fee levels, token set). */
  chain: "polygon" | "ethereum";
  /** Seed of everything random (default 1). */
  seed?: number;
  /** Number of the first block (default Polygon 60 000 000, Ethereum 21 000 000). */
  startBlock?: number;
  /** Timestamp of the first block, s (default 1 764 000 000). */
  genesisTime?: number;
  /** Seconds between blocks (default Polygon 2, Ethereum 12). */
  blockTimeSec?: number;
  /** Mean pool logs per block (default 4). */
  logsPerBlock?: number;
  /** Include `blockTimestamp` in logs as recent nodes do (default true). */
  logBlockTimestamp?: boolean;
}

const TOKENS: Record<"polygon" | "ethereum", readonly [string, number, number][]> = {
  polygon: [["WMATIC", 18, 0.5], ["USDC", 6, 1], ["WETH", 18, 3000], ["WBTC", 8, 60000], ["DAI", 18, 1]],
  ethereum: [["WETH", 18, 3000], ["USDC", 6, 1], ["USDT", 6, 1], ["WBTC", 8, 60000], ["DAI", 18, 1]],
};
// [tokenA, tokenB, kind, fee, TVL USD, Algebra-style on Polygon]
const POOLS: readonly [number, number, "v2" | "v3", number, number, boolean][] = [
  [0, 1, "v2", 3000, 8e6, false], [2, 1, "v2", 3000, 20e6, false], [3, 2, "v2", 3000, 5e6, false],
  [2, 1, "v3", 500, 60e6, false], [3, 1, "v3", 3000, 15e6, false], [4, 1, "v3", 100, 10e6, true],
];

const hex = (v: bigint | number): string => "0x" + v.toString(16);
const ZERO_HASH = "0x" + "00".repeat(32);

function encodeWords(types: string, values: readonly unknown[]): string {
  const params = types.split(",").map((type) => ({ type }));
  return encodeAbiParameters(params, values as never);
}

function addressTopic(address: string): string {
  return "0x" + "0".repeat(24) + address.slice(2);
}

function intTopic(v: number): string {
  return encodeWords("int24", [v]);
}

/** The simulated chain. */
export class SimChain {
  /** Chain id (1 or 137). */
  readonly chainId: number;
  /** Imitated chain. */
  readonly name: "polygon" | "ethereum";
  /** Tokens by address. */
  readonly tokens = new Map<string, SimToken>();
  /** Pools by address. */
  readonly pools = new Map<string, SimPool>();
  private readonly rng: Rng;
  private readonly blockTime: number;
  private readonly logsPerBlock: number;
  private readonly withTimestamp: boolean;
  private readonly blocks: SimBlock[] = [];
  private readonly snapshots = new Map<number, string>();
  private readonly users: string[] = [];
  private readonly routers: string[] = [];
  private tipWei: bigint;

  /** @param options chain, seed, pacing */
  constructor(options: SimChainOptions) {
    this.name = options.chain;
    this.chainId = options.chain === "polygon" ? ChainId.Polygon : ChainId.Ethereum;
    this.rng = new Rng(options.seed ?? 1);
    this.blockTime = options.blockTimeSec ?? (options.chain === "polygon" ? 2 : 12);
    this.logsPerBlock = options.logsPerBlock ?? 4;
    this.withTimestamp = options.logBlockTimestamp ?? true;
    this.tipWei = options.chain === "polygon" ? 30_000_000_000n : 1_000_000_000n;
    for (let i = 0; i < 12; i++) this.users.push(this.rng.hex(20));
    for (let i = 0; i < 3; i++) this.routers.push(this.rng.hex(20));
    const tokens = TOKENS[options.chain].map(([symbol, decimals, usd]) => {
      const t: SimToken = { address: this.rng.hex(20), symbol, decimals, usd };
      this.tokens.set(t.address, t);
      return t;
    });
    for (const [a, b, kind, fee, tvl, algebra] of POOLS) this.addPool(tokens[a]!, tokens[b]!, kind, fee, tvl, algebra && options.chain === "polygon");
    const start = options.startBlock ?? (options.chain === "polygon" ? 60_000_000 : 21_000_000);
    const genesis: SimBlock = {
      number: start, hash: this.rng.hex(32), parentHash: ZERO_HASH, timestamp: options.genesisTime ?? 1_764_000_000,
      baseFeePerGas: options.chain === "polygon" ? 40_000_000_000n : 12_000_000_000n,
      gasUsed: 15_000_000, gasLimit: 30_000_000, miner: this.rng.hex(20), transactions: [], logs: [],
    };
    this.blocks.push(genesis);
    this.snapshots.set(start, this.saveState());
  }

  private addPool(a: SimToken, b: SimToken, kind: "v2" | "v3", fee: number, tvlUsd: number, algebra: boolean): void {
    const [t0, t1] = a.address < b.address ? [a, b] : [b, a];
    const address = this.rng.hex(20);
    const fairPrice = (t0.usd / t1.usd) * 10 ** (t1.decimals - t0.decimals);
    const amount0 = toUnits(tvlUsd / 2 / t0.usd, t0.decimals);
    const amount1 = toUnits(tvlUsd / 2 / t1.usd, t1.decimals);
    if (kind === "v2") {
      this.pools.set(address, { kind, address, token0: t0, token1: t1, fairPrice, reserve0: amount0, reserve1: amount1 });
      return;
    }
    const sqrtPriceX96 = BigInt(Math.round(Math.sqrt(fairPrice) * 2 ** 96));
    // Concentrated: virtual reserves ~8× the real ones.
    const liquidity = BigInt(Math.round(Math.sqrt(Number(amount0) * Number(amount1)) * 8));
    const tickSpacing = fee === 100 ? 1 : fee === 500 ? 10 : 60;
    this.pools.set(address, {
      kind, address, token0: t0, token1: t1, fairPrice, fee, algebra, tickSpacing, sqrtPriceX96, liquidity, tick: tickAtSqrtPrice(sqrtPriceX96),
    });
  }

  /** The newest block. */
  get head(): SimBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  /** The block numbered `n`, if still held (the last 4096 blocks are). */
  block(n: number): SimBlock | undefined {
    const first = this.blocks[0]!.number;
    return this.blocks[n - first];
  }

  /** Current suggested priority fee (wei). */
  get priorityFeeWei(): bigint {
    return this.tipWei;
  }

  /** Mines one block with a random number of pool events; returns it. */
  mineBlock(): SimBlock {
    const parent = this.head;
    const number = parent.number + 1;
    const hash = this.rng.hex(32);
    const timestamp = parent.timestamp + this.blockTime;
    const gasLimit = parent.gasLimit;
    const gasUsed = Math.round(gasLimit * (0.3 + 0.4 * this.rng.next()));
    // EIP-1559: base fee moves by up to 1/8 toward the 50% gas target.
    const target = gasLimit / 2;
    const delta = (parent.baseFeePerGas * BigInt(Math.round(((parent.gasUsed - target) / target) * 1e6))) / 8_000_000n;
    const baseFeePerGas = parent.baseFeePerGas + delta > 1n ? parent.baseFeePerGas + delta : 1n;
    const drift = BigInt(Math.round(this.rng.normal() * 2e6)); // ±0.2% random walk of the tip
    this.tipWei = this.tipWei + (this.tipWei * drift) / 1_000_000_000n > 0n ? this.tipWei + (this.tipWei * drift) / 1_000_000_000n : 1n;
    const logs: SimLog[] = [];
    const transactions: string[] = [];
    const events = Math.max(0, Math.round(this.logsPerBlock / 2 + this.rng.normal() * Math.sqrt(this.logsPerBlock)));
    const pools = [...this.pools.values()];
    for (let i = 0; i < events; i++) {
      const tx = this.rng.hex(32);
      transactions.push(tx);
      const txIndex = transactions.length - 1;
      const pool = this.rng.pick(pools);
      const r = this.rng.next();
      const emitted = r < 0.85 ? this.swap(pool) : r < 0.93 ? this.mint(pool) : this.burn(pool);
      for (const [topics, data] of emitted) {
        logs.push({
          address: pool.address, topics, data, blockNumber: hex(number), transactionHash: tx, transactionIndex: hex(txIndex),
          blockHash: hash, ...(this.withTimestamp ? { blockTimestamp: hex(timestamp) } : {}), logIndex: hex(logs.length), removed: false,
        });
      }
    }
    const block: SimBlock = {
      number, hash, parentHash: parent.hash, timestamp, baseFeePerGas, gasUsed, gasLimit, miner: this.rng.hex(20), transactions, logs,
    };
    this.blocks.push(block);
    if (this.blocks.length > 4096) this.blocks.shift();
    this.snapshots.set(number, this.saveState());
    this.snapshots.delete(number - 256);
    return block;
  }

  /**
   * Replaces the newest `depth` blocks with `depth + 1` new ones (pool state rolled back first).
   * Returns the abandoned blocks' logs marked `removed: true` and the new blocks.
   */
  reorg(depth: number): { removed: SimLog[]; added: SimBlock[] } {
    if (depth < 1 || depth >= this.blocks.length) throw new RangeError(`reorg depth ${depth} is not within 1..${this.blocks.length - 1}`);
    const abandoned = this.blocks.splice(this.blocks.length - depth, depth);
    this.restoreState(this.snapshots.get(this.head.number)!);
    const removed = abandoned.flatMap((b) => b.logs.map((l) => ({ ...l, removed: true })));
    const added: SimBlock[] = [];
    for (let i = 0; i <= depth; i++) added.push(this.mineBlock());
    return { removed, added };
  }

  /** Logs of blocks `[from, to]` (held blocks only). */
  logsInRange(from: number, to: number): SimLog[] {
    const out: SimLog[] = [];
    for (let n = Math.max(from, this.blocks[0]!.number); n <= Math.min(to, this.head.number); n++) out.push(...this.block(n)!.logs);
    return out;
  }

  /**
   * Answers an `eth_call` to a pool or token: the ABI-encoded result, `"0x"` for an address without
   * code, or `undefined` for a revert (an unknown function).
   */
  call(to: string, data: string): string | undefined {
    const address = to.toLowerCase();
    const selector = data.slice(0, 10).toLowerCase();
    const pool = this.pools.get(address);
    if (pool !== undefined) {
      switch (selector) {
        case Selector.token0: return encodeWords("address", [pool.token0.address]);
        case Selector.token1: return encodeWords("address", [pool.token1.address]);
        case Selector.factory: return encodeWords("address", [pool.kind === "v2" ? SIM_FACTORY_V2 : SIM_FACTORY_V3]);
        case Selector.fee: return pool.kind === "v3" && !pool.algebra ? encodeWords("uint24", [pool.fee]) : undefined;
        case Selector.globalState:
          return pool.kind === "v3" && pool.algebra
            ? encodeWords("uint160,int24,uint16,uint16,uint8,uint8,bool", [pool.sqrtPriceX96, pool.tick, pool.fee, 0, 0, 0, true])
            : undefined;
        default: return undefined;
      }
    }
    const token = this.tokens.get(address);
    if (token !== undefined) return selector === Selector.decimals ? encodeWords("uint8", [token.decimals]) : undefined;
    return "0x";
  }

  private saveState(): string {
    const s: unknown[] = [];
    for (const p of this.pools.values()) {
      s.push(p.kind === "v2" ? [p.reserve0.toString(), p.reserve1.toString()] : [p.sqrtPriceX96.toString(), p.liquidity.toString(), p.tick]);
    }
    return JSON.stringify(s);
  }

  private restoreState(state: string): void {
    const s = JSON.parse(state) as [string, string, number?][];
    let i = 0;
    for (const p of this.pools.values()) {
      const e = s[i++]!;
      if (p.kind === "v2") {
        p.reserve0 = BigInt(e[0]);
        p.reserve1 = BigInt(e[1]);
      } else {
        p.sqrtPriceX96 = BigInt(e[0]);
        p.liquidity = BigInt(e[1]);
        p.tick = e[2]!;
      }
    }
  }

  /** A trade size in USD: log-normal, median $2 000. */
  private tradeUsd(): number {
    return Math.min(2_000_000, this.rng.logNormal(2000, 1.4));
  }

  private price(pool: SimPool): number {
    if (pool.kind === "v2") return Number(pool.reserve1) / Number(pool.reserve0);
    const s = Number(pool.sqrtPriceX96) / Number(Q96);
    return s * s;
  }

  private swap(pool: SimPool): [string[], string][] {
    // Order flow leans back toward the fair price so long simulations stay realistic.
    const zeroForOne = this.rng.chance(this.price(pool) > pool.fairPrice ? 0.6 : 0.4);
    const tokenIn = zeroForOne ? pool.token0 : pool.token1;
    const amountIn = toUnits(this.tradeUsd() / tokenIn.usd, tokenIn.decimals) || 1n;
    const sender = this.rng.pick(this.routers);
    const to = this.rng.pick(this.users);
    if (pool.kind === "v2") {
      const [rIn, rOut] = zeroForOne ? [pool.reserve0, pool.reserve1] : [pool.reserve1, pool.reserve0];
      const amountOut = v2AmountOut(amountIn, rIn, rOut);
      if (zeroForOne) {
        pool.reserve0 += amountIn;
        pool.reserve1 -= amountOut;
      } else {
        pool.reserve1 += amountIn;
        pool.reserve0 -= amountOut;
      }
      const amounts = zeroForOne ? [amountIn, 0n, 0n, amountOut] : [0n, amountIn, amountOut, 0n];
      return [
        [[EventTopic.V2Sync], encodeWords("uint112,uint112", [pool.reserve0, pool.reserve1])],
        [[EventTopic.V2Swap, addressTopic(sender), addressTopic(to)], encodeWords("uint256,uint256,uint256,uint256", amounts)],
      ];
    }
    const r = v3SwapExactIn(pool.sqrtPriceX96, pool.liquidity, pool.fee, amountIn, zeroForOne);
    pool.sqrtPriceX96 = r.sqrtPriceX96After;
    pool.tick = tickAtSqrtPrice(pool.sqrtPriceX96);
    const amount0 = zeroForOne ? amountIn : -r.amountOut;
    const amount1 = zeroForOne ? -r.amountOut : amountIn;
    return [[
      [EventTopic.V3Swap, addressTopic(sender), addressTopic(to)],
      encodeWords("int256,int256,uint160,uint128,int24", [amount0, amount1, pool.sqrtPriceX96, pool.liquidity, pool.tick]),
    ]];
  }

  private mint(pool: SimPool): [string[], string][] {
    const owner = this.rng.pick(this.users);
    const share = 0.001 + 0.01 * this.rng.next();
    if (pool.kind === "v2") {
      const a0 = BigInt(Math.round(Number(pool.reserve0) * share));
      const a1 = BigInt(Math.round(Number(pool.reserve1) * share));
      pool.reserve0 += a0;
      pool.reserve1 += a1;
      return [
        [[EventTopic.V2Sync], encodeWords("uint112,uint112", [pool.reserve0, pool.reserve1])],
        [[EventTopic.V2Mint, addressTopic(this.rng.pick(this.routers))], encodeWords("uint256,uint256", [a0, a1])],
      ];
    }
    const [lower, upper] = this.range(pool);
    const amount = BigInt(Math.round(Number(pool.liquidity) * share));
    const [a0, a1] = v3PositionAmounts(pool.sqrtPriceX96, lower, upper, amount);
    pool.liquidity += amount;
    return [[
      [EventTopic.V3Mint, addressTopic(owner), intTopic(lower), intTopic(upper)],
      encodeWords("address,uint128,uint256,uint256", [this.rng.pick(this.routers), amount, a0 + 1n, a1 + 1n]),
    ]];
  }

  private burn(pool: SimPool): [string[], string][] {
    const share = 0.001 + 0.005 * this.rng.next();
    if (pool.kind === "v2") {
      const a0 = BigInt(Math.round(Number(pool.reserve0) * share));
      const a1 = BigInt(Math.round(Number(pool.reserve1) * share));
      pool.reserve0 -= a0;
      pool.reserve1 -= a1;
      return [
        [[EventTopic.V2Sync], encodeWords("uint112,uint112", [pool.reserve0, pool.reserve1])],
        [[EventTopic.V2Burn, addressTopic(this.rng.pick(this.routers)), addressTopic(this.rng.pick(this.users))], encodeWords("uint256,uint256", [a0, a1])],
      ];
    }
    const [lower, upper] = this.range(pool);
    const amount = BigInt(Math.round(Number(pool.liquidity) * share));
    const [a0, a1] = v3PositionAmounts(pool.sqrtPriceX96, lower, upper, amount);
    pool.liquidity -= amount;
    return [[
      [EventTopic.V3Burn, addressTopic(this.rng.pick(this.users)), intTopic(lower), intTopic(upper)],
      encodeWords("uint128,uint256,uint256", [amount, a0, a1]),
    ]];
  }

  private range(pool: SimV3Pool): [number, number] {
    const s = pool.tickSpacing;
    const width = s * this.rng.int(10, 200);
    const base = Math.floor(pool.tick / s) * s;
    return [base - width, base + width + s];
  }
}

/** The JSON-RPC form of a block header (newHeads payload, `eth_getBlockByNumber` without transactions). */
export function blockHeaderJson(b: SimBlock): Record<string, unknown> {
  return {
    parentHash: b.parentHash, sha3Uncles: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    miner: b.miner, stateRoot: ZERO_HASH, transactionsRoot: ZERO_HASH, receiptsRoot: ZERO_HASH,
    logsBloom: "0x" + "00".repeat(256), difficulty: "0x0", number: hex(b.number), gasLimit: hex(b.gasLimit),
    gasUsed: hex(b.gasUsed), timestamp: hex(b.timestamp), extraData: "0x", mixHash: ZERO_HASH, nonce: "0x0000000000000000",
    baseFeePerGas: hex(b.baseFeePerGas), hash: b.hash,
  };
}

/** Hex text of a value as `0x…` (no leading zeros), as JSON-RPC quantities are written. */
export function quantity(v: bigint | number): string {
  return hex(v);
}

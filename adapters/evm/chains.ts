/**
 * The two chains this adapter serves and what it knows about each: chain id, the chain-level venue,
 * the adapter's `source` id, and the DEX factories whose pools map to a named venue (PROTOCOL.md §6).
 *
 * A pool's venue comes from its `factory()`: a factory listed here names the venue; any other factory
 * gets the chain-level venue (Ethereum 200, Polygon 202) so an unknown fork is never labelled as a
 * DEX it is not. Config can add factories (the simulator does) or pin a pool's venue outright.
 *
 * @module
 */

import { ChainId, SourceId, Venue } from "../../protocol/mod.ts";

/** Names accepted for the chain (`ap normalize polygon|ethereum`). */
export type EvmChainName = "polygon" | "ethereum";

/** A factory this adapter recognises: the venue its pools belong to and the pool family. */
export interface FactoryInfo {
  readonly venue: number;
  readonly kind: "v2" | "v3";
  readonly label: string;
}

/** Static facts about one chain. */
export interface EvmChain {
  readonly name: EvmChainName;
  readonly chainId: number;
  /** Chain-level venue, used for pools of unknown factories. */
  readonly venue: number;
  /** Header `source` of this adapter's messages. */
  readonly source: number;
  /** Known factories by lower-case address. */
  readonly factories: Readonly<Record<string, FactoryInfo>>;
}

/**
 * Source id of the Ethereum adapter. PROTOCOL.md §6 assigns adapters 1–19 but names only Binance 1,
 * Kraken 2, Coinbase 3 and Polygon 4; 5 is the next free id (overridable in config).
 */
export const ETHEREUM_SOURCE_ID = 5;

const UNISWAP_V3_FACTORY = "0x1f98431c8ad98523631ae4a59f267346ea31f984";

/** Ethereum mainnet (chain 1). */
export const ETHEREUM: EvmChain = {
  name: "ethereum",
  chainId: ChainId.Ethereum,
  venue: Venue.Ethereum,
  source: ETHEREUM_SOURCE_ID,
  factories: {
    "0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f": { venue: Venue.UniswapV2, kind: "v2", label: "Uniswap V2" },
    "0xc0aee478e3658e2610c5f7a4a2e1777ce9e4f2ac": { venue: Venue.SushiSwapV2, kind: "v2", label: "SushiSwap V2" },
    [UNISWAP_V3_FACTORY]: { venue: Venue.UniswapV3, kind: "v3", label: "Uniswap V3" },
  },
};

/** Polygon PoS (chain 137). */
export const POLYGON: EvmChain = {
  name: "polygon",
  chainId: ChainId.Polygon,
  venue: Venue.Polygon,
  source: SourceId.Polygon,
  factories: {
    "0x5757371414417b8c6caad45baef941abc7d3ab32": { venue: Venue.QuickSwapV2, kind: "v2", label: "QuickSwap V2" },
    // QuickSwap V3 is Algebra: its pools report either the factory or the pool deployer.
    "0x411b0facc3489691f28ad58c47006af5e3ab3a28": { venue: Venue.QuickSwapV3, kind: "v3", label: "QuickSwap V3 (Algebra)" },
    "0x2d98e2fa9da15aa6dc9581ab097ced7af697cb92": { venue: Venue.QuickSwapV3, kind: "v3", label: "QuickSwap V3 (Algebra deployer)" },
    [UNISWAP_V3_FACTORY]: { venue: Venue.UniswapV3Polygon, kind: "v3", label: "Uniswap V3" },
    "0xc35dadb65012ec5796536bd9864ed8773abc74c4": { venue: Venue.SushiSwapV2Polygon, kind: "v2", label: "SushiSwap V2" },
  },
};

/** Both chains by name. */
export const EVM_CHAINS: Readonly<Record<EvmChainName, EvmChain>> = { ethereum: ETHEREUM, polygon: POLYGON };

/** The chain of a name (`polygon`/`ethereum`, case-insensitive), or `undefined`. */
export function evmChain(name: string): EvmChain | undefined {
  const n = name.toLowerCase();
  return n === "polygon" || n === "ethereum" ? EVM_CHAINS[n] : undefined;
}

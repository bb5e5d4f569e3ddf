/**
 * The pool events this adapter decodes: Uniswap V2 Swap/Sync/Mint/Burn and V3 Swap/Mint/Burn, and every
 * fork that emits the same events (SushiSwap, QuickSwap V2; QuickSwap V3/Algebra emits V3-identical
 * signatures). A log is recognised by its `topics[0]` (the keccak-256 of the event signature) and its
 * exact topic count and data length.
 *
 * @module
 */

/** Event kinds, as numbers for a cheap switch on the hot path. */
export const EventKind = {
  V2Swap: 1,
  V2Sync: 2,
  V2Mint: 3,
  V2Burn: 4,
  V3Swap: 5,
  V3Mint: 6,
  V3Burn: 7,
} as const;
/** An {@link EventKind} value. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Lower-case `topics[0]` of each event (keccak-256 of the canonical signature). */
export const EventTopic = {
  /** `Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to)` */
  V2Swap: "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",
  /** `Sync(uint112 reserve0, uint112 reserve1)` */
  V2Sync: "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1",
  /** `Mint(address indexed sender, uint amount0, uint amount1)` */
  V2Mint: "0x4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f",
  /** `Burn(address indexed sender, uint amount0, uint amount1, address indexed to)` */
  V2Burn: "0xdccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496",
  /** `Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)` */
  V3Swap: "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67",
  /** `Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)` */
  V3Mint: "0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde",
  /** `Burn(address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)` */
  V3Burn: "0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c",
} as const;

/** Every topic0 this adapter subscribes to, for the `eth_subscribe`/`eth_getLogs` filter. */
export const ALL_EVENT_TOPICS: readonly string[] = Object.values(EventTopic);

/** Shape of one event's log: topic count (topic0 included) and data words. */
export interface EventLayout {
  readonly kind: EventKind;
  readonly name: string;
  readonly topics: number;
  readonly words: number;
  /** True for the V3 family. */
  readonly v3: boolean;
}

/** Layout of each event kind, indexed by {@link EventKind}. */
export const EVENT_LAYOUTS: readonly (EventLayout | undefined)[] = [
  undefined,
  { kind: EventKind.V2Swap, name: "UniswapV2.Swap", topics: 3, words: 4, v3: false },
  { kind: EventKind.V2Sync, name: "UniswapV2.Sync", topics: 1, words: 2, v3: false },
  { kind: EventKind.V2Mint, name: "UniswapV2.Mint", topics: 2, words: 2, v3: false },
  { kind: EventKind.V2Burn, name: "UniswapV2.Burn", topics: 3, words: 2, v3: false },
  { kind: EventKind.V3Swap, name: "UniswapV3.Swap", topics: 3, words: 5, v3: true },
  { kind: EventKind.V3Mint, name: "UniswapV3.Mint", topics: 4, words: 4, v3: true },
  { kind: EventKind.V3Burn, name: "UniswapV3.Burn", topics: 4, words: 3, v3: true },
];

/**
 * The event kind of a `topics[0]`, or 0 when it is none of ours. Compares one character first so a
 * miss costs almost nothing; upper-case hex is accepted (lower-cased on that rare path only).
 */
export function eventKindOf(topic0: unknown): EventKind | 0 {
  if (typeof topic0 !== "string" || topic0.length !== 66) return 0;
  const k = kindOfLowerTopic(topic0);
  return k !== 0 || !/[A-F]/.test(topic0) ? k : kindOfLowerTopic(topic0.toLowerCase());
}

function kindOfLowerTopic(t: string): EventKind | 0 {
  switch (t.charCodeAt(2)) {
    case 100: // d
      if (t === EventTopic.V2Swap) return EventKind.V2Swap;
      return t === EventTopic.V2Burn ? EventKind.V2Burn : 0;
    case 49: // 1
      return t === EventTopic.V2Sync ? EventKind.V2Sync : 0;
    case 52: // 4
      return t === EventTopic.V2Mint ? EventKind.V2Mint : 0;
    case 99: // c
      return t === EventTopic.V3Swap ? EventKind.V3Swap : 0;
    case 55: // 7
      return t === EventTopic.V3Mint ? EventKind.V3Mint : 0;
    case 48: // 0
      return t === EventTopic.V3Burn ? EventKind.V3Burn : 0;
    default:
      return 0;
  }
}

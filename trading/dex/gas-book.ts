/**
 * Latest gas price per chain from GasPrice TLVs (base fee + priority fee, wei), with a configured
 * fallback per chain until the first one arrives.
 *
 * @example
 * ```ts
 * const gas = new GasBook(new Map([[1, 30_000_000_000n]]));
 * gas.onGasPrice(view);   // cursor on a GasPrice TLV
 * gas.priceWei(1);        // baseFee + priorityFee of the latest block seen
 * ```
 * @module
 */

import { GasPriceField, type MessageView } from "../../protocol/mod.ts";

/** Gas price per chain id, in wei. */
export class GasBook {
  private readonly latest = new Map<number, bigint>();
  private readonly blocks = new Map<number, bigint>();
  private readonly fallback: ReadonlyMap<number, bigint>;

  /** @param fallback wei per chain used before any GasPrice is seen */
  constructor(fallback: ReadonlyMap<number, bigint> = new Map()) {
    this.fallback = fallback;
  }

  /** Reads the GasPrice TLV under the cursor; older blocks than the one held are ignored. */
  onGasPrice(view: MessageView): void {
    const chain = view.u32(GasPriceField.chainId);
    const block = view.u64(GasPriceField.blockNumber);
    const seen = this.blocks.get(chain);
    if (seen !== undefined && block < seen) return;
    this.blocks.set(chain, block);
    this.latest.set(chain, view.u64(GasPriceField.baseFeeWei) + view.u64(GasPriceField.priorityFeeWei));
  }

  /** Wei per gas unit on `chain` (latest or fallback), or `undefined`. */
  priceWei(chain: number): bigint | undefined {
    return this.latest.get(chain) ?? this.fallback.get(chain);
  }
}

/** Chain id of a DEX venue (PROTOCOL.md §6): 300–399 Ethereum (1), 400–499 Polygon (137), else undefined. */
export function chainOfVenue(venue: number): number | undefined {
  if (venue >= 300 && venue < 400) return 1;
  if (venue >= 400 && venue < 500) return 137;
  return undefined;
}

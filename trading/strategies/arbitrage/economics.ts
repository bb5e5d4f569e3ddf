/**
 * The USD economics of one arbitrage cycle: gross profit, gas cost (rounded up), net, and the gas price at
 * which it breaks even — exact bigint fixed point (USD × 1e8).
 *
 * @module
 */

const WEI_PER_NATIVE = 10n ** 18n;
const POW10: bigint[] = Array.from({ length: 78 }, (_, i) => 10n ** BigInt(i));
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n);

/** USD economics of one cycle (all USD × 1e8). */
export interface ArbitrageEconomics {
  /** Profit after pool fees and price impact, before gas (floored). */
  grossUsd: bigint;
  /** Gas cost (rounded up). */
  gasCostUsd: bigint;
  /** gross − gas. */
  netUsd: bigint;
  /** Gas price at which net would be zero (floor). */
  breakEvenGasPriceWei: bigint;
}

/**
 * USD economics of a profit of `profitRaw` units of a token priced `tokenUsd` (USD×1e8 per whole token,
 * `decimals`), paying `gasUnits` at `gasPriceWei` with the native token at `nativeUsd` (USD×1e8).
 */
export function arbitrageEconomics(
  profitRaw: bigint, tokenUsd: bigint, decimals: number, gasPriceWei: bigint, gasUnits: bigint, nativeUsd: bigint,
): ArbitrageEconomics {
  const grossUsd = (profitRaw * tokenUsd) / pow10(decimals);
  const gasNum = gasPriceWei * gasUnits * nativeUsd;
  const gasCostUsd = gasNum / WEI_PER_NATIVE + (gasNum % WEI_PER_NATIVE === 0n ? 0n : 1n);
  const perWei = gasUnits * nativeUsd;
  const breakEvenGasPriceWei = perWei === 0n || grossUsd <= 0n ? 0n : (grossUsd * WEI_PER_NATIVE) / perWei;
  return { grossUsd, gasCostUsd, netUsd: grossUsd - gasCostUsd, breakEvenGasPriceWei };
}

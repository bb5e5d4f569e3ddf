/**
 * Strategies, risk and paper execution: the public API.
 *
 * - Strategies (`TradingStrategy`): flash arbitrage over DEX pools, momentum over trades; by name from
 *   the registry; your own from a module (`defineStrategy`, `buildStrategy({ module })`,
 *   docs/STRATEGIES.md); over any message stream with `MessageRunner`; over files with `ap strategy`.
 * - The execution pipeline: planner → risk → paper venue → portfolio as plain calls, on any `Clock`.
 * - Risk manager: the only path to execution, every limit, trading states and the kill switch.
 * - Paper execution engine, execution planner, portfolio (P&L, win rate, slippage, liquidation alerts).
 * - Exact DEX math (Uniswap V2 and V3) and pool state.
 *
 * @example
 * ```ts
 * import { ExecutionPipeline, ManualClock, loadStrategy } from "./trading/mod.ts";
 * const strategy = await loadStrategy("momentum", "config/momentum.yaml");
 * const clock = new ManualClock(firstStampNs);
 * const pipeline = new ExecutionPipeline(stages, (bytes) => fills.push(bytes), { clock });
 * strategy.connect({ publish: (signal) => void pipeline.onSignal(signal) });
 * for (const bytes of history) { clock.set(stampOf(bytes)); pipeline.onMarketData(bytes); strategy.onMarketData(view.wrap(bytes)); }
 * ```
 * @module
 */

export { DiscardSink, type MessageSink, type StrategyStats, type TradingStrategy, type WarmUpReport } from "./strategies/contract.ts";
export { feedSyntheticTrades, type SyntheticTradePlan } from "./strategies/warm-up.ts";
export { defineStrategy, type ConfigSchema, type StrategyContext, type StrategyDefinition } from "./strategies/contract.ts";
export { STRATEGIES, buildStrategy, createStrategy, loadStrategy, strategyEntry, strategyNames, type StrategyDeps, type StrategyEntry, type StrategyRef } from "./strategies/registry.ts";
export { StrategyModuleError, StrategyModuleProblem, loadStrategyModule } from "./strategies/plugin-loader.ts";
export { StrategyConfigError, loadYamlConfig, parseConfig, parseYamlConfig } from "./config.ts";
export { MessageRunner, type RunnerStats } from "./strategies/message-runner.ts";
export { FileSink } from "./strategies/file-sink.ts";
export { loadPaperEngine, loadPortfolio, loadRiskManager } from "./load-engines.ts";
export { FlashArbitrageStrategy } from "./strategies/arbitrage/strategy.ts";
export { arbitrageEconomics, type ArbitrageEconomics } from "./strategies/arbitrage/economics.ts";
export { ArbitrageConfigSchema, type ArbitrageConfig } from "./strategies/arbitrage/config.ts";
export { MomentumStrategy } from "./strategies/momentum/strategy.ts";
export { MomentumConfigSchema, type MomentumConfig } from "./strategies/momentum/config.ts";
export { RiskManager } from "./risk/risk-manager.ts";
export { type RiskDecision } from "./risk/risk-manager-options.ts";
export { TradingState, type RiskCounters } from "./risk/risk-snapshot.ts";
export { RiskConfigSchema, RiskLimitsSchema, type RiskConfig, type RiskLimits } from "./risk/limits.ts";
export { PaperExecutionEngine } from "./execution/paper-engine.ts";
export { type PaperCounters } from "./execution/paper-engine-options.ts";
export { PaperConfigSchema, type PaperConfig } from "./execution/paper-config.ts";
export { ExecutionPlanner, PlannerConfigSchema, type PlannerConfig } from "./execution/planner.ts";
export { MarketState, poolMidPrice } from "./execution/market-state.ts";
export { Portfolio, type PortfolioTotals, type PositionSnapshot } from "./portfolio/portfolio.ts";
export { PortfolioConfigSchema, type PortfolioConfig } from "./portfolio/config.ts";
export { Position } from "./portfolio/position.ts";
export { PoolBook } from "./dex/pool-book.ts";
export { PoolKind, PoolState } from "./dex/pool-state.ts";
export { loadPoolCache, poolCacheFromJson, type PoolMeta } from "./dex/pool-cache.ts";
export { optimizeCycle, hopOut, hopCapacity } from "./dex/cycle.ts";
export { FEE_SCALE, v2AmountOut, v2MinAmountIn, v2OptimalCycle, v2OptimalInput, type CycleOptimum } from "./dex/v2-math.ts";
export { Q96, getSqrtRatioAtTick, v3SwapExactIn, v3RangeBounds, type V3Range } from "./dex/v3-math.ts";
export { ExecutionPipeline, PLANNER_SOURCE, expireLostOrders, type PipelineCounters, type PipelineOptions, type PipelineOutput, type PipelineStages, type PlannedOrder } from "./execution/pipeline.ts";
export { ClockError, ManualClock, systemClock, type Clock } from "../core/clock.ts";

/**
 * A small in-memory control plane for the API tests: the API layer under test is HTTP ↔ these calls.
 *
 * @module
 */

import * as v from "valibot";
import { NotFoundError, type ControlPlane, type HealthReport, type StreamListener, type TradingState } from "../../api/control-plane.ts";
import { pairAssetId, Venue } from "../../protocol/mod.ts";
import { RiskLimitsPatchSchema, RiskLimitsSchema, type RiskLimits } from "../../trading/risk/limits.ts";

/** bigints as decimal text, as the execution service's control replies carry them. */
const wire = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, y) => (typeof y === "bigint" ? y.toString() : y)));

/** Two positions in two quote currencies, as the execution service's `portfolio` reply has them (× 10^8). */
export const MEMORY_PORTFOLIO = {
  tradingState: "ACTIVE", tradingReason: "configured", alerts: [],
  totals: { realized: "150000000", unrealized: "-25000000", fees: "3000000", net: "122000000", roundTrips: 2, wins: 1, winRate: 0.5, slippageCost: "1000000", slippageBps: 1.5, fills: 4 },
  positions: [
    { instrument: { assetId: pairAssetId("BTC", "USD").toString(), venue: Venue.Coinbase, assetType: 1 }, quantity: "6770000", averagePrice: "11677549024589", realized: "100000000", unrealized: "-25000000", fees: "2000000", mark: "11666156500000" },
    { instrument: { assetId: pairAssetId("ETH", "USDT").toString(), venue: Venue.Binance, assetType: 1 }, quantity: "-155210000", averagePrice: "430139319546", realized: "50000000", unrealized: "0", fees: "1000000" },
  ],
  orders: { planned: 5, accepted: 4 }, openOrders: 0, journal: { appended: 9 }, recoveredMessages: 0,
};

/** The control plane, in memory; `listeners` are the open upstream streams. */
export class MemoryControlPlane implements ControlPlane {
  state: TradingState = "ACTIVE";
  /** The limits in force, as risk holds them (sizes × 10^8). */
  limits: RiskLimits = v.parse(RiskLimitsSchema, { maxOrderNotional: "1000" });
  degraded = false;
  listeners = new Set<StreamListener>();
  /** Upstreams opened so far, by domain. */
  streamOpens = new Map<string, number>();
  /** When set, opening an upstream fails with it. */
  streamError: Error | undefined;
  /** Limits bodies the control plane was given (after the API's validation). */
  readonly limitUpdates: unknown[] = [];
  async health(): Promise<HealthReport> {
    return {
      status: this.degraded ? "degraded" : "ok", uptime: 1, messageRate: 2, errorRate: 0,
      dependencies: [{ name: "relay-market-data", status: this.degraded ? "down" : "up", lastSeen: null }],
    };
  }
  async metricsText() { return "# TYPE alphapulse_up gauge\nalphapulse_up 1\n"; }
  async stats() {
    return [{ name: "relay-market-data", kind: "relay", up: true, state: 2, connections: 3, messagesPerSecond: 1000, errorsPerMillion: 0, p50Micros: 12, p99Micros: 40, processed: "5000", dropped: "0", lastSeen: null }];
  }
  async strategies() { return [{ name: "momentum", enabled: true, up: true }]; }
  async portfolio() { return structuredClone(MEMORY_PORTFOLIO); }
  async services() {
    return [{ name: "relay-market-data", kind: "relay", pid: 42, state: "running" as const, restarts: 0, uptimeSeconds: 5, lastExit: null }];
  }
  async serviceAction(name: string) { if (name !== "relay-market-data") throw new NotFoundError(`service "${name}"`); }
  async setStrategyEnabled(name: string) { if (name !== "momentum") throw new NotFoundError(`strategy "${name}"`); }
  async setKillSwitch(engaged: boolean) { this.state = engaged ? "HALTED" : "ACTIVE"; return this.state; }
  async tradingStatus() { return { tradingState: this.state, reason: this.state === "HALTED" ? "kill switch engaged through the API" : "", alerts: [] }; }
  async riskLimits() { return wire(this.limits); }
  async setRiskLimits(l: unknown) {
    this.limitUpdates.push(l);
    this.limits = { ...this.limits, ...v.parse(RiskLimitsPatchSchema, l) } as RiskLimits;
    return wire(this.limits);
  }
  async circuitBreakers() { return [{ name: "adapter-coinbase", state: "closed" as const, failures: 0, openedAt: null }]; }
  async resetCircuitBreaker(name: string) { if (name !== "adapter-coinbase") throw new NotFoundError(`breaker "${name}"`); }
  async stream(domain: string, _types: readonly number[], listener: StreamListener) {
    if (this.streamError) throw this.streamError;
    this.streamOpens.set(domain, (this.streamOpens.get(domain) ?? 0) + 1);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}


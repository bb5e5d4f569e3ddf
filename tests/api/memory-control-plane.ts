/**
 * A small in-memory control plane for the API tests: the API layer under test is HTTP ↔ these calls.
 *
 * @module
 */

import * as v from "valibot";
import { NotFoundError, type ControlPlane, type HealthReport, type StreamListener, type TradingState } from "../../api/control-plane.ts";

/** The control plane, in memory; `listeners` are the open upstream streams. */
export class MemoryControlPlane implements ControlPlane {
  state: TradingState = "ACTIVE";
  limits = { maxOrderNotional: "1000" };
  degraded = false;
  listeners = new Set<StreamListener>();
  /** Upstreams opened so far, by domain. */
  streamOpens = new Map<string, number>();
  /** When set, opening an upstream fails with it. */
  streamError: Error | undefined;
  readonly riskLimitsSchema: v.GenericSchema;
  /** @param riskLimitsSchema schema of `PUT /risk/limits` (default: `{ maxOrderNotional: "decimal" }`) */
  constructor(riskLimitsSchema?: v.GenericSchema) {
    this.riskLimitsSchema = riskLimitsSchema ?? v.object({ maxOrderNotional: v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/)) });
  }
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
  async portfolio() { return { positions: [], realizedPnl: "0" }; }
  async services() {
    return [{ name: "relay-market-data", kind: "relay", pid: 42, state: "running" as const, restarts: 0, uptimeSeconds: 5, lastExit: null }];
  }
  async serviceAction(name: string) { if (name !== "relay-market-data") throw new NotFoundError(`service "${name}"`); }
  async setStrategyEnabled(name: string) { if (name !== "momentum") throw new NotFoundError(`strategy "${name}"`); }
  async setKillSwitch(engaged: boolean) { this.state = engaged ? "HALTED" : "ACTIVE"; return this.state; }
  async tradingStatus() { return { tradingState: this.state, reason: this.state === "HALTED" ? "kill switch engaged through the API" : "", alerts: [] }; }
  async riskLimits() { return this.limits; }
  async setRiskLimits(l: unknown) { this.limits = l as typeof this.limits; return this.limits; }
  async circuitBreakers() { return [{ name: "adapter-coinbase", state: "closed" as const, failures: 0, openedAt: null }]; }
  async resetCircuitBreaker(name: string) { if (name !== "adapter-coinbase") throw new NotFoundError(`breaker "${name}"`); }
  async stream(domain: string, _types: readonly number[], listener: StreamListener) {
    if (this.streamError) throw this.streamError;
    this.streamOpens.set(domain, (this.streamOpens.get(domain) ?? 0) + 1);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}


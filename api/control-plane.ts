/**
 * What the HTTP API needs from the running system. The runtime implements it (over the supervisor and
 * the services' control channels); the API only translates HTTP to these calls, so it stays thin and
 * testable against a real running system.
 *
 * @module
 */

import type { ServiceStatus } from "../runtime/supervisor.ts";

/** One dependency in the health report. */
export interface DependencyHealth {
  name: string;
  status: "up" | "down" | "degraded";
  /** ISO time the dependency was last heard from, or null if never. */
  lastSeen: string | null;
}

/** `GET /health` body. */
export interface HealthReport {
  status: "ok" | "degraded";
  uptime: number;
  messageRate: number;
  errorRate: number;
  dependencies: DependencyHealth[];
}

/** Trading state as the risk manager holds it. */
export type TradingState = "ACTIVE" | "REDUCING" | "HALTED";

/** An open alert of the execution service (e.g. its trading state could not be read at start). */
export interface TradingAlert {
  /** Alert name (`trading_state_unreadable`, …). */
  name: string;
  /** The file it is about (base name). */
  file: string;
  /** What was wrong (`corrupt`, `missing`, `checksum`, …). */
  kind: string;
  /** One sentence for people. */
  reason: string;
  /** ISO time it was raised. */
  since: string;
}

/** The trading state with its reason and the open alerts; a release of the kill switch clears the alerts. */
export interface TradingStatus {
  tradingState: TradingState;
  /** Why the state is what it is (the risk manager's last transition reason). */
  reason: string;
  alerts: TradingAlert[];
}

/** One circuit breaker. */
export interface CircuitBreakerStatus {
  name: string;
  state: "closed" | "open" | "half-open";
  failures: number;
  openedAt: string | null;
}

/** Live figures of one service, from its last StatusReport (`GET /stats`). */
export interface ServiceStats {
  name: string;
  kind: string;
  up: boolean;
  state: number;
  connections: number;
  messagesPerSecond: number;
  errorsPerMillion: number;
  p50Micros: number;
  p99Micros: number;
  /** Decimal string (u64). */
  processed: string;
  /** Decimal string (u64). */
  dropped: string;
  /** ISO time of the last report, or null. */
  lastSeen: string | null;
}

/** A strategy and whether it is enabled (`GET /strategies`). */
export interface StrategyInfo {
  name: string;
  enabled: boolean;
  up: boolean;
}

/** A live message for `/stream`, already in PROTOCOL §7 JSON form. */
export type StreamListener = (json: unknown) => void;

/** Stops a stream; `connected`, when given, says whether its relay is connected right now. */
export type StreamStop = (() => void) & { connected?: () => boolean };

/** Errors the control plane raises for a request that names something that does not exist. */
export class NotFoundError extends Error {
  /** @param what e.g. `service "x"` */
  constructor(what: string) {
    super(`${what} not found`);
    this.name = "NotFoundError";
  }
}

/** The running system, as the API sees it. */
export interface ControlPlane {
  /** Health of the whole system. */
  health(): Promise<HealthReport>;
  /** Prometheus text exposition of every service's metrics. */
  metricsText(): Promise<string>;
  /** Live figures of every service (rates, latency, drops). */
  stats(): Promise<ServiceStats[]>;
  /** Strategies and their switches. */
  strategies(): Promise<StrategyInfo[]>;
  /** Positions, realized/unrealized P&L and win rate, as the execution service reports them (JSON-safe, scaled × 10^8; the API shows them readable). */
  portfolio(): Promise<unknown>;
  /** Supervised services. */
  services(): Promise<ServiceStatus[]>;
  /** Restarts, stops or starts a service; {@link NotFoundError} for an unknown name. */
  serviceAction(name: string, action: "restart" | "stop" | "start"): Promise<void>;
  /** Enables or disables a strategy; {@link NotFoundError} for an unknown name. */
  setStrategyEnabled(name: string, enabled: boolean): Promise<void>;
  /** Engages (true) or releases (false) the kill switch; returns the resulting trading state. */
  setKillSwitch(engaged: boolean): Promise<TradingState>;
  /** Current trading state, why it is so, and the execution service's open alerts (fail-closed starts). */
  tradingStatus(): Promise<TradingStatus>;
  /** Current risk limits as the execution service holds them (sizes and money × 10^8, as text); the API shows them readable. */
  riskLimits(): Promise<unknown>;
  /** Changes the risk limits named in a `PUT /risk/limits` body (readable form, validated); returns what is now in force (as {@link riskLimits}). */
  setRiskLimits(limits: unknown): Promise<unknown>;
  /** Circuit breakers of adapters and strategies. */
  circuitBreakers(): Promise<CircuitBreakerStatus[]>;
  /** Resets a breaker; {@link NotFoundError} for an unknown name. */
  resetCircuitBreaker(name: string): Promise<void>;
  /**
   * Streams live messages of a relay domain (`market-data`, `signal`, `execution`, `system`), filtered
   * by TLV types (empty = all). Returns a function that stops the stream; it may also tell whether the
   * relay is connected right now (the subscription reconnects by itself).
   */
  stream(domain: string, types: readonly number[], listener: StreamListener): Promise<StreamStop>;
}

/**
 * The {@link ControlPlane} of a running system, as the API process sees it:
 * - liveness and metrics from the Heartbeat/StatusReport every service publishes on the system relay;
 * - service lifecycle through the supervisor's control socket;
 * - strategy switches, kill switch, risk limits and circuit breakers through the services' own control sockets;
 * - `/stream` through a subscription to the domain's relay, decoded to the PROTOCOL §7 JSON form.
 *
 * @module
 */

import { decodeMessage, messageToJson, MessageView, RelayDomain, TlvType } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Role } from "../relay/wire/control.ts";
import type { Logger } from "../core/log.ts";
import { parseDomain } from "../relay/wire/socket-paths.ts";
import { Exposition, mergeExpositions, type Labels, type MergeProblem } from "../core/metrics/mod.ts";
import { callControl, ControlError } from "../runtime/control/channel.ts";
import type { AppConfig } from "../runtime/config/schema.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { allServiceNames, describeService, SUPERVISOR_CONTROL } from "../runtime/service/system-services.ts";
import type { ServiceStatus } from "../runtime/supervisor.ts";
import {
  NotFoundError, type CircuitBreakerStatus, type ControlPlane, type DependencyHealth, type HealthReport, type StreamListener,
  type ServiceStats, type StrategyInfo, type StreamStop, type TradingState, type TradingStatus,
} from "./control-plane.ts";

/** What the API last heard from one service. */
interface Reported {
  lastSeen: number;
  state: number;
  uptimeSeconds: number;
  connections: number;
  messagesPerSecond: number;
  errorsPerMillion: number;
  p50Micros: number;
  p99Micros: number;
  processed: bigint;
  dropped: bigint;
}

/** A service counts as down when silent for this long. */
const SILENT_AFTER_MS = 3_000;

/** The system's control plane, for the API service. */
export class SystemControlPlane implements ControlPlane {
  private readonly config: AppConfig;
  private readonly paths: RuntimePaths;
  private readonly log: Logger;
  private readonly started = Date.now();
  private readonly reports = new Map<number, Reported>();
  private readonly names = new Map<number, string>();
  private readonly kinds = new Map<string, string>();
  private system: RelayClient | undefined;
  private readonly streams = new Set<RelayClient>();

  /** @param config the app config @param paths the run's paths @param log logger */
  constructor(config: AppConfig, paths: RuntimePaths, log: Logger) {
    this.config = config;
    this.paths = paths;
    this.log = log;
    for (const name of allServiceNames(config)) {
      const r = describeService(name, config);
      this.names.set(r.serviceId, name);
      this.kinds.set(name, r.kind);
    }
  }

  /** Subscribes to the system relay (waiting for it) to collect heartbeats and status reports. */
  async start(serviceId: number): Promise<void> {
    const view = new MessageView();
    this.system = await RelayClient.connect({
      endpoint: { kind: "unix", path: this.paths.relaySocket(RelayDomain.System) }, domain: RelayDomain.System,
      serviceId, role: Role.Subscriber, types: [TlvType.Heartbeat, TlvType.StatusReport], waitForRelay: true, logger: this.log,
    });
    this.system.onMessage((bytes, offset) => {
      view.wrap(bytes, offset);
      if (!view.firstTlv()) return;
      const now = Date.now();
      do {
        if (view.tlvType !== TlvType.Heartbeat && view.tlvType !== TlvType.StatusReport) continue;
        const id = view.u16(0);
        const r = this.reports.get(id) ?? {
          lastSeen: 0, state: 0, uptimeSeconds: 0, connections: 0, messagesPerSecond: 0, errorsPerMillion: 0,
          p50Micros: 0, p99Micros: 0, processed: 0n, dropped: 0n,
        };
        r.lastSeen = now;
        r.state = view.u8At(2);
        if (view.tlvType === TlvType.Heartbeat) r.uptimeSeconds = view.u32(4);
        else {
          r.connections = view.u32(4);
          r.messagesPerSecond = view.u32(8);
          r.errorsPerMillion = view.u32(12);
          r.p50Micros = view.u32(16);
          r.p99Micros = view.u32(20);
          r.processed = view.u64(24);
          r.dropped = view.u64(32);
        }
        this.reports.set(id, r);
      } while (view.nextTlv());
    });
  }

  /** Closes the subscriptions. */
  async close(): Promise<void> {
    await this.system?.close();
    await Promise.all([...this.streams].map((s) => s.close().catch(() => {})));
  }

  async health(): Promise<HealthReport> {
    const now = Date.now();
    const dependencies: DependencyHealth[] = [];
    let messageRate = 0;
    let errorWeighted = 0;
    let rateForErrors = 0;
    for (const [id, name] of this.names) {
      if (name === "api") continue;
      const r = this.reports.get(id);
      const fresh = r !== undefined && now - r.lastSeen <= SILENT_AFTER_MS;
      const status = !fresh ? "down" : r.state === 3 ? "degraded" : "up";
      dependencies.push({ name, status, lastSeen: r ? new Date(r.lastSeen).toISOString() : null });
      if (fresh && name === "relay-market-data") messageRate = r.messagesPerSecond;
      if (fresh) {
        errorWeighted += r.errorsPerMillion * Math.max(1, r.messagesPerSecond);
        rateForErrors += Math.max(1, r.messagesPerSecond);
      }
    }
    const ok = dependencies.every((d) => d.status === "up");
    return {
      status: ok ? "ok" : "degraded",
      uptime: Math.round((now - this.started) / 1000),
      messageRate,
      errorRate: rateForErrors > 0 ? errorWeighted / rateForErrors / 1e6 : 0,
      dependencies,
    };
  }

  async metricsText(): Promise<string> {
    const now = Date.now();
    const e = new Exposition();
    const rows = (value: (r: Reported) => number | bigint): [Labels, number | bigint][] => {
      const out: [Labels, number | bigint][] = [];
      for (const [id, service] of this.names) {
        const r = this.reports.get(id);
        if (r) out.push([{ service, kind: this.kinds.get(service)! }, value(r)]);
      }
      return out;
    };
    const p = "alphapulse_service_";
    e.gauge(`${p}up`, "1 when the service reported within 3 s.", rows((r) => (now - r.lastSeen <= SILENT_AFTER_MS ? 1 : 0)))
      .gauge(`${p}state`, "Reported state (1 starting, 2 running, 3 degraded, 4 stopping).", rows((r) => r.state))
      .gauge(`${p}uptime_seconds`, "Seconds since the service started.", rows((r) => r.uptimeSeconds))
      .gauge(`${p}connections`, "Open connections.", rows((r) => r.connections))
      .gauge(`${p}messages_per_second`, "Messages handled per second.", rows((r) => r.messagesPerSecond))
      .gauge(`${p}errors_per_million`, "Errors per million messages.", rows((r) => r.errorsPerMillion))
      .gauge(`${p}latency_p50_seconds`, "Processing latency p50 as the service's last status report said.", rows((r) => r.p50Micros / 1e6))
      .gauge(`${p}latency_p99_seconds`, "Processing latency p99 as the service's last status report said.", rows((r) => r.p99Micros / 1e6))
      .counter(`${p}processed_total`, "Messages handled since start.", rows((r) => r.processed))
      .counter(`${p}dropped_total`, "Messages dropped since start.", rows((r) => r.dropped));
    try {
      const services = (await this.supervisor("services", {}, 1_000)) as ServiceStatus[];
      const labels = (s: ServiceStatus): Labels => ({ service: s.name, kind: s.kind });
      e.counter(`${p}restarts_total`, "Restarts by the supervisor since the system started.", services.map((s) => [labels(s), s.restarts]))
        .gauge(`${p}failed`, "1 when the supervisor gave up on the service (crash loop).", services.map((s) => [labels(s), s.state === "failed" ? 1 : 0]))
        .gauge(`${p}running`, "1 while the supervisor has the service's process running.", services.map((s) => [labels(s), s.state === "running" ? 1 : 0]));
    } catch (err) {
      this.log.debug("metrics: the supervisor did not answer", { error: String(err) });
    }
    const detailed = await Promise.all([...this.names.values()].filter((n) => n !== "api").map(async (service) => {
      try {
        return { service, text: String(await callControl(this.paths.controlSocket(service), "metrics", {}, 1_000)) };
      } catch {
        return { service, text: "" };
      }
    }));
    const problems: MergeProblem[] = [];
    const text = mergeExpositions([{ service: "api", text: e.render() }, ...detailed], problems);
    for (const problem of problems) this.log.warn("metrics: a service's metrics were not merged in full", { ...problem });
    return text;
  }

  async stats(): Promise<ServiceStats[]> {
    const now = Date.now();
    return [...this.names].map(([id, name]) => {
      const r = this.reports.get(id);
      return {
        name, kind: this.kinds.get(name)!, up: r !== undefined && now - r.lastSeen <= SILENT_AFTER_MS, state: r?.state ?? 0,
        connections: r?.connections ?? 0, messagesPerSecond: r?.messagesPerSecond ?? 0, errorsPerMillion: r?.errorsPerMillion ?? 0,
        p50Micros: r?.p50Micros ?? 0, p99Micros: r?.p99Micros ?? 0, processed: String(r?.processed ?? 0n),
        dropped: String(r?.dropped ?? 0n), lastSeen: r ? new Date(r.lastSeen).toISOString() : null,
      };
    });
  }

  async strategies(): Promise<StrategyInfo[]> {
    const names = [...this.kinds].filter(([, k]) => k === "strategy").map(([n]) => n);
    return Promise.all(names.map(async (name) => {
      try {
        return { name, enabled: Boolean(await callControl(this.paths.controlSocket(name), "enabled", {}, 1_000)), up: true };
      } catch {
        return { name, enabled: false, up: false };
      }
    }));
  }

  async portfolio(): Promise<unknown> {
    return this.call(this.execution(), "portfolio");
  }

  async services(): Promise<ServiceStatus[]> {
    return (await this.supervisor("services")) as ServiceStatus[];
  }

  async serviceAction(name: string, action: "restart" | "stop" | "start"): Promise<void> {
    if (!this.kinds.has(name)) throw new NotFoundError(`service "${name}"`);
    await this.supervisor("serviceAction", { name, action }, 15_000);
  }

  async setStrategyEnabled(name: string, enabled: boolean): Promise<void> {
    if (this.kinds.get(name) !== "strategy") throw new NotFoundError(`strategy "${name}"`);
    await this.call(name, "setEnabled", { enabled });
  }

  async setKillSwitch(engaged: boolean): Promise<TradingState> {
    return (await this.call(this.execution(), "setKillSwitch", { engaged })) as TradingState;
  }

  async tradingStatus(): Promise<TradingStatus> {
    return (await this.call(this.execution(), "tradingStatus")) as TradingStatus;
  }

  async riskLimits(): Promise<unknown> {
    return this.call(this.execution(), "riskLimits");
  }

  async setRiskLimits(limits: unknown): Promise<unknown> {
    return await this.call(this.execution(), "setRiskLimits", { limits });
  }

  async circuitBreakers(): Promise<CircuitBreakerStatus[]> {
    const lists = await Promise.all(this.breakerOwners().map(async (name) => {
      try {
        return (await callControl(this.paths.controlSocket(name), "breakers", {}, 1_000)) as CircuitBreakerStatus[];
      } catch {
        return [];
      }
    }));
    return lists.flat();
  }

  async resetCircuitBreaker(name: string): Promise<void> {
    for (const owner of this.breakerOwners()) {
      try {
        if (await callControl(this.paths.controlSocket(owner), "resetBreaker", { name }, 1_000)) return;
      } catch {
        // owner down or breaker not there: try the next
      }
    }
    throw new NotFoundError(`circuit breaker "${name}"`);
  }

  async stream(domain: string, types: readonly number[], listener: StreamListener): Promise<StreamStop> {
    const d = parseDomain(domain);
    if (d === undefined) throw new NotFoundError(`relay domain "${domain}"`);
    const client = await RelayClient.connect({
      endpoint: { kind: "unix", path: this.paths.relaySocket(d) }, domain: d, serviceId: 61, role: Role.Subscriber,
      types: types.length > 0 ? types : undefined, gapRecovery: false, logger: this.log,
    });
    this.streams.add(client);
    client.onMessage((bytes, offset, length) => {
      let json: unknown;
      try {
        json = messageToJson(decodeMessage(bytes.subarray(offset, offset + length)));
      } catch (e) {
        this.log.warn("stream: undecodable message skipped", { error: String(e) });
        return;
      }
      try {
        listener(json);
      } catch (e) {
        this.log.error("stream: delivering a message failed", { domain, error: String(e) });
      }
    });
    return Object.assign(() => {
      this.streams.delete(client);
      client.close().catch((e: unknown) => this.log.warn("stream: closing the relay subscription failed", { domain, error: String(e) }));
    }, { connected: () => client.connected });
  }

  /** Services that own circuit breakers: adapters and strategies. */
  private breakerOwners(): string[] {
    return [...this.kinds].filter(([, k]) => k === "adapter" || k === "strategy").map(([n]) => n);
  }

  private execution(): string {
    const svc = this.config.services.find((s) => s.kind === "execution" && s.enabled);
    if (!svc) throw new NotFoundError("execution service");
    return svc.name;
  }

  private async call(service: string, op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    try {
      return await callControl(this.paths.controlSocket(service), op, args);
    } catch (e) {
      if (e instanceof ControlError && e.kind === "NotFound") throw new NotFoundError(e.message.replace(/ not found$/, ""));
      throw e;
    }
  }

  private supervisor(op: string, args: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<unknown> {
    return callControl(this.paths.controlSocket(SUPERVISOR_CONTROL), op, args, timeoutMs);
  }
}

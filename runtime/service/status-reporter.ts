/**
 * Publishes a service's Heartbeat and StatusReport on the system relay once a second, so the API can
 * tell who is alive and collect metrics without asking anyone (PROTOCOL §4 System TLVs).
 *
 * A service that is alive but fails at what it does is not "running": when its errors of the last
 * interval reach {@link DEGRADED_ERRORS_PER_MILLION} of the messages it handled (by default as many
 * errors as messages — an adapter whose every frame fails), the report says Degraded, so `/health`
 * degrades, whatever the service itself said.
 *
 * @module
 */

import { MessageBuilder, RelayDomain, ServiceState, TlvType } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { Role } from "../../relay/wire/control.ts";
import type { Logger } from "../../core/log.ts";
import type { Endpoint } from "../../relay/transport/types.ts";
import type { ServiceStatusFields } from "./types.ts";

const U32 = 0xffffffff;

/**
 * Errors per million messages handled in an interval at or above which a running service is reported
 * Degraded: 1,000,000 = at least one error per message handled (errors with nothing handled count as
 * 1,000,000).
 */
export const DEGRADED_ERRORS_PER_MILLION = 1_000_000;

/** Errors per million messages handled, from one interval's counts (errors with nothing handled: 1,000,000). */
export function errorsPerMillion(newErrors: number, newProcessed: number): number {
  return newProcessed > 0 ? (newErrors / newProcessed) * 1e6 : newErrors > 0 ? 1e6 : 0;
}

/**
 * The state to report for an interval: `state`, except that a Running service whose errors reach
 * `threshold` errors per million handled (and that had errors at all) is Degraded.
 */
export function judgeState(state: number, newErrors: number, newProcessed: number, threshold = DEGRADED_ERRORS_PER_MILLION): number {
  if (state !== ServiceState.Running || newErrors <= 0) return state;
  return errorsPerMillion(newErrors, newProcessed) >= threshold ? ServiceState.Degraded : state;
}

function u32(n: number): number {
  return Math.max(0, Math.min(U32, Math.round(n)));
}

/** Sends Heartbeat + StatusReport every `intervalMs` until stopped. */
export class StatusReporter {
  private readonly builder = new MessageBuilder(256);
  private readonly started = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastProcessed = 0n;
  private lastErrors = 0n;
  private lastAt = Date.now();

  private readonly client: RelayClient;
  private readonly serviceId: number;
  private readonly status: () => ServiceStatusFields;
  private readonly degradedAt: number;

  private constructor(client: RelayClient, serviceId: number, status: () => ServiceStatusFields, degradedAt: number) {
    this.client = client;
    this.serviceId = serviceId;
    this.status = status;
    this.degradedAt = degradedAt;
  }

  /** Connects to the system relay (waiting for it) and starts reporting. */
  static async start(options: {
    /** The system relay: a Unix socket path, or the deployment's endpoint for it. */
    socketPath: string | Endpoint; serviceId: number; status: () => ServiceStatusFields; intervalMs?: number; logger: Logger;
    /** Errors per million handled that make a running service Degraded (default {@link DEGRADED_ERRORS_PER_MILLION}). */
    degradedErrorsPerMillion?: number;
  }): Promise<StatusReporter> {
    const client = await RelayClient.connect({
      endpoint: typeof options.socketPath === "string" ? { kind: "unix", path: options.socketPath } : options.socketPath, domain: RelayDomain.System, serviceId: options.serviceId,
      role: Role.Publisher, waitForRelay: true, logger: options.logger, outBufferBytes: 64 * 1024,
    });
    const r = new StatusReporter(client, options.serviceId, options.status, options.degradedErrorsPerMillion ?? DEGRADED_ERRORS_PER_MILLION);
    r.report();
    r.timer = setInterval(() => r.report(), options.intervalMs ?? 1_000);
    return r;
  }

  /** Builds and publishes one Heartbeat + StatusReport message now. */
  report(): void {
    const s = this.status();
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    const rate = Number(s.processed - this.lastProcessed) / seconds;
    const newErrors = Number(s.errors - this.lastErrors);
    const newProcessed = Number(s.processed - this.lastProcessed);
    const perMillion = errorsPerMillion(newErrors, newProcessed);
    const state = judgeState(s.state, newErrors, newProcessed, this.degradedAt);
    this.lastProcessed = s.processed;
    this.lastErrors = s.errors;
    this.lastAt = now;
    const b = this.builder.begin(RelayDomain.System, this.serviceId);
    b.add({
      type: TlvType.Heartbeat, name: "Heartbeat", serviceId: this.serviceId, state,
      uptimeSeconds: u32((now - this.started) / 1000), lastSequence: s.lastSequence,
    });
    b.add({
      type: TlvType.StatusReport, name: "StatusReport", serviceId: this.serviceId, state,
      connections: u32(s.connections), messagesPerSecond: u32(rate), errorsPerMillion: u32(perMillion),
      p50Micros: u32(s.p50Micros), p99Micros: u32(s.p99Micros), processed: s.processed, dropped: s.dropped,
    });
    this.client.publish(b.finish());
  }

  /** Stops reporting and closes the connection after a last report. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client.close();
  }
}

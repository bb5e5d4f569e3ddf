/**
 * The application config (`config/default.yaml`, `config/live.yaml`): where the runtime keeps its
 * sockets and state, the API, relay tuning, and the list of services. Each service's `options` are
 * validated by that service kind's own schema when it starts (so the path in an error is still
 * `services[2].options.…`).
 *
 * @module
 */

import * as v from "valibot";

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

/** One supervised service. */
export const ServiceConfigSchema = v.object({
  /** Unique name, `[a-z0-9-]`. */
  name: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and dashes")),
  /** What to run. */
  kind: v.picklist(["adapter", "strategy", "execution"]),
  /** Source id it stamps on messages (PROTOCOL §6: adapters 1–19, strategies 20–39, execution 40–59). */
  serviceId: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(79)),
  /** Start it (default true). */
  enabled: v.optional(v.boolean(), true),
  /** Kind-specific settings. */
  options: v.optional(v.record(v.string(), v.unknown()), {}),
});
/** One service's config. */
export type ServiceConfig = v.InferOutput<typeof ServiceConfigSchema>;

/** The whole application config. */
export const AppConfigSchema = v.pipe(
  v.object({
    /** Directory for sockets, control sockets, snapshots, journals. Default: a per-user runtime dir. */
    runtimeDir: v.optional(v.string(), ""),
    api: v.optional(v.object({
      host: v.optional(v.string(), "127.0.0.1"),
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 8080),
      /** Bearer token; empty = generated at start and printed. */
      token: v.optional(v.string(), ""),
    }), {}),
    relays: v.optional(v.object({
      verifyChecksum: v.optional(v.boolean(), true),
      subscriberQueueBytes: v.optional(positiveInt, 8 * 1024 * 1024),
      ringBytesPerSource: v.optional(positiveInt, 4 * 1024 * 1024),
      overflowDisconnectMs: v.optional(positiveInt, 5_000),
    }), {}),
    recovery: v.optional(v.object({
      snapshotIntervalSeconds: v.optional(positiveInt, 10),
    }), {}),
    journal: v.optional(v.object({
      maxFileBytes: v.optional(positiveInt, 64 * 1024 * 1024),
      maxFiles: v.optional(positiveInt, 32),
    }), {}),
    supervisor: v.optional(v.object({
      initialBackoffMs: v.optional(positiveInt, 250),
      maxBackoffMs: v.optional(positiveInt, 30_000),
      crashLoopLimit: v.optional(positiveInt, 5),
      crashLoopWindowMs: v.optional(positiveInt, 60_000),
      shutdownDeadlineMs: v.optional(positiveInt, 5_000),
    }), {}),
    services: v.optional(v.array(ServiceConfigSchema), []),
  }),
  v.check((c) => new Set(c.services.map((s) => s.name)).size === c.services.length, "service names must be unique"),
  v.check((c) => new Set(c.services.map((s) => s.serviceId)).size === c.services.length, "service ids must be unique"),
);
/** The application config. */
export type AppConfig = v.InferOutput<typeof AppConfigSchema>;

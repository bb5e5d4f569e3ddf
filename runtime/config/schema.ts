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
/** A heap limit in MiB (V8's old generation; below 16 a service cannot start). */
const heapLimitMb = v.optional(v.pipe(v.number(), v.integer(), v.minValue(16)));

/** A string that may be left empty in YAML (`key:` or `${VAR:-}` reads as null): empty string then. */
const optionalText = v.pipe(v.optional(v.nullable(v.string()), ""), v.transform((x) => x ?? ""));

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
  /** Start it only when all these environment variables are set and non-empty (e.g. a node URL). */
  requiresEnv: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"))), []),
  /** Kind-specific settings. */
  options: v.optional(v.record(v.string(), v.unknown()), {}),
  /** This service's heap limit in MiB, instead of `supervisor.heapLimitMb`. */
  heapLimitMb,
});
/** One service's config. */
export type ServiceConfig = v.InferOutput<typeof ServiceConfigSchema>;

/**
 * Bridging of relay domains over NATS (off unless set): every domain named under `streams` is bridged
 * and retained in JetStream with that retention. Credentials and TLS may also come from the
 * environment (`NATS_CREDS`, `NATS_TOKEN`, `NATS_USER`/`NATS_PASSWORD`, `NATS_CA`/`NATS_CERT`/`NATS_KEY`).
 */
export const NatsConfigSchema = v.object({
  /** Server URL(s), comma-separated: `nats://host:4222`, `tls://host:4222`. */
  url: v.pipe(v.string(), v.minLength(1, "must name a NATS server")),
  /** A NATS `.creds` file. */
  credsFile: v.optional(v.string()),
  /** PEM files: CA of the server's certificate; client certificate and key for mutual TLS. */
  tls: v.optional(v.object({ ca: v.optional(v.string()), cert: v.optional(v.string()), key: v.optional(v.string()) })),
  /** Bridged domains and their JetStream retention. */
  streams: v.pipe(
    v.record(v.picklist(["market-data", "signal", "execution", "system"]), v.object({
      maxAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
      maxBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(-1))),
    })),
    v.check((s) => Object.keys(s).length > 0, "name at least one domain to bridge"),
  ),
  /** Bytes of outgoing messages a bridge keeps while NATS is down or unacknowledged. */
  bufferBytes: v.optional(positiveInt, 64 * 1024 * 1024),
});
/** NATS bridging settings. */
export type NatsConfig = v.InferOutput<typeof NatsConfigSchema>;

/** The whole application config. */
export const AppConfigSchema = v.pipe(
  v.object({
    /**
     * Name of this system's state (`[a-z0-9._-]`): the default state directory is
     * `$XDG_STATE_HOME/alphapulse/<name>`. Empty: `ap start` uses the config file's stem and a hash of its
     * path (runtime/paths.ts `configRunName`).
     */
    name: v.pipe(optionalText, v.regex(/^(?:[a-z0-9][a-z0-9._-]{0,62})?$/, "must be lower-case letters, digits, dots, dashes and underscores")),
    /** Directory of sockets, control sockets, the lock and pid files. Default: a per-user runtime dir. */
    runtimeDir: optionalText,
    /**
     * Directory of durable state: snapshots and trading state, journals, log files (created 0700).
     * Empty: `runtimeDir` when that is set, else `$XDG_STATE_HOME/alphapulse/<name>` or
     * `~/.local/state/alphapulse/<name>`.
     */
    stateDir: optionalText,
    /** Log files in `<stateDir>/logs` (`alphapulse.log`, rotated by size to `.1` … `.<maxFiles-1>`). */
    logs: v.optional(v.object({
      /** Lowest level logged: `debug` (every order and fill), `info` (lifecycle), `warn`, `error`. `ALPHAPULSE_LOG_LEVEL` overrides it. */
      level: v.optional(v.picklist(["debug", "info", "warn", "error"]), "info"),
      /** Size at which the log file is rotated. */
      maxFileBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 10 * 1024 * 1024),
      /** Files kept, the current one included. */
      maxFiles: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 5),
    }), {}),
    api: v.optional(v.object({
      host: v.optional(v.string(), "127.0.0.1"),
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 8080),
      /** Bearer token; empty = generated at start and printed. */
      token: optionalText,
      /** Extra `Host` names (without port) the API answers besides 127.0.0.1, localhost, [::1] and `host`. */
      allowedHosts: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.\-:[\]]+$/, "must be a host name"))), []),
      /** Most `/stream` WebSocket clients at once; more are refused with 503. */
      maxStreamClients: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 256),
      /** Bytes queued for one `/stream` client past which its messages are dropped (counted). */
      streamQueueBytes: v.optional(positiveInt, 1024 * 1024),
      /** Recent traffic the API keeps for `GET /history` (the dashboard opens on it): bounds of api/recent-history.ts. */
      history: v.optional(v.object({
        /** Messages kept per kind of signal or execution message (orders, acks, fills, momentum, …). */
        perFeed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 200),
        /** Latest-state slots kept: one per instrument or pool and TLV type (last trade, book, pool sync, …). */
        maxKeys: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)), 2048),
        /** Characters of JSON kept over all domains; the oldest entries go first past it. */
        maxBytes: v.optional(positiveInt, 4 * 1024 * 1024),
      }), {}),
    }), {}),
    relays: v.optional(v.object({
      verifyChecksum: v.optional(v.boolean(), true),
      subscriberQueueBytes: v.optional(positiveInt, 8 * 1024 * 1024),
      ringBytesPerSource: v.optional(positiveInt, 4 * 1024 * 1024),
      /** Bytes all sources' retransmission rings may keep together (relay/ring-store.ts). */
      ringBytesTotal: v.optional(positiveInt, 256 * 1024 * 1024),
      overflowDisconnectMs: v.optional(positiveInt, 5_000),
      /** How far a source's sequence may jump ahead without a restart at 1 (relay/relay.ts). */
      sequenceJumpWindow: v.optional(positiveInt, 1_000_000),
      /** Milliseconds a started message has to be completed; bytes one / all connections' partial messages may hold (relay/partial-limits.ts). */
      partialDeadlineMs: v.optional(positiveInt, 5_000),
      connectionBufferBytes: v.optional(positiveInt, 1024 * 1024 + 64 * 1024),
      partialBytesTotal: v.optional(positiveInt, 32 * 1024 * 1024),
      nats: v.optional(NatsConfigSchema),
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
      /**
       * `least`: each service runs with only the files, sockets and hosts it needs (enforced under Deno;
       * runtime/launch/service-grants.ts). `all`: every permission (`deno run -A`), e.g. for a plugin that
       * needs more.
       */
      permissions: v.optional(v.picklist(["least", "all"]), "least"),
      /**
       * Most MiB of JavaScript heap each service may use (V8's old generation; a service's own
       * `heapLimitMb` wins). One that grows past it ends and is restarted with the usual backoff, so a
       * leak in one service never takes the machine's memory from the others: processes get
       * `--max-old-space-size` (Node, Deno), Node worker threads a heap `resourceLimits`. Deno cannot
       * limit one worker thread: there the threads deployment logs that it is not enforced. Absent: the
       * runtime's default (about a quarter of the machine's memory per process or thread).
       */
      heapLimitMb,
      /** Modules every service process loads before its own code (Deno `--preload`, Node `--import`): instrumentation, audits. */
      preload: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), []),
      /**
       * `processes`: each service in its own OS process, reaching the relays over Unix sockets. `threads`:
       * each service in a worker thread of one process, reaching the relays over shared-memory rings
       * (`ap start --threads` overrides it; docs/RELIABILITY.md "Threads deployment").
       */
      deployment: v.optional(v.picklist(["processes", "threads"]), "processes"),
      /** Threads deployment: the main thread pings every worker each `pingIntervalMs`; one silent for `hungAfterMs` is ended and restarted. */
      threads: v.optional(v.object({
        pingIntervalMs: v.optional(positiveInt, 1_000),
        hungAfterMs: v.optional(positiveInt, 10_000),
      }), {}),
    }), {}),
    /** The API's own alert evaluation (api/alerts/): every `intervalMs`, notifying webhooks with retries. */
    alerting: v.optional(v.object({
      enabled: v.optional(v.boolean(), true),
      intervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 5_000),
      webhooks: v.optional(v.array(v.object({
        url: v.pipe(v.string(), v.url()), format: v.optional(v.picklist(["alertmanager", "slack"]), "alertmanager"),
      })), []),
      maxAttempts: v.optional(positiveInt, 5),
      retryDelayMs: v.optional(positiveInt, 500),
    }), {}),
    services: v.optional(v.array(ServiceConfigSchema), []),
  }),
  v.check((c) => new Set(c.services.map((s) => s.name)).size === c.services.length, "service names must be unique"),
  v.check((c) => new Set(c.services.map((s) => s.serviceId)).size === c.services.length, "service ids must be unique"),
);
/** The application config. */
export type AppConfig = v.InferOutput<typeof AppConfigSchema>;

/** The heap limit (MiB) of service `name` of `config`: its own `heapLimitMb`, else `supervisor.heapLimitMb`; undefined for none. */
export function heapLimitMbOf(config: AppConfig, name: string): number | undefined {
  return config.services.find((s) => s.name === name)?.heapLimitMb ?? config.supervisor.heapLimitMb;
}

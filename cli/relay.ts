/**
 * `ap relay <domain>`: runs one domain relay until SIGINT/SIGTERM.
 *
 * @example
 * ```sh
 * ap relay market-data
 * AP_TOKEN=s3cret ap relay signal --tcp 0.0.0.0:7402 --tls-cert relay.crt --tls-key relay.key --token-env AP_TOKEN
 * ```
 * @module
 */

import process from "node:process";
import { createLogger } from "../core/log.ts";
import { renderPrometheus } from "../relay/server/metrics.ts";
import { domainName } from "../relay/wire/socket-paths.ts";
import { DEFAULT_CONNECTION_BUFFER_BYTES, DEFAULT_PARTIAL_BYTES_TOTAL, DEFAULT_PARTIAL_DEADLINE_MS } from "../relay/server/partial-limits.ts";
import { DEFAULT_SEQUENCE_JUMP_WINDOW } from "../relay/server/relay.ts";
import { DEFAULT_RING_BYTES_TOTAL } from "../relay/server/ring-store.ts";
import { RelayConfigError, startRelayServer, type RelayServer, type TcpListenOptions } from "../relay/server/server.ts";
import { CommandError, type Command } from "./command.ts";
import { domainArg, hostPort, intOption, parseCommandArgs, readTextFile, relayKeyOption, tokenFromEnv } from "./relay-options.ts";

const USAGE = `usage: ap relay <market-data|signal|execution|system> [options]

Runs the domain's relay: checks every message, forwards the exact bytes to subscribers, tracks
sequences per source and answers retransmission requests. Logs JSON lines on stderr. Stops on
SIGINT/SIGTERM.

options:
  --socket PATH        Unix socket (default $XDG_RUNTIME_DIR/alphapulse/<domain>.sock, else
                       /tmp/alphapulse-<uid>/<domain>.sock); mode 0600
  --tcp HOST:PORT      also listen on TCP, with TLS 1.3 (--tls-cert and --tls-key) and a Hello token
  --tls-cert FILE      PEM certificate chain for --tcp
  --tls-key FILE       PEM private key for --tcp
  --tcp-plain          plain TCP instead of TLS (only on a loopback address)
  --token-env NAME     environment variable holding the token TCP clients must present
  --key-env NAME       environment variable holding a run key (base64url, ≥ 32 bytes): every Hello
                       must then carry its service's identity token (relay/identity.ts)
  --sequence-window N  largest sequence jump of a source without a restart at 1 (default 1000000, 0 = any)
  --partial-deadline-ms N  close a connection whose started message is not complete after N ms (default 5000)
  --connection-buffer-bytes N  close a connection whose incomplete message holds more (default 1114112)
  --partial-bytes-total N  bytes all incomplete messages may hold; past it the oldest goes (default 33554432)
  --no-checksum        do not verify message checksums
  --queue-bytes N      per-subscriber backlog before dropping oldest (default 8388608)
  --overflow-ms N      disconnect a subscriber overflowing this long (default 5000)
  --ring-bytes N       recent bytes kept per source for retransmission (default 4194304)
  --ring-bytes-total N bytes of received chunks all sources' rings may keep, each chunk counted once;
                       past it the least recently written sources lose their oldest (default 268435456)
  --discard-memory-ms N  remember what a closed subscriber's queue held this long, and answer it when
                       the same service id says Hello again (default 60000, 0 = never)
  --metrics-every S    log a metrics snapshot every S seconds (default 60, 0 = never)
  --prometheus         with --metrics-every, log the Prometheus text instead of JSON
  -h, --help           show this help

exit status: 0 stopped by a signal; 1 could not start (socket in use, bad certificate…); 2 usage error.`;

const OPTIONS = {
  socket: { type: "string" },
  tcp: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tcp-plain": { type: "boolean" },
  "token-env": { type: "string" },
  "no-checksum": { type: "boolean" },
  "key-env": { type: "string" },
  "sequence-window": { type: "string" },
  "partial-deadline-ms": { type: "string" },
  "connection-buffer-bytes": { type: "string" },
  "partial-bytes-total": { type: "string" },
  "queue-bytes": { type: "string" },
  "overflow-ms": { type: "string" },
  "ring-bytes": { type: "string" },
  "ring-bytes-total": { type: "string" },
  "discard-memory-ms": { type: "string" },
  "metrics-every": { type: "string" },
  prometheus: { type: "boolean" },
} as const;

/** The `ap relay` command. */
export const relayCommand: Command = {
  name: "relay",
  summary: "run a domain relay (Unix socket, optional TCP+TLS)",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (positionals.length !== 1) throw new CommandError("expected exactly one domain", 2);
    const domain = domainArg(positionals[0]);
    const token = tokenFromEnv(values);
    let tcp: TcpListenOptions | undefined;
    if (typeof values.tcp === "string") {
      const { host, port } = hostPort(values.tcp, "--tcp");
      const cert = values["tls-cert"];
      const key = values["tls-key"];
      if (values["tcp-plain"]) {
        if (cert || key) throw new CommandError("--tcp-plain and --tls-cert/--tls-key exclude each other", 2);
        tcp = { host, port, plain: true };
      } else {
        if (typeof cert !== "string" || typeof key !== "string") throw new CommandError("--tcp needs --tls-cert and --tls-key (or --tcp-plain on loopback)", 2);
        tcp = { host, port, tls: { cert: readTextFile(cert, "certificate"), key: readTextFile(key, "private key") } };
      }
    } else if (values["tls-cert"] || values["tls-key"] || values["tcp-plain"]) {
      throw new CommandError("--tls-cert, --tls-key and --tcp-plain need --tcp HOST:PORT", 2);
    }
    const log = createLogger(`relay.${domainName(domain)}`);
    let server: RelayServer;
    try {
      server = await startRelayServer({
        domain,
        logger: log,
        verifyChecksum: !values["no-checksum"],
        subscriberQueueBytes: intOption(values, "queue-bytes", 8 * 1024 * 1024),
        overflowDisconnectMs: intOption(values, "overflow-ms", 5000),
        ringBytesPerSource: intOption(values, "ring-bytes", 4 * 1024 * 1024),
        ringBytesTotal: intOption(values, "ring-bytes-total", DEFAULT_RING_BYTES_TOTAL),
        discardMemoryMs: intOption(values, "discard-memory-ms", 60_000),
        sequenceJumpWindow: intOption(values, "sequence-window", DEFAULT_SEQUENCE_JUMP_WINDOW),
        partialDeadlineMs: intOption(values, "partial-deadline-ms", DEFAULT_PARTIAL_DEADLINE_MS),
        connectionBufferBytes: intOption(values, "connection-buffer-bytes", DEFAULT_CONNECTION_BUFFER_BYTES),
        partialBytesTotal: intOption(values, "partial-bytes-total", DEFAULT_PARTIAL_BYTES_TOTAL),
        ...relayKeyOption(values),
        ...(typeof values.socket === "string" ? { socketPath: values.socket } : {}),
        ...(tcp ? { tcp } : {}),
        ...(token ? { token } : {}),
      });
    } catch (e) {
      if (e instanceof RelayConfigError) throw new CommandError(e.message, 2);
      throw new CommandError(`cannot start: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    const every = intOption(values, "metrics-every", 60);
    const timer = every > 0
      ? setInterval(() => {
        const snap = server.relay.metrics.snapshot();
        if (values.prometheus) log.info("metrics", { prometheus: renderPrometheus(snap) });
        else log.info("metrics", { ...snap });
      }, every * 1000)
      : undefined;
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log.info("stopping", { signal });
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    if (timer) clearInterval(timer);
    await server.close();
    log.info("stopped", { ...server.relay.metrics.snapshot() });
    return 0;
  },
};

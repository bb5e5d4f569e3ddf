/**
 * The client API for people: {@link connectWith} (exported as `connect` by mod.ts, which picks the
 * runtime's socket transport) finds the relay of a domain the way `ap start` placed it, and returns an
 * {@link AlphaPulseClient} that subscribes (an async iterator of {@link ReceivedMessage} views) and
 * publishes (bytes, or TLVs by name that it encodes with a header of its own).
 *
 * Where the relay is, first match wins: `url` (`unix:///path.sock`, `tcp://host:port`, `tls://host:port`);
 * `runtimeDir` (the `runtimeDir` of the system's config); the `ALPHAPULSE_RUNTIME_DIR` environment
 * variable; the per-user default (`$XDG_RUNTIME_DIR/alphapulse`, else `/tmp/alphapulse-<uid>`). The socket is
 * `<dir>/<domain>.sock`. The Hello token is `token`, else the tools token an `ap start` system keeps
 * beside its sockets (`tools.token`), else none (a relay without identities needs none).
 *
 * @example
 * ```ts
 * import { connect } from "@alphapulse/client";
 *
 * const md = await connect("market-data");
 * for await (const msg of md.subscribe({ types: ["Trade"] })) console.log(JSON.stringify(msg));
 * ```
 * @module
 */

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import {
  AssetType, encodeJsonMessage, encodeMessage, type InstrumentId, type Json, type JsonObject, nowNanos, type RelayDomain, type Tlv, type TlvFields, tlvFromJson, type TlvOf,
  typeBelongsToDomain, validateMessage, venueNumber,
} from "../../protocol/mod.ts";
import { type Logger, silentLogger } from "../../core/log.ts";
import { TOOLS_RANGE, TOOLS_TOKEN_FILE } from "../wire/identity.ts";
import { defaultSocketDir, domainName, type DomainName, relaySocketPath } from "../wire/socket-paths.ts";
import type { Endpoint, Transport } from "../transport/types.ts";
import { RelayClient } from "./client.ts";
import { Role } from "../wire/control.ts";
import { ClientError, type DomainLike, toDomain, toTlvType, type TlvName } from "./names.ts";
import { ReceivedMessage } from "./received.ts";
import type { RefusedCounts } from "./refusals.ts";

/** Environment variable naming the runtime directory of the system to talk to (as for `ap` commands). */
export const RUNTIME_DIR_ENV = "ALPHAPULSE_RUNTIME_DIR";

/** Where and as whom {@link connectWith} connects. */
export interface ConnectOptions {
  /** The system's runtime directory (its config's `runtimeDir`); default: `ALPHAPULSE_RUNTIME_DIR`, else the per-user default. */
  runtimeDir?: string;
  /** The relay's address instead: `unix:///path.sock`, `tcp://host:port` or `tls://host:port` (TCP needs `token`). */
  url?: string;
  /** Hello token; default: the system's tools token when the runtime directory holds one. */
  token?: string;
  /** Service id in the Hello and the default source of published messages (default 90, the tools' first id). */
  serviceId?: number;
  /** PEM CA certificate(s) to trust for `tls://`. */
  tlsCa?: string;
  /** Socket transport (default: the runtime's, chosen by mod.ts). */
  transport?: Transport;
  /** Logger (default: silent). */
  logger?: Logger;
}

/** What {@link AlphaPulseClient.subscribe} receives. */
export interface SubscribeOptions<N extends TlvName> {
  /** TLV types by name (`["Trade"]`) or number; absent or empty: every type of the domain. */
  types?: readonly (N | number)[];
}

/** An instrument to publish: its ids, or a symbol with venue and asset type by name (`"coinbase"`, `"Spot"`) or number. */
export type InstrumentInput = InstrumentId | { symbol: string; venue: string | number; assetType: string | number };

/** A field value to publish: 64-bit and wider integers as bigint or decimal string, instruments as {@link InstrumentInput}. */
export type FieldInput<V> = V extends bigint ? bigint | string : V extends InstrumentId ? InstrumentInput : V;

/** The TLV named `N` to publish: its fields (type-checked), `type` optional. */
export type TlvInputOf<N extends TlvName> = { name: N; type?: number } & { [K in keyof TlvFields<TlvOf<N>>]: FieldInput<TlvFields<TlvOf<N>>[K]> };

/** One TLV to publish: a decoded TLV, or any registered TLV by `name` (fields as {@link TlvInputOf}). */
export type TlvInput = Tlv | { [N in TlvName]: TlvInputOf<N> }[TlvName];

/** A message to publish: TLVs, and header fields the client fills when absent. */
export interface MessageInput {
  /** The TLVs, in order. */
  tlvs: readonly TlvInput[];
  /** Source id (default: the client's service id). */
  source?: number;
  /** Sequence (default: the client's next one for this source, from 1). */
  sequence?: bigint;
  /** Nanoseconds since the epoch (default: now). */
  timestamp?: bigint;
}

/** What the relay did with the messages published so far. */
export interface PublishReport {
  /** Messages handed to {@link AlphaPulseClient.publish}. */
  published: number;
  /** Messages the relay accepted. */
  accepted: number;
  /** Refused messages per reason (only reasons that occurred). */
  refused: Partial<RefusedCounts>;
}

/** Subscribed messages as an async iterator; {@link Subscription.close} ends it. */
export class Subscription<N extends TlvName> implements AsyncIterable<ReceivedMessage<N>> {
  /** Resolves once the subscriber's connection is open (its Hello and Subscribe sent); rejects when unreachable. */
  readonly ready: Promise<void>;
  private readonly opened: Promise<RelayClient>;
  private closed = false;

  /** @param opened the subscriber's relay client, being connected */
  constructor(opened: Promise<RelayClient>) {
    this.opened = opened;
    this.ready = opened.then(() => undefined);
    this.ready.catch(() => {}); // reported by the iterator; an unawaited `ready` must not crash the process
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedMessage<N>> {
    const client = await this.opened;
    if (this.closed) return;
    for await (const bytes of client.subscribe()) yield new ReceivedMessage<N>(bytes);
  }

  /** Closes the subscriber's connection; the iterator ends. */
  async close(): Promise<void> {
    this.closed = true;
    const client = await this.opened.catch(() => undefined);
    await client?.close();
  }
}

/** A connection to one domain of a running system. */
export class AlphaPulseClient {
  /** The domain's name. */
  readonly domain: DomainName;
  /** Where the relay is, for messages: `unix:/run/user/1000/alphapulse/market-data.sock`. */
  readonly where: string;
  private readonly domainNumber: RelayDomain;
  private readonly settings: ResolvedTarget;
  private readonly publisher: RelayClient;
  private readonly subscriptions = new Set<{ close(): Promise<void> }>();
  private readonly sequences = new Map<number, bigint>();
  private closed = false;

  /** Use {@link connectWith} (`connect`). */
  constructor(domain: RelayDomain, settings: ResolvedTarget, publisher: RelayClient) {
    this.domainNumber = domain;
    this.domain = domainName(domain);
    this.settings = settings;
    this.where = settings.where;
    this.publisher = publisher;
  }

  /** Subscribes to the domain's messages, of the given types only when `types` is set. */
  subscribe<N extends TlvName = TlvName>(options: SubscribeOptions<N> = {}): Subscription<N> {
    this.assertOpen("subscribe");
    const types = (options.types ?? []).map((t, i) => toTlvType(t, `types[${i}]`));
    for (const t of types) {
      if (!typeBelongsToDomain(t, this.domainNumber)) throw new ClientError("BadArgument", `types: TLV type ${t} does not travel on the ${this.domain} relay`);
    }
    const sub = new Subscription<N>(this.open(Role.Subscriber, types));
    this.subscriptions.add(sub);
    return sub;
  }

  /**
   * Publishes one message: encoded bytes (sent as they are), a {@link MessageInput}, one {@link TlvInput},
   * or the full JSON form with a `header`. Returns the message's sequence. The message is queued at once and
   * written within a tick; {@link flush} waits until it is written, {@link report} for the relay's verdict.
   */
  publish(message: Uint8Array | MessageInput | TlvInput | { header: JsonObject; tlvs: Json[] }): bigint {
    this.assertOpen("publish");
    const bytes = this.encode(message);
    const err = validateMessage(bytes, 0, bytes.length);
    if (err) throw new ClientError("BadArgument", `publish: ${err.message}`);
    if (bytes[5] !== this.domainNumber) throw new ClientError("BadArgument", `publish: the message is for relay domain ${bytes[5]}, this client is on ${this.domain}`);
    this.publisher.publish(bytes);
    return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(8, true);
  }

  /** Waits until everything published is written to the relay's socket. */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  /** Waits (up to `timeoutMs`) for the relay's account of every published message, and returns it. */
  async report(timeoutMs = 5000): Promise<PublishReport> {
    await this.publisher.flush();
    const published = this.publisher.stats.published;
    await this.publisher.judged(published, timeoutMs);
    const refused = Object.fromEntries(Object.entries(this.publisher.refused).filter(([, n]) => n > 0));
    return { published, accepted: this.publisher.refusals.accepted, refused };
  }

  /** Closes every subscription and the publishing connection (after writing what is queued). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.publisher.close();
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new ClientError("Closed", `${what}: the client of ${this.where} is closed`);
  }

  private open(role: Role, types: number[]): Promise<RelayClient> {
    return openRelayClient(this.settings, this.domainNumber, role, types);
  }

  private encode(message: Uint8Array | MessageInput | TlvInput | { header: JsonObject; tlvs: Json[] }): Uint8Array {
    if (message instanceof Uint8Array) return message;
    try {
      if ("header" in message && "tlvs" in message) return encodeJsonMessage(message as unknown as Json);
      const input: MessageInput = "tlvs" in message && Array.isArray(message.tlvs) ? (message as MessageInput) : { tlvs: [message as TlvInput] };
      const source = input.source ?? this.settings.serviceId;
      const sequence = input.sequence ?? (this.sequences.get(source) ?? 0n) + 1n;
      this.sequences.set(source, sequence);
      const tlvs = input.tlvs.map((t, i) => tlvFromInput(t, `tlvs[${i}]`));
      return encodeMessage({ relayDomain: this.domainNumber, source, sequence, timestamp: input.timestamp ?? nowNanos() }, tlvs);
    } catch (e) {
      if (e instanceof ClientError) throw e;
      throw new ClientError("BadArgument", `publish: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** A TLV input in the JSON form, names resolved, then parsed to a typed TLV. */
function tlvFromInput(t: TlvInput, where: string): Tlv {
  const o = t as Record<string, unknown>;
  const type = typeof o.type === "number" ? o.type : toTlvType(o.name as TlvName, `${where}.name`);
  return tlvFromJson({ ...(jsonOf(o) as JsonObject), type }, where);
}

/** The JSON form of a value: bigints as decimal strings; in an instrument, venue and asset type names as numbers. */
function jsonOf(v: unknown): Json {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(jsonOf);
  if (v === null || typeof v !== "object") return (v ?? null) as Json;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (k === "venue" && typeof x === "string") out[k] = venueNumber(x);
    else if (k === "assetType" && typeof x === "string") {
      const n = (AssetType as Record<string, number>)[x];
      if (n === undefined) throw new ClientError("BadArgument", `assetType ${JSON.stringify(x)} is not one of ${Object.keys(AssetType).join(", ")}`);
      out[k] = n;
    } else out[k] = jsonOf(x);
  }
  return out;
}

/** Where to connect and as whom, resolved from {@link ConnectOptions}. */
export interface ResolvedTarget {
  endpoint: Endpoint;
  where: string;
  token: string | undefined;
  serviceId: number;
  transport: Transport;
  logger: Logger | undefined;
}

/** Resolves `options` to an endpoint and token for `domain` (see the module doc for the order). */
export function resolveTarget(domain: RelayDomain, options: ConnectOptions, transport: Transport, env: Record<string, string | undefined> = process.env): ResolvedTarget {
  const serviceId = options.serviceId ?? TOOLS_RANGE.lo;
  if (!Number.isInteger(serviceId) || serviceId < 0 || serviceId > 0xffff) throw new ClientError("BadArgument", `serviceId ${serviceId} must be an integer 0–65535`);
  const base = { serviceId, transport, logger: options.logger };
  if (options.url !== undefined) {
    const endpoint = endpointOf(options.url, options.tlsCa);
    if (endpoint.kind === "tcp" && !options.token) throw new ClientError("BadArgument", `url ${options.url}: a TCP relay requires a token (option token)`);
    return { ...base, endpoint, where: options.url, token: options.token };
  }
  const dir = options.runtimeDir || env[RUNTIME_DIR_ENV] || defaultSocketDir();
  const socket = relaySocketPath(dir, domain);
  return { ...base, endpoint: { kind: "unix", path: socket }, where: `unix:${socket}`, token: options.token ?? toolsToken(dir) };
}

/** The endpoint of a relay URL; throws {@link ClientError} naming the URL for anything else. */
export function endpointOf(url: string, tlsCa?: string): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClientError("BadArgument", `url ${JSON.stringify(url)} is not a URL: use unix:///path.sock, tcp://host:port or tls://host:port`);
  }
  if (u.protocol === "unix:") {
    if (!u.pathname) throw new ClientError("BadArgument", `url ${url}: no socket path`);
    return { kind: "unix", path: decodeURIComponent(u.pathname) };
  }
  if (u.protocol === "tcp:" || u.protocol === "tls:") {
    const port = Number(u.port);
    if (!u.hostname || !Number.isInteger(port) || port <= 0) throw new ClientError("BadArgument", `url ${url}: needs a host and a port`);
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    return u.protocol === "tls:" ? { kind: "tcp", host, port, tls: tlsCa ? { ca: tlsCa } : {} } : { kind: "tcp", host, port };
  }
  throw new ClientError("BadArgument", `url ${url}: scheme ${u.protocol} is not one of unix:, tcp:, tls:`);
}

/** The tools token an `ap start` system keeps in its runtime directory, or undefined when there is none. */
function toolsToken(dir: string): string | undefined {
  const file = path.join(dir, TOOLS_TOKEN_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw new ClientError("Unreachable", `cannot read the tools token ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return text.trim() || undefined;
}

async function openRelayClient(t: ResolvedTarget, domain: RelayDomain, role: Role, types: number[]): Promise<RelayClient> {
  try {
    return await RelayClient.connect({
      endpoint: t.endpoint, domain, serviceId: t.serviceId, role, token: t.token ?? "", types, transport: t.transport,
      logger: t.logger ?? silentLogger,
    });
  } catch (e) {
    throw new ClientError("Unreachable", `no ${domainName(domain)} relay answers at ${t.where}: ${e instanceof Error ? e.message : String(e)} (is the system running? set runtimeDir, ${RUNTIME_DIR_ENV} or url)`);
  }
}

/**
 * Connects to the `domain` relay of a running system (see the module doc for how it is found) with the
 * transport `loadTransport` gives, unless `options.transport` is set. Throws {@link ClientError}
 * `Unreachable` when no relay answers there.
 */
export async function connectWith(loadTransport: () => Promise<Transport>, domain: DomainLike, options: ConnectOptions = {}): Promise<AlphaPulseClient> {
  const d = toDomain(domain);
  const target = resolveTarget(d, options, options.transport ?? (await loadTransport()));
  return new AlphaPulseClient(d, target, await openRelayClient(target, d, Role.Publisher, []));
}

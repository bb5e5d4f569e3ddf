/**
 * The API's bounded memory of recent traffic, so a page opened late starts with data (`GET /history`).
 * Fed with every message of the market-data, signal and execution upstreams (PROTOCOL §7 JSON), it keeps:
 *
 * - market data: the latest TLV of each type per instrument (trade, quote, book) and per pool (swap,
 *   sync), each as a one-TLV message with the original header;
 * - signal and execution: the last `perFeed` messages of each kind (arbitrage, momentum, liquidation;
 *   orders, acks, fills, cancels — the message's first TLV besides SignalIdentity), so a flood of one
 *   kind never pushes the others out;
 * - per domain and source, the last sequence seen (kept or not), so a client can drop the live messages
 *   the history already covers.
 *
 * Memory is bounded three ways: `perFeed` entries per kind, `maxKeys` latest-state slots (the least
 * recently updated slot goes first), and `maxBytes` of JSON text over everything (the least recently
 * written entry goes first). Each kept entry is encoded once; a snapshot is the kept texts joined.
 *
 * @example
 * ```ts
 * const history = new RecentHistory({ perFeed: 200 });
 * hub.tap((domain, json) => history.record(domain, json));
 * const body = history.snapshotJson("market-data", []); // {"domain":…,"sources":{…},"messages":[…]}
 * ```
 * @module
 */

/** Domains whose messages are kept. */
export const HISTORY_DOMAINS = ["market-data", "signal", "execution"] as const;

/** A domain whose messages are kept. */
export type HistoryDomain = (typeof HISTORY_DOMAINS)[number];

/** Bounds of {@link RecentHistory}. */
export interface RecentHistoryOptions {
  /** Messages kept per kind of signal or execution message (orders, fills, momentum, …). Default 200. */
  perFeed?: number;
  /** Latest-state slots kept (one per instrument or pool and TLV type). Default 2,048. */
  maxKeys?: number;
  /** Characters of JSON text kept over all domains. Default 4 MiB. */
  maxBytes?: number;
}

/** Figures of a {@link RecentHistory}. */
export interface RecentHistoryCounters {
  /** Messages offered. */
  recorded: number;
  /** Entries removed to respect a bound. */
  evicted: number;
  /** Messages not kept: not a kept domain, no header, or one entry larger than `maxBytes`. */
  skipped: number;
}

/** SignalIdentity (20) rides along with every signal: the kind is the TLV after it. */
const SIGNAL_IDENTITY = 20;
/** Flag bit of PoolSwap/PoolSync set when a reorg removed the event (a replacement follows). */
const POOL_EVENT_REMOVED = 2;

interface Entry {
  readonly domain: HistoryDomain;
  readonly text: string;
  readonly types: readonly number[];
  /** Ring the entry belongs to (signal and execution), or undefined for a latest-state slot. */
  readonly ring: string | undefined;
}

interface JsonTlv {
  type?: unknown;
  instrument?: unknown;
  pool?: unknown;
  flags?: unknown;
}

interface JsonMessage {
  header?: { source?: unknown; sequence?: unknown };
  tlvs?: unknown;
}

function isHistoryDomain(domain: string): domain is HistoryDomain {
  return (HISTORY_DOMAINS as readonly string[]).includes(domain);
}

function tlvsOf(json: JsonMessage): JsonTlv[] {
  return Array.isArray(json.tlvs) ? (json.tlvs as JsonTlv[]).filter((t) => t !== null && typeof t === "object" && typeof t.type === "number") : [];
}

/** Recent messages per domain, bounded in count and bytes. */
export class RecentHistory {
  /** Live figures. */
  readonly counters: RecentHistoryCounters = { recorded: 0, evicted: 0, skipped: 0 };
  private readonly perFeed: number;
  private readonly maxKeys: number;
  private readonly maxBytes: number;
  /** Every kept entry, least recently written first. */
  private readonly entries = new Map<string, Entry>();
  /** Latest-state slot keys, least recently updated first. */
  private readonly slots = new Set<string>();
  /** Entry keys of each ring, oldest first (may name entries already evicted by bytes). */
  private readonly rings = new Map<string, string[]>();
  /** Last sequence seen per domain and source. */
  private readonly lastSequence = new Map<HistoryDomain, Map<number, string>>();
  private textBytes = 0;
  private nextId = 0;

  /** @param options bounds (defaults: 200 per kind, 2,048 slots, 4 MiB) */
  constructor(options: RecentHistoryOptions = {}) {
    this.perFeed = options.perFeed ?? 200;
    this.maxKeys = options.maxKeys ?? 2048;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /** Characters of JSON text kept. */
  get bytes(): number {
    return this.textBytes;
  }

  /** Entries kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Offers one message of `domain` (PROTOCOL §7 JSON); keeps what the bounds allow. */
  record(domain: string, json: unknown): void {
    this.counters.recorded++;
    const msg = json as JsonMessage | null;
    const source = msg?.header?.source, sequence = msg?.header?.sequence;
    if (!isHistoryDomain(domain) || typeof source !== "number" || (typeof sequence !== "string" && typeof sequence !== "number")) {
      this.counters.skipped++;
      return;
    }
    let sources = this.lastSequence.get(domain);
    if (!sources) this.lastSequence.set(domain, sources = new Map());
    sources.set(source, String(sequence));
    const tlvs = tlvsOf(msg!);
    if (domain === "market-data") {
      for (const tlv of tlvs) {
        const id = tlv.instrument ?? tlv.pool;
        if (id === undefined) continue;
        if (tlv.pool !== undefined && typeof tlv.flags === "number" && (tlv.flags & POOL_EVENT_REMOVED) !== 0) continue;
        const type = tlv.type as number;
        this.putSlot(`${domain}|${type}|${JSON.stringify(id)}`, domain, JSON.stringify({ header: msg!.header, tlvs: [tlv] }), [type]);
      }
      return;
    }
    const kind = tlvs.find((t) => t.type !== SIGNAL_IDENTITY) ?? tlvs[0];
    if (!kind) {
      this.counters.skipped++;
      return;
    }
    this.putRing(`${domain}|${kind.type as number}`, domain, JSON.stringify(json), tlvs.map((t) => t.type as number));
  }

  /**
   * What is kept of `domain` whose TLV types meet `types` (empty: all), oldest first, with the last
   * sequence seen per source, as the JSON text of `{ domain, sources, messages }`.
   */
  snapshotJson(domain: HistoryDomain, types: readonly number[]): string {
    const messages: string[] = [];
    for (const e of this.entries.values()) {
      if (e.domain !== domain) continue;
      if (types.length > 0 && !e.types.some((t) => types.includes(t))) continue;
      messages.push(e.text);
    }
    const sources: Record<string, string> = {};
    for (const [source, seq] of this.lastSequence.get(domain) ?? []) sources[String(source)] = seq;
    return `{"domain":${JSON.stringify(domain)},"sources":${JSON.stringify(sources)},"messages":[${messages.join(",")}]}`;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
    this.slots.clear();
    this.rings.clear();
    this.lastSequence.clear();
    this.textBytes = 0;
  }

  private putSlot(key: string, domain: HistoryDomain, text: string, types: number[]): void {
    if (!this.admit(text)) return;
    this.remove(key);
    this.slots.add(key);
    this.add(key, { domain, text, types, ring: undefined });
    while (this.slots.size > this.maxKeys) this.evict(this.slots.values().next().value!);
    this.trimBytes();
  }

  private putRing(ring: string, domain: HistoryDomain, text: string, types: number[]): void {
    if (!this.admit(text)) return;
    const key = `${ring}#${this.nextId++}`;
    let keys = this.rings.get(ring);
    if (!keys) this.rings.set(ring, keys = []);
    keys.push(key);
    this.add(key, { domain, text, types, ring });
    while (keys.length > this.perFeed) {
      const oldest = keys.shift()!;
      if (this.entries.has(oldest)) this.evict(oldest);
    }
    this.trimBytes();
  }

  private admit(text: string): boolean {
    if (text.length <= this.maxBytes) return true;
    this.counters.skipped++;
    return false;
  }

  private add(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.textBytes += entry.text.length;
  }

  private trimBytes(): void {
    while (this.textBytes > this.maxBytes) this.evict(this.entries.keys().next().value!);
  }

  private evict(key: string): void {
    if (this.remove(key)) this.counters.evicted++;
  }

  /** Removes an entry wherever it is; a ring keeps the stale key until it is shifted out. */
  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.slots.delete(key);
    this.textBytes -= entry.text.length;
    return true;
  }
}

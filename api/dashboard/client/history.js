// @ts-check
/**
 * The seam between what the API remembers (`GET /history`) and the live `/stream` of one domain, so the
 * page opens on recent data and then goes live without showing anything twice.
 *
 * On start the history is fetched and applied at once (first paint needs no WebSocket). Each time the
 * WebSocket opens, live messages are held back, the history is fetched again (it now covers everything
 * before the socket attached), its entries not shown yet (above the last sequence shown from their
 * source) are applied, then the held messages. A live message is a duplicate when its sequence is at or
 * below the last sequence the history saw from its source (sequences rise per source); that rule lapses
 * for a source at its first newer message, and for all sources 10 s after the seam, so a restarted
 * source (sequences from 1 again) is never muted for long.
 * @module
 */

/** How long the duplicate rule outlives a seam. */
const SEAM_MS = 10_000;
/** Live messages held back at most while the history loads (the oldest go first past it). */
const MAX_HELD = 20_000;
/** History entries older than this are shown with the page's load time (their own time is not trusted). */
const MAX_AGE_MS = 86_400_000;

/** @param {any} msg @returns {[number, bigint] | undefined} source and sequence */
function position(msg) {
  const source = msg?.header?.source, sequence = msg?.header?.sequence;
  if (typeof source !== "number" || (typeof sequence !== "string" && typeof sequence !== "number")) return undefined;
  try {
    return [source, BigInt(sequence)];
  } catch {
    return undefined;
  }
}

/** When a history entry happened, in ms: its header time if plausible, else now. @param {any} msg @param {number} now */
export function entryTime(msg, now) {
  const ns = msg?.header?.timestamp;
  if (typeof ns !== "string" || !/^\d+$/.test(ns)) return now;
  const ms = Number(BigInt(ns) / 1_000_000n);
  return ms > now - MAX_AGE_MS && ms <= now ? ms : now;
}

/** History first, then live, once each, for one `/stream` domain. */
export class HistorySeam {
  /**
   * @param {object} o
   * @param {(path: string) => Promise<any>} o.get a token-protected GET returning the JSON body
   * @param {string} o.domain relay domain
   * @param {readonly number[]} o.types TLV types (empty: all)
   * @param {(msg: any, at: number) => void} o.apply shows one message that happened at `at` (ms)
   */
  constructor(o) {
    this.get = o.get;
    this.domain = o.domain;
    this.types = o.types;
    this.apply = o.apply;
    /** Last sequence the history saw per source: live messages up to it are duplicates. @type {Map<number, bigint>} */
    this.covered = new Map();
    /** Highest sequence shown per source. @type {Map<number, bigint>} */
    this.shown = new Map();
    /** @type {any[]} */
    this.held = [];
    this.holding = false;
    /** @type {Promise<void>} */
    this.pending = Promise.resolve();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.lapse = undefined;
    /** Messages shown from the history. */
    this.fromHistory = 0;
    /** Live messages dropped as already shown. */
    this.duplicates = 0;
    /** Why the last history fetch failed, if it did. @type {unknown} */
    this.error = undefined;
  }

  /** Fetches and shows the history (call before the WebSocket starts). */
  start() {
    this.pending = this.load();
  }

  /** The WebSocket (re)opened: hold live messages until the history covers the time before it. */
  onOpen() {
    this.holding = true;
    this.pending = this.pending.then(() => this.load()).then(() => this.release());
  }

  /** One live message. @param {any} msg */
  onMessage(msg) {
    if (!this.holding) {
      this.pass(msg);
      return;
    }
    this.held.push(msg);
    if (this.held.length > MAX_HELD) this.held.splice(0, this.held.length - MAX_HELD);
  }

  /** Stops the lapse timer. */
  stop() {
    clearTimeout(this.lapse);
  }

  /** @private */
  async load() {
    const q = new URLSearchParams({ domain: this.domain });
    if (this.types.length > 0) q.set("types", this.types.join(","));
    let body;
    try {
      body = await this.get(`/history?${q}`);
      this.error = undefined;
    } catch (e) {
      this.error = e;
      return;
    }
    // Compared with what was shown before this batch: one message split per instrument shares a sequence.
    const before = new Map(this.shown);
    const now = Date.now();
    for (const msg of Array.isArray(body?.messages) ? body.messages : []) {
      const at = position(msg);
      const seen = at ? before.get(at[0]) : undefined;
      if (at && seen !== undefined && at[1] <= seen) continue;
      this.fromHistory++;
      if (at) this.note(at);
      this.apply(msg, entryTime(msg, now));
    }
    for (const [source, sequence] of Object.entries(body?.sources ?? {})) {
      let seq;
      try {
        seq = BigInt(/** @type {string} */ (sequence));
      } catch {
        continue;
      }
      const s = Number(source), old = this.covered.get(s);
      if (old === undefined || seq > old) this.covered.set(s, seq);
    }
  }

  /** @private */
  release() {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const msg of held) this.pass(msg);
    clearTimeout(this.lapse);
    this.lapse = setTimeout(() => this.covered.clear(), SEAM_MS);
  }

  /** @private @param {any} msg */
  pass(msg) {
    const at = position(msg);
    if (at) {
      const seen = this.covered.get(at[0]);
      if (seen !== undefined) {
        if (at[1] <= seen) {
          this.duplicates++;
          return;
        }
        this.covered.delete(at[0]);
      }
      // Live order is the source's own: the last one shown is the newest, even after a restart.
      this.shown.set(at[0], at[1]);
    }
    this.apply(msg, Date.now());
  }

  /** @private @param {[number, bigint]} at */
  note([source, sequence]) {
    const old = this.shown.get(source);
    if (old === undefined || sequence > old) this.shown.set(source, sequence);
  }
}

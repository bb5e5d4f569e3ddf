// @ts-check
/**
 * Settings the server rendered into the page (`#ap-settings`), with URL overrides for operators and
 * tests (`?staleAfter=2` seconds), and the labels derived from them (venues, tokens, instruments).
 * @module
 */

/**
 * @typedef {object} Settings
 * @property {string} assetBase
 * @property {Record<string, string>} venues
 * @property {Record<string, string>} tokens
 * @property {number} staleAfterSeconds
 * @property {number} pollMs
 * @property {number} feedCap
 * @property {number} historySeconds
 * @property {number} maxInstruments
 * @property {number} maxPools
 */

/** The settings rendered into the page, with `?staleAfter=` / `?pollMs=` overrides. @returns {Settings} */
export function readSettings() {
  const node = document.getElementById("ap-settings");
  /** @type {Settings} */
  const s = JSON.parse(node?.textContent || "{}");
  const q = new URLSearchParams(location.search);
  const stale = Number(q.get("staleAfter"));
  if (stale > 0) s.staleAfterSeconds = stale;
  const poll = Number(q.get("pollMs"));
  if (poll >= 100) s.pollMs = poll;
  return s;
}

/**
 * @typedef {object} InstrumentJson
 * @property {string} assetId
 * @property {number} venue
 * @property {number} assetType
 * @property {string} [symbol]
 */

/** Labels from the settings. */
export class Labels {
  /** @param {Settings} settings */
  constructor(settings) {
    this.settings = settings;
  }

  /** @param {number | undefined} venue @returns {string} */
  venue(venue) {
    if (venue === undefined) return "—";
    return this.settings.venues[String(venue)] ?? (venue >= 65000 ? `sim-${venue}` : `venue ${venue}`);
  }

  /** @param {string | undefined} address @returns {string | undefined} */
  token(address) {
    return address ? this.settings.tokens[address.toLowerCase()] : undefined;
  }

  /** `BTC/USD` (or `#assetId`) of an instrument. @param {InstrumentJson | undefined} id @returns {string} */
  symbol(id) {
    if (!id) return "—";
    return id.symbol ?? (id.assetType !== 50 && id.assetType !== 100 ? unpackPair(id.assetId) : undefined) ?? `#${id.assetId}`;
  }

  /** `BTC/USD@Coinbase`. @param {InstrumentJson | undefined} id @returns {string} */
  instrument(id) {
    return id ? `${this.symbol(id)}@${this.venue(id.venue)}` : "—";
  }
}

/** Map key of an instrument. @param {InstrumentJson} id @returns {string} */
export function instrumentKey(id) {
  return `${id.assetId}:${id.venue}:${id.assetType}`;
}

/**
 * One base-37 packed symbol (PROTOCOL §4: 6 digits, first most significant, 0 ends it, A–Z = 1–26,
 * 0–9 = 27–36), or undefined when the number is not one.
 * @param {number} value @returns {string | undefined}
 */
function unpack37(value) {
  if (!Number.isInteger(value) || value <= 0 || value >= 37 ** 6) return undefined;
  const digits = [];
  for (let i = 0; i < 6; i++) {
    digits.unshift(value % 37);
    value = Math.floor(value / 37);
  }
  let out = "";
  let ended = false;
  for (const d of digits) {
    if (d === 0) ended = true;
    else if (ended) return undefined;
    else out += d <= 26 ? String.fromCharCode(64 + d) : String.fromCharCode(48 + d - 27);
  }
  return out;
}

/**
 * `BASE/QUOTE` of a pair assetId (`pack37(base) << 32 | pack37(quote)`), for JSON that carries an
 * InstrumentId without its `symbol` (e.g. the execution service's portfolio).
 * @param {string} assetId decimal u64 @returns {string | undefined}
 */
export function unpackPair(assetId) {
  if (!/^\d+$/.test(assetId)) return undefined;
  const id = BigInt(assetId);
  const base = unpack37(Number(id >> 32n)), quote = unpack37(Number(id & 0xffffffffn));
  return base && quote ? `${base}/${quote}` : undefined;
}

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

/** @returns {Settings} */
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
    return id.symbol ?? `#${id.assetId}`;
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

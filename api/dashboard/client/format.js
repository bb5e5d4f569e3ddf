// @ts-check
/**
 * Display formatting for the dashboard. Wire values arrive as decimal strings (PROTOCOL §7: 64/128-bit
 * integers, prices scaled by 10^8); they are formatted with string and BigInt arithmetic, never through
 * a lossy float, so what the page shows is what the system holds.
 * @module
 */

/** Fixed-point scale of CEX prices, sizes, fees and USD amounts (10^8). */
export const PRICE_SCALE = 8;

const POW10 = /** @type {bigint[]} */ ([]);
/** @param {number} n @returns {bigint} 10^n */
export function pow10(n) {
  if (n < 0) throw new RangeError("negative exponent");
  return (POW10[n] ??= 10n ** BigInt(n));
}

/** @param {string} digits unsigned integer digits @returns {string} with thin thousands separators */
export function groupDigits(digits) {
  if (digits.length <= 3) return digits;
  let out = "";
  let i = digits.length % 3 || 3;
  out = digits.slice(0, i);
  for (; i < digits.length; i += 3) out += "," + digits.slice(i, i + 3);
  return out;
}

/**
 * An integer string scaled by 10^scale as exact decimal text: `fixed("123456789", 8)` → `"1.23456789"`.
 * Trailing fraction zeros are trimmed down to `minFrac` digits.
 * @param {string | number | bigint | undefined | null} raw
 * @param {number} [scale]
 * @param {number} [minFrac]
 * @returns {string}
 */
export function fixed(raw, scale = PRICE_SCALE, minFrac = 2) {
  if (raw === undefined || raw === null || raw === "") return "—";
  let s = String(raw);
  if (!/^-?\d+$/.test(s)) return s;
  const neg = s.startsWith("-");
  if (neg) s = s.slice(1);
  s = s.padStart(scale + 1, "0");
  const int = s.slice(0, s.length - scale).replace(/^0+(?=\d)/, "");
  let frac = scale > 0 ? s.slice(s.length - scale).replace(/0+$/, "") : "";
  while (frac.length < minFrac) frac += "0";
  const text = groupDigits(int) + (frac ? "." + frac : "");
  return neg && /[1-9]/.test(s) ? "-" + text : text;
}

/**
 * Rounds an integer scaled by 10^scale to `digits` fraction digits (half away from zero) and formats it.
 * @param {string | bigint} raw @param {number} digits @param {number} [scale] @returns {string}
 */
export function rounded(raw, digits, scale = PRICE_SCALE) {
  if (raw === undefined || raw === null || raw === "") return "—";
  let v = typeof raw === "bigint" ? raw : BigInt(raw);
  const neg = v < 0n;
  if (neg) v = -v;
  const drop = scale - digits;
  if (drop > 0) v = (v + pow10(drop) / 2n) / pow10(drop);
  const text = fixed(v.toString(), Math.max(digits, 0), digits);
  return neg && v !== 0n ? "-" + text : text;
}

/** USD ×10^8 as `$1,234.56` (`-$3.10` for negatives). @param {string | bigint | undefined} raw @returns {string} */
export function usd(raw) {
  if (raw === undefined || raw === null || raw === "") return "—";
  const text = rounded(raw, 2);
  return text.startsWith("-") ? "-$" + text.slice(1) : "$" + text;
}

/** Signed USD ×10^8: `+$12.00`, `-$3.10`. @param {string | bigint | undefined} raw @returns {string} */
export function signedUsd(raw) {
  const text = usd(raw);
  return text.startsWith("$") && text !== "$0.00" ? "+" + text : text;
}

/** Sign of a decimal string: -1, 0 or 1. @param {unknown} raw @returns {number} */
export function signOf(raw) {
  const s = String(raw ?? "").trim();
  if (!/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(s)) return 0;
  if (/^[-+]?0*\.?0*(e[-+]?\d+)?$/i.test(s)) return 0;
  return s.startsWith("-") ? -1 : 1;
}

/** Integer (number or decimal string) with thousands separators. @param {number | string | bigint | undefined} n @returns {string} */
export function count(n) {
  if (n === undefined || n === null || n === "") return "—";
  const s = typeof n === "number" ? String(Math.round(n)) : String(n);
  if (!/^-?\d+$/.test(s)) return s;
  return s.startsWith("-") ? "-" + groupDigits(s.slice(1)) : groupDigits(s);
}

/** Rate with a unit suffix: `950`, `12.3k`, `4.56M`. @param {number} n @returns {string} */
export function rate(n) {
  if (!Number.isFinite(n)) return "—";
  if (n < 1_000) return String(Math.round(n));
  if (n < 1_000_000) return (n / 1_000).toFixed(n < 10_000 ? 2 : 1) + "k";
  return (n / 1_000_000).toFixed(2) + "M";
}

/** Seconds as `3d 04h`, `1h 02m`, `5m 07s`, `42s`. @param {number | undefined} s @returns {string} */
export function duration(s) {
  if (s === undefined || !Number.isFinite(s) || s < 0) return "—";
  s = Math.floor(s);
  const d = Math.floor(s / 86_400), h = Math.floor((s % 86_400) / 3_600), m = Math.floor((s % 3_600) / 60), sec = s % 60;
  const two = (/** @type {number} */ x) => String(x).padStart(2, "0");
  if (d > 0) return `${d}d ${two(h)}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}

/** Age of something last seen `ms` ago: `now`, `4s`, `3m`, `2h`. @param {number} ms @returns {string} */
export function age(ms) {
  if (!Number.isFinite(ms)) return "—";
  if (ms < 1_000) return "now";
  if (ms < 60_000) return `${Math.floor(ms / 1_000)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.floor(ms / 3_600_000)}h`;
}

/** Local `HH:MM:SS.mmm` of a nanosecond timestamp string. @param {string | undefined} ns @returns {string} */
export function clockOfNanos(ns) {
  if (!ns || !/^\d+$/.test(ns)) return "—";
  const ms = Number(BigInt(ns) / 1_000_000n);
  if (ms === 0) return "—";
  return clockOfMillis(ms);
}

/** Local `HH:MM:SS.mmm`. @param {number} ms @returns {string} */
export function clockOfMillis(ms) {
  const d = new Date(ms);
  const two = (/** @type {number} */ x) => String(x).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** Milliseconds since the epoch of a nanosecond timestamp string (0 if absent). @param {string | undefined} ns @returns {number} */
export function millisOfNanos(ns) {
  return ns && /^\d+$/.test(ns) ? Number(BigInt(ns) / 1_000_000n) : 0;
}

/**
 * `num / den` as decimal text with `sig` significant digits (rounded half up), exact BigInt arithmetic.
 * @param {bigint} num @param {bigint} den @param {number} [sig] @returns {string}
 */
export function ratio(num, den, sig = 6) {
  if (den === 0n) return "—";
  if (num === 0n) return "0";
  const neg = (num < 0n) !== (den < 0n);
  if (num < 0n) num = -num;
  if (den < 0n) den = -den;
  let e = num.toString().length - den.toString().length;
  const below = e >= 0 ? num < den * pow10(e) : num * pow10(-e) < den;
  if (below) e -= 1;
  const fd = sig - 1 - e;
  let q = fd >= 0 ? (num * pow10(fd) + den / 2n) / den : (num + (den * pow10(-fd)) / 2n) / (den * pow10(-fd));
  if (fd < 0) q *= pow10(-fd);
  const text = fixed(q.toString(), Math.max(fd, 0), 0);
  return neg ? "-" + text : text;
}

/** `0x1234…abcd`. @param {string | undefined} addr @returns {string} */
export function shortAddress(addr) {
  if (!addr) return "—";
  return addr.length > 12 ? `${addr.slice(0, 6)}…${addr.slice(-4)}` : addr;
}

/** Basis points with sign: `+35 bps`. @param {number | undefined} bps @returns {string} */
export function bps(bps) {
  if (bps === undefined || !Number.isFinite(bps)) return "—";
  return `${bps > 0 ? "+" : ""}${bps} bps`;
}

/** `camelCase` / `snake_case` key → `Camel case`, with P&L spelled out. @param {string} key @returns {string} */
export function humanKey(key) {
  const words = key.replace(/_/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().trim();
  const text = words.replace(/\bpnl\b/g, "P&L").replace(/\busd\b/g, "USD").replace(/\bid\b/g, "id");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Names the bridge uses on NATS: one subject per (domain, source) and one JetStream stream per domain.
 *
 * - Subject of a source: `alphapulse.<domain>.<source>`, e.g. `alphapulse.market-data.3`.
 * - Subjects of a domain: `alphapulse.<domain>.*` (one token per source).
 * - Stream of a domain: `ALPHAPULSE_<DOMAIN>` with `-` as `_`, e.g. `ALPHAPULSE_MARKET_DATA`, on the
 *   domain's subjects.
 *
 * A prefix other than `alphapulse` lets two deployments share one NATS account without seeing each
 * other's traffic.
 *
 * @example
 * ```ts
 * sourceSubject(RelayDomain.MarketData, 3); // "alphapulse.market-data.3"
 * streamName(RelayDomain.MarketData);        // "ALPHAPULSE_MARKET_DATA"
 * ```
 * @module
 */

import type { RelayDomain } from "../protocol/mod.ts";
import { domainName } from "../relay/wire/socket-paths.ts";

/** The default first subject token. */
export const DEFAULT_SUBJECT_PREFIX = "alphapulse";

/** Thrown for a subject prefix NATS would not accept as a single token. */
export class SubjectPrefixError extends Error {
  /** @param prefix the rejected prefix */
  constructor(prefix: string) {
    super(`NATS subject prefix ${JSON.stringify(prefix)} must be one token of [A-Za-z0-9_-]`);
    this.name = "SubjectPrefixError";
  }
}

function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) throw new SubjectPrefixError(prefix);
  return prefix;
}

/** The subject a source's messages travel on. */
export function sourceSubject(domain: RelayDomain, source: number, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${checkPrefix(prefix)}.${domainName(domain)}.${source}`;
}

/** The wildcard subject of every source of a domain. */
export function domainSubjects(domain: RelayDomain, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${checkPrefix(prefix)}.${domainName(domain)}.*`;
}

/** The JetStream stream name of a domain. */
export function streamName(domain: RelayDomain, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${checkPrefix(prefix)}_${domainName(domain)}`.toUpperCase().replace(/-/g, "_");
}

/**
 * The source id carried by a subject's last token, or -1 when the subject is not
 * `<prefix>.<domain>.<u16>`. Parsing is by hand because it runs once per received NATS message.
 */
export function sourceOfSubject(subject: string): number {
  const dot = subject.lastIndexOf(".");
  if (dot < 0 || dot === subject.length - 1 || subject.length - dot > 6) return -1;
  let v = 0;
  for (let i = dot + 1; i < subject.length; i++) {
    const c = subject.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= 0xffff ? v : -1;
}

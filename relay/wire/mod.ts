/**
 * What relay clients and the relay both speak: the control messages (Hello, Subscribe,
 * RetransmitRequest, Gap), the per-message check, service identities, refusal notices and the relays'
 * socket paths.
 *
 * @example
 * ```ts
 * import { encodeHello, firstTlvType, Role } from "./relay/wire/mod.ts";
 * import { RelayDomain, TlvType } from "./protocol/mod.ts";
 *
 * const hello = encodeHello(RelayDomain.MarketData, 60, Role.Subscriber);
 * console.log(firstTlvType(hello, 0) === TlvType.Hello); // true
 * ```
 * @module
 */

export { QuickCheck, quickCheck } from "./check.ts";
export {
  canPublish, canSubscribe, encodeGap, encodeHello, encodeRetransmitRequest, encodeSubscribe, firstTlvType, firstTlvTypeAt,
  gapValueAt, isControlType, readGap, Role, type GapNotice,
} from "./control.ts";
export {
  API_RANGE, credentialFromKey, credentialFromToken, EXECUTION_RANGE, IdentityError, mayRelayOthers, processTokenFor, RelayKey,
  setProcessCredential, TOOLS_RANGE, TOOLS_TOKEN_FILE, type RelayCredential,
} from "./identity.ts";
export {
  isRefusalNotice, MAX_NOTICE_BACKLOG, MAX_PENDING_RUNS, NOTICE_INTERVAL_MS, PublisherReport, readRefusalNotice, RefusalReason,
  refusalReasonName, type RefusalNotice, type RefusalReasonName, type RefusedRun,
} from "./refusal-notice.ts";
export {
  checkPrivateDir, checkSocketPathLength, currentUid, defaultSocketDir, defaultSocketPath, DOMAIN_NAMES, domainName,
  ensurePrivateDir, parseDomain, prepareSocketPath, PrivateDirError, restrictSocket, SOCKET_PATH_MAX_BYTES, SocketPathError,
  type DomainName,
} from "./socket-paths.ts";

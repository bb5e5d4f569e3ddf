/**
 * The NATS bridge: scale-out of the relays across hosts over NATS, with JetStream retention.
 *
 * - {@link NatsBridge}: bridges one relay domain (local relay ⇄ `alphapulse.<domain>.<source>`).
 * - {@link recoverFromJetStream} / {@link readStream}: read retained messages back.
 * - {@link JetStreamRetransmitSource} (through {@link NatsBridge.serveRetransmits}): the relay answers
 *   RetransmitRequests beyond its ring from JetStream.
 * - Origin Gap notices ({@link encodeOriginGap}): losses at the origin relay cross NATS.
 * - {@link JetStreamGapFiller}: consumer-side recovery of ranges a relay answered with Gap (slow-consumer
 *   drops; relays without a bridge in their process).
 * - {@link connectNats}: NATS connection from config and environment.
 *
 * Depends on `relay/`, `core/` and `protocol/` only (and `@nats-io/*`). Every name is listed, so a change of the
 * surface shows in the diff.
 *
 * @module
 */

/** Bridges one relay domain to NATS subjects (and back), with its options. */
export { NatsBridge, type NatsBridgeOptions } from "./bridge.ts";
/** NATS connections from config and environment, and their typed refusal. */
export { connectNats, connectNatsOnce, NatsConfigError, withNatsEnv, type NatsConnectOptions, type NatsTlsFiles } from "./connect.ts";
/** Consumer-side recovery of Gap ranges from JetStream. */
export { JetStreamGapFiller, type GapFillerOptions, type GapFillerStats } from "./gap-filler.ts";
/** Origin Gap notices: losses at the origin relay, carried across NATS. */
export { encodeOriginGap, readOriginGap } from "./origin-gaps.ts";
/** Answers RetransmitRequests beyond the relay's ring from JetStream. */
export { DEFAULT_RETRANSMIT_MAX_BYTES, JetStreamRetransmitSource, type JetStreamRetransmitStats } from "./retransmit.ts";
/** JetStream streams: created, read back, recovered from. */
export {
  ensureStream, newestStoredSequence, readStream, recoverFromJetStream, streamConfigFor,
  type ReadStreamOptions, type RecoverOptions, type StoredPayload, type StreamRetention, type StreamStart,
} from "./jetstream.ts";
/** The bridge's figures and their metric families (`alphapulse_nats_*`). */
export { natsExposition, renderNatsPrometheus, type NatsBridgeSnapshot } from "./metrics.ts";
/** Splits a batch payload back into messages. */
export { splitPayload } from "./payload.ts";
/** NATS subject and stream names of a domain and source. */
export { DEFAULT_SUBJECT_PREFIX, domainSubjects, sourceSubject, streamName } from "./subjects.ts";

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
 * Depends on `relay/` and `protocol/` only (and `@nats-io/*`).
 *
 * @module
 */

export { NatsBridge, type NatsBridgeOptions } from "./bridge.ts";
export { connectNats, connectNatsOnce, NatsConfigError, withNatsEnv, type NatsConnectOptions, type NatsTlsFiles } from "./connect.ts";
export { JetStreamGapFiller, type GapFillerOptions, type GapFillerStats } from "./gap-filler.ts";
export { encodeOriginGap, readOriginGap } from "./origin-gaps.ts";
export { DEFAULT_RETRANSMIT_MAX_BYTES, JetStreamRetransmitSource, type JetStreamRetransmitStats } from "./retransmit.ts";
export {
  ensureStream, newestStoredSequence, readStream, recoverFromJetStream, streamConfigFor,
  type ReadStreamOptions, type RecoverOptions, type StoredPayload, type StreamRetention, type StreamStart,
} from "./jetstream.ts";
export { renderNatsPrometheus, type NatsBridgeSnapshot } from "./metrics.ts";
export { splitPayload } from "./payload.ts";
export { DEFAULT_SUBJECT_PREFIX, domainSubjects, sourceSubject, streamName } from "./subjects.ts";

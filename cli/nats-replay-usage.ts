/**
 * Usage text of `ap replay --from-nats` (a module of its own so `ap replay FILE` does not load the NATS
 * client just to print help).
 *
 * @module
 */

/** Usage of the `--from-nats` form (shown within `ap replay --help`). */
export const NATS_REPLAY_USAGE = `       ap replay --from-nats <domain> --since <time|sequence> [--until <time|sequence>] [--to <domain>]
                 [--source N] [--speed N|max] [--restamp SOURCE] [nats options]

  Reads the domain's JetStream stream (kept by the NATS bridge) from --since: an RFC 3339 time, a span
  back from now (90s, 15m, 2h, 1d) or a stream sequence (times are JetStream storage times); writes a
  raw stream to stdout, or publishes to the --to relay (same domain; connection options as above).
  --until T|SEQ       stop after this storage time or stream sequence (same forms; not before --since)
  --speed N|max       pace by header timestamps, N times faster (default max: no pacing)
  --restamp SOURCE    as for a FILE: one new source, sequences from 1, send-time timestamps
  --source N          only that source
  --nats URL          NATS server(s) (default $NATS_URL, else nats://127.0.0.1:4222)
  --nats-creds FILE   .creds file (default $NATS_CREDS); token/user from $NATS_TOKEN, $NATS_USER/$NATS_PASSWORD
  --nats-ca FILE, --nats-cert FILE, --nats-key FILE   TLS (default $NATS_CA, $NATS_CERT, $NATS_KEY)
  --nats-prefix P     subject prefix of the deployment (default alphapulse)`;

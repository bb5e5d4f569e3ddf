/**
 * Mutation fuzzer for the Protocol V2 decoder: proves that no input, however broken, makes the codec
 * fail with anything but a typed {@link ProtocolError}.
 *
 * A corpus of valid messages of every TLV type (the arbitraries of `tests/protocol/arbitraries.ts`) is
 * mutated — bit flips, byte sets, truncation, extension, length/count field edits, splices, back-to-back
 * concatenation, random bytes — optionally with payloadSize and checksum repaired so mutations reach the
 * TLV layer. Each input goes through `validateMessage`, `decodeMessage` (and, when valid, re-encode and
 * the JSON form), `MessageView`, and a `StreamFramer` fed in random chunk sizes. Outcomes are counted per
 * stage and error kind; any other exception, or a broken invariant, is a failure (exit status 1).
 *
 * Usage: `npx tsx bench/fuzz-protocol.ts [--count N] [--seed S] [--json]` (default 10,000,000 inputs, seed 1).
 *
 * @module
 */

import process from "node:process";
import fc from "fast-check";
import {
  HEADER_SIZE, MAX_PAYLOAD_SIZE, MessageView, ProtocolError, ProtocolErrorKind, StreamFramer, decodeMessage,
  encodeJsonMessage, encodeMessage, equals, messageChecksum, messageToJson, tlvSpecByName, toHex, validateMessage, type Message,
} from "../protocol/mod.ts";
import { TLV_NAMES, messageArb, metaArb, reservedUnknownTlvArb, tlvArbs } from "../tests/protocol/arbitraries.ts";

/** Parsed command line. */
interface Options {
  count: number;
  seed: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { count: 10_000_000, seed: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === "--count") opts.count = value();
    else if (a === "--seed") opts.seed = value();
    else if (a === "--json") opts.json = true;
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  return opts;
}

function usage(why: string): never {
  process.stderr.write(`fuzz-protocol: ${why}\nusage: npx tsx bench/fuzz-protocol.ts [--count N] [--seed S] [--json]\n`);
  process.exit(2);
}

/** sfc32: small, fast, seedable 32-bit PRNG (deterministic runs for a given --seed). */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** Valid messages of every registered type, multi-TLV messages of every domain, reserved-type TLVs. */
function buildCorpus(seed: number): Uint8Array[] {
  const corpus: Uint8Array[] = [];
  for (const name of TLV_NAMES) {
    const type = tlvArbs[name];
    const tlvType = tlvSpecByName(name)!.type;
    const domain = tlvType < 20 ? 1 : tlvType < 40 ? 2 : tlvType < 80 ? 3 : 4;
    const arb = fc.record({ meta: metaArb(domain as 1 | 2 | 3 | 4), tlv: type as fc.Arbitrary<Message["tlvs"][number]> });
    for (const { meta, tlv } of fc.sample(arb, { seed: seed + tlvType, numRuns: 40 })) corpus.push(encodeMessage(meta, [tlv]));
  }
  for (const { meta, tlvs } of fc.sample(messageArb(6), { seed, numRuns: 300 })) corpus.push(encodeMessage(meta, tlvs));
  const reserved = fc.record({ meta: metaArb(1), tlv: reservedUnknownTlvArb });
  for (const { meta, tlv } of fc.sample(reserved, { seed, numRuns: 20 })) corpus.push(encodeMessage(meta, [tlv]));
  for (const m of corpus) {
    const err = validateMessage(m, 0, m.length, { checkDomain: false });
    if (err) throw new Error(`corpus message does not validate: ${err.message}`);
  }
  return corpus;
}

const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 0x20, 0x40];

/** Offsets of TLV header fields and inner length/count/flag fields of a (possibly damaged) message. */
function lengthFieldOffsets(m: Uint8Array): number[] {
  const out: number[] = [];
  let p = HEADER_SIZE;
  while (p + 2 <= m.length) {
    const type0 = m[p]!;
    let type = type0;
    let len: number;
    let value: number;
    if (type0 === 255) {
      if (p + 5 > m.length) break;
      out.push(p + 1, p + 3, p + 4);
      type = m[p + 2]!;
      len = m[p + 3]! | (m[p + 4]! << 8);
      value = p + 5;
    } else {
      out.push(p + 1);
      len = m[p + 1]!;
      value = p + 2;
    }
    out.push(p); // the type byte
    if (type === 3) out.push(value + 28, value + 30);
    else if (type === 4 || type === 5 || type === 6) out.push(value + 2);
    else if (type === 21) out.push(value + 150);
    else if (type === 40) out.push(value + 58);
    else if (type === 83) out.push(value);
    p = value + len;
  }
  return out.filter((o) => o < m.length);
}

function mutateOnce(rng: Rng, input: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  let m = input;
  switch (rng.int(9)) {
    case 0: { // bit flips
      m = m.slice();
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips && m.length > 0; i++) m[rng.int(m.length)]! ^= 1 << rng.int(8);
      return m;
    }
    case 1: { // byte sets
      m = m.slice();
      const sets = 1 + rng.int(3);
      for (let i = 0; i < sets && m.length > 0; i++) {
        m[rng.int(m.length)] = rng.chance(0.5) ? INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)]! : rng.int(256);
      }
      return m;
    }
    case 2: // truncation
      return m.slice(0, rng.int(m.length + 1));
    case 3: { // extension
      const out = new Uint8Array(m.length + 1 + rng.int(64));
      out.set(m);
      out.set(rng.bytes(out.length - m.length), m.length);
      return out;
    }
    case 4: { // payloadSize edits
      if (m.length < HEADER_SIZE) return m;
      m = m.slice();
      const dv = new DataView(m.buffer);
      const choices = [0, m.length - HEADER_SIZE - 1, m.length - HEADER_SIZE + 1, MAX_PAYLOAD_SIZE, MAX_PAYLOAD_SIZE + 1, 0xffffffff, rng.next()];
      dv.setUint32(24, choices[rng.int(choices.length)]!, true);
      return m;
    }
    case 5: { // TLV length / count / flag field edits
      const fields = lengthFieldOffsets(m);
      if (fields.length === 0) return m;
      m = m.slice();
      const at = fields[rng.int(fields.length)]!;
      const r = rng.int(4);
      m[at] = r === 0 ? (m[at]! + 1) & 0xff : r === 1 ? (m[at]! - 1) & 0xff : r === 2 ? m[at]! ^ 1 : INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)]!;
      return m;
    }
    case 6: { // splice: head of this message, tail of another
      const other = corpus[rng.int(corpus.length)]!;
      const cut = rng.int(m.length + 1);
      const from = rng.int(other.length + 1);
      const out = new Uint8Array(cut + other.length - from);
      out.set(m.subarray(0, cut));
      out.set(other.subarray(from), cut);
      return out;
    }
    case 7: { // two messages back to back (streams), sometimes with garbage between
      const other = corpus[rng.int(corpus.length)]!;
      const gap = rng.chance(0.2) ? rng.bytes(1 + rng.int(8)) : new Uint8Array(0);
      const out = new Uint8Array(m.length + gap.length + other.length);
      out.set(m);
      out.set(gap, m.length);
      out.set(other, m.length + gap.length);
      return out;
    }
    default: { // random bytes, half of them behind a plausible header start
      const out = rng.bytes(rng.int(400));
      if (rng.chance(0.5) && out.length >= 8) out.set([0xef, 0xbe, 0xad, 0xde, 1, 1 + rng.int(4)], 0);
      return out;
    }
  }
}

/** Makes payloadSize and/or checksum agree with the bytes, so damage is found past the header. */
function repair(rng: Rng, m: Uint8Array): void {
  if (m.length < HEADER_SIZE) return;
  const dv = new DataView(m.buffer, m.byteOffset, m.length);
  if (rng.chance(0.4)) dv.setUint32(24, m.length - HEADER_SIZE, true);
  const total = HEADER_SIZE + dv.getUint32(24, true);
  if (total <= m.length) dv.setUint32(28, messageChecksum(m, 0, total), true);
}

/** Failure record: a non-typed exception or a broken invariant. */
interface Failure {
  stage: string;
  error: string;
  hex: string;
}

const KINDS = new Set<string>(Object.values(ProtocolErrorKind));

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const rng = new Rng(opts.seed);
  const corpus = buildCorpus(opts.seed);
  const counts: Record<string, Record<string, number>> = {
    validate: {}, decode: {}, reencode: {}, json: {}, view: {}, framer: {},
  };
  const bump = (stage: string, key: string): void => {
    const s = counts[stage]!;
    s[key] = (s[key] ?? 0) + 1;
  };
  let failures = 0;
  const samples: Failure[] = [];
  const fail = (stage: string, e: unknown, input: Uint8Array): void => {
    failures++;
    if (samples.length < 5) {
      const error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
      samples.push({ stage, error, hex: toHex(input, 0, Math.min(input.length, 4096)) });
      process.stderr.write(`FAILURE in ${stage}: ${error}\ninput (${input.length} bytes): ${samples.at(-1)!.hex}\n`);
    }
  };
  /** A ProtocolError of a known kind, or a failure. Returns the kind. */
  const typed = (stage: string, e: unknown, input: Uint8Array): string | undefined => {
    if (e instanceof ProtocolError && KINDS.has(e.kind)) return e.kind;
    fail(stage, e, input);
    return undefined;
  };

  const view = new MessageView();
  const framer = new StreamFramer();
  const pool = new Uint8Array(64 * 1024); // chunks copied here get a non-zero byteOffset, like Node Buffer pool slices
  let maxRss = process.memoryUsage.rss();
  let framedMessages = 0;
  const started = performance.now();

  for (let n = 0; n < opts.count; n++) {
    const base = corpus[rng.int(corpus.length)]!;
    let input = mutateOnce(rng, base, corpus);
    if (rng.chance(0.3)) input = mutateOnce(rng, input, corpus);
    if (input === base) input = base.slice();
    if (rng.chance(0.5)) repair(rng, input);

    // validateMessage: must return, never throw.
    let verdict: ProtocolError | undefined;
    try {
      verdict = validateMessage(input);
    } catch (e) {
      fail("validate (threw)", e, input);
      continue;
    }
    if (verdict !== undefined && typed("validate", verdict, input) === undefined) continue;
    bump("validate", verdict?.kind ?? "ok");

    // decodeMessage: same verdict as validate; a valid message re-encodes to a valid one.
    try {
      const msg = decodeMessage(input);
      if (verdict !== undefined) fail("decode (accepted what validate rejected)", new Error(verdict.message), input);
      bump("decode", "ok");
      let again: Uint8Array | undefined;
      try {
        again = encodeMessage(msg.header, msg.tlvs);
        bump("reencode", "ok");
      } catch (e) {
        const kind = typed("reencode", e, input);
        if (kind) bump("reencode", kind);
      }
      if (again !== undefined) {
        const err = validateMessage(again);
        if (err) fail("reencode (output invalid)", err, input);
        if ((n & 15) === 0) {
          try {
            const viaJson = encodeJsonMessage(JSON.parse(JSON.stringify(messageToJson(msg))));
            if (!equals(viaJson, again)) fail("json (bytes differ from re-encode)", new Error("JSON round trip changed bytes"), input);
            bump("json", "ok");
          } catch (e) {
            const kind = typed("json", e, input);
            if (kind) bump("json", kind);
          }
        }
      }
    } catch (e) {
      const kind = typed("decode", e, input);
      if (kind) {
        bump("decode", kind);
        if (verdict === undefined || verdict.kind !== kind || verdict.offset !== (e as ProtocolError).offset) {
          fail("decode (verdict differs from validate)", e, input);
        }
      }
    }

    // MessageView: wrap, validate, walk every TLV, read a byte of each.
    try {
      view.wrap(input, 0);
      const err = view.validate();
      if ((err?.kind ?? "ok") !== (verdict?.kind ?? "ok")) fail("view (verdict differs from validate)", err ?? new Error("ok"), input);
      let tlvs = 0;
      if (view.firstTlv()) {
        do {
          if (view.tlvLength > 0) view.u8At(view.tlvLength - 1);
          tlvs++;
        } while (view.nextTlv() && tlvs < 70_000);
      }
      bump("view", "ok");
    } catch (e) {
      const kind = typed("view", e, input);
      if (kind) bump("view", kind);
    }

    // StreamFramer: random chunking, some chunks at a non-zero byteOffset.
    framer.reset();
    let emitted = 0;
    try {
      let off = 0;
      while (off < input.length) {
        const r = rng.int(4);
        const size = r === 0 ? 1 : r === 1 ? 1 + rng.int(40) : r === 2 ? input.length - off : 1 + rng.int(input.length - off);
        let chunk = input.subarray(off, Math.min(input.length, off + size));
        if (rng.chance(0.25) && chunk.length < pool.length - 8) {
          const at = 1 + rng.int(7);
          pool.set(chunk, at);
          chunk = pool.subarray(at, at + chunk.length);
        }
        off += chunk.length;
        framer.push(chunk, (bytes, offset, length) => {
          emitted += length;
          framedMessages++;
          validateMessage(bytes, offset, length);
        });
      }
      if (emitted + framer.buffered !== input.length || framer.position !== input.length) {
        fail("framer (byte accounting)", new Error(`emitted ${emitted} + buffered ${framer.buffered} ≠ ${input.length}`), input);
      }
      bump("framer", "ok");
    } catch (e) {
      const kind = typed("framer", e, input);
      if (kind) {
        bump("framer", kind);
        const at = (e as ProtocolError).offset;
        if (!(at >= 0 && at < input.length)) fail("framer (error offset outside the stream)", e, input);
      }
    }

    if ((n & 4095) === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > maxRss) maxRss = rss;
      if (!opts.json && n > 0 && n % 1_000_000 === 0) {
        process.stderr.write(`fuzz-protocol: ${n.toLocaleString("en-US")} inputs, ${failures} failures, max RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB\n`);
      }
    }
  }

  const seconds = (performance.now() - started) / 1000;
  let peakRss = Math.max(maxRss, process.memoryUsage.rss());
  try {
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024); // kilobytes on Linux
  } catch {
    // resourceUsage is not available on every runtime; the sampled figure stands.
  }
  const result = {
    count: opts.count, seed: opts.seed, corpus: corpus.length, seconds: Number(seconds.toFixed(1)),
    inputsPerSecond: Math.round(opts.count / seconds), framedMessages, maxRssBytes: peakRss,
    nonTypedErrors: failures, failures: samples, outcomes: counts,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else {
    const lines = [
      `fuzz-protocol: ${opts.count.toLocaleString("en-US")} inputs (seed ${opts.seed}, corpus ${corpus.length}) in ${seconds.toFixed(1)} s, ${result.inputsPerSecond.toLocaleString("en-US")}/s`,
      `max RSS ${(peakRss / 2 ** 20).toFixed(1)} MiB; messages framed ${framedMessages.toLocaleString("en-US")}`,
      `non-typed errors / broken invariants: ${failures}`,
    ];
    for (const [stage, byKind] of Object.entries(counts)) {
      const parts = Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`);
      lines.push(`  ${stage.padEnd(9)} ${parts.join(", ")}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
  }
  process.exitCode = failures > 0 ? 1 : 0;
}

main();

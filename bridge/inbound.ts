/**
 * Incoming side of the bridge: decides, per source, which messages received from NATS go into the
 * local relay, so that every source is injected once and in sequence order.
 *
 * Per source it keeps the next expected sequence (advanced by messages injected here and by the local
 * relay's own traffic, see {@link InboundSequencer.markLocal}):
 * - a message at or below it is dropped: counted as an `echo` when the source is published on this
 *   relay (its own traffic coming back), else as a `duplicate` (a resend, or an overlap with recovery);
 * - the expected one is injected;
 * - a later one means messages were lost on the way (a NATS outage, a slow-consumer cut): it is held
 *   back, with every later message of that source, while the missing range is fetched from JetStream
 *   through the `recover` callback; the recovered messages, then the held ones, are injected in order.
 *   What recovery cannot find is counted as `lost` and skipped, and injection continues — the local
 *   relay's subscribers then see the jump and get a Gap notice from their relay, as for any loss.
 * A lower sequence stamped later than the source's last message is a restarted process: followed
 * (logged), its first messages recovered when they passed unseen.
 * Sources published on this relay never start a recovery: their authority is the local relay.
 *
 * Socket-free: injection and recovery are callbacks, so the logic is tested without servers. Its settings
 * and counters are in bridge/inbound-options.ts, the held messages of one source in bridge/held-messages.ts.
 *
 * @module
 */

import { HeaderOffset, viewsOf } from "../protocol/mod.ts";
import { HeldMessages } from "./held-messages.ts";
import type { InboundOptions, InboundStats } from "./inbound-options.ts";

const TWO32 = 4_294_967_296;

/** See the module documentation. */
export class InboundSequencer {
  /** Counters. */
  readonly stats: InboundStats = {
    received: 0, injected: 0, duplicates: 0, echoes: 0, gapsDetected: 0, recoveries: 0, recovered: 0, lost: 0, restarts: 0,
    recoveryFailures: 0, originGaps: 0, originLost: 0,
  };
  private readonly opts: InboundOptions;
  private readonly holdLimit: number;
  private readonly marginNanos: bigint;
  private readonly expHi = new Uint32Array(65536);
  private readonly expLo = new Uint32Array(65536);
  private readonly tsHi = new Uint32Array(65536);
  private readonly tsLo = new Uint32Array(65536);
  /** 1 when the source has been seen (expected is meaningful). */
  private readonly known = new Uint8Array(65536);
  /** 1 when the source is published on the local relay. */
  private readonly local = new Uint8Array(65536);
  private readonly held = new Map<number, HeldMessages>();
  private generation = 0;
  private closed = false;

  /** @param options callbacks and limits */
  constructor(options: InboundOptions) {
    this.opts = options;
    this.holdLimit = options.holdBytes ?? 8 * 1024 * 1024;
    this.marginNanos = options.recoveryMarginNanos ?? 5_000_000_000n;
  }

  /** Sources with a recovery in progress. */
  get recovering(): number {
    return this.held.size;
  }

  /** Bytes held back behind gaps. */
  get heldBytes(): number {
    let n = 0;
    for (const h of this.held.values()) n += h.bytes;
    return n;
  }

  /** Notes a message published on the local relay (its source is local; its sequence is taken). */
  markLocal(bytes: Uint8Array, offset: number): void {
    const { dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const source = dv.getUint16(base + HeaderOffset.source, true);
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    this.local[source] = 1;
    this.known[source] = 1;
    this.setExpected(source, hi, lo + 1);
    this.tsLo[source] = dv.getUint32(base + HeaderOffset.timestamp, true);
    this.tsHi[source] = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
  }

  /**
   * One message received from NATS (bytes are not kept beyond the call unless held, then copied).
   * `fromStore`: it comes from a catch-up read of JetStream in stream order, so a jump is a hole in the
   * store itself — skipped and counted at once instead of recovered.
   */
  receive(bytes: Uint8Array, offset: number, length: number, fromStore = false): void {
    const st = this.stats;
    st.received++;
    const { dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const source = dv.getUint16(base + HeaderOffset.source, true);
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    if (this.known[source] === 0) {
      this.known[source] = 1;
      this.injectAt(source, bytes, offset, length, dv, base, hi, lo);
      return;
    }
    const eh = this.expHi[source]!;
    const el = this.expLo[source]!;
    if (hi === eh && lo === el) {
      if (this.held.has(source)) this.hold(source, bytes, offset, length, hi, lo);
      else this.injectAt(source, bytes, offset, length, dv, base, hi, lo);
      return;
    }
    if (hi < eh || (hi === eh && lo < el)) {
      if (this.local[source] === 1) {
        st.echoes++;
        return;
      }
      // Stamped later than the source's last message yet numbered lower: the source restarted (a new
      // process). A re-sent old message carries its old timestamp and stays a duplicate (the relays
      // tell the two apart the same way).
      const tsLo = dv.getUint32(base + HeaderOffset.timestamp, true);
      const tsHi = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
      const th = this.tsHi[source]!;
      if (tsHi > th || (tsHi === th && tsLo > this.tsLo[source]!)) {
        st.restarts++;
        this.opts.log.warn("remote source restarted its sequence", { source, previousNext: this.expected(source), first: (BigInt(hi) << 32n) | BigInt(lo) });
        this.abandon(source, true);
        this.setExpected(source, 0, 1);
        if (hi === 0 && lo === 1) this.injectAt(source, bytes, offset, length, dv, base, hi, lo);
        else if (fromStore) this.skipTo(source, bytes, offset, length, dv, base, hi, lo);
        // Its first messages passed while this bridge was away: fetch them (the local relay accepts a
        // restarted source from sequence 1 only).
        else this.hold(source, bytes, offset, length, hi, lo);
        return;
      }
      st.duplicates++;
      return;
    }
    // Later than expected.
    if (this.local[source] === 1) {
      this.injectAt(source, bytes, offset, length, dv, base, hi, lo);
      return;
    }
    if (fromStore && !this.held.has(source)) {
      this.skipTo(source, bytes, offset, length, dv, base, hi, lo);
      return;
    }
    this.hold(source, bytes, offset, length, hi, lo);
  }

  /**
   * A Gap notice from the source's origin bridge (stored in order on the source's subject): `from..to`
   * will never come. When the next expected sequence lies in that range and no recovery is running for
   * the source, the sequencer moves past the range (counted `originLost`, not `lost`) and returns true:
   * the caller then tells the local relay's subscribers. Otherwise (a source never seen, published here,
   * being recovered, or a range already passed or not yet reached) it changes nothing and returns false.
   */
  originGap(source: number, from: bigint, to: bigint): boolean {
    if (this.closed || this.known[source] === 0 || this.local[source] === 1 || this.held.has(source)) return false;
    const exp = this.expected(source);
    if (exp < from || exp > to) return false;
    this.stats.originGaps++;
    this.stats.originLost += Number(to - exp + 1n);
    const next = to + 1n;
    this.setExpected(source, Number(next >> 32n), Number(next & 0xffffffffn));
    return true;
  }

  /** True when `source` has been received from NATS and is not published on the local relay. */
  isRemote(source: number): boolean {
    return this.known[source] === 1 && this.local[source] === 0;
  }

  /** True when `source` is published on the local relay. */
  isLocal(source: number): boolean {
    return this.local[source] === 1;
  }

  /**
   * Compares a source's newest stored sequence (e.g. JetStream's last message after a reconnect) with
   * what was injected, and recovers the difference. Sources never seen here are left alone.
   */
  checkTail(source: number, newestStored: bigint): void {
    if (this.closed || this.known[source] === 0 || this.local[source] === 1 || this.held.has(source)) return;
    const exp = this.expected(source);
    if (newestStored < exp) return;
    this.stats.gapsDetected++;
    this.held.set(source, new HeldMessages());
    this.startRecovery(source, exp, newestStored);
  }

  /** Remote sources seen so far (candidates for {@link checkTail}). */
  remoteSources(): number[] {
    const out: number[] = [];
    for (let s = 0; s < 65536; s++) if (this.known[s] === 1 && this.local[s] === 0) out.push(s);
    return out;
  }

  /** The next sequence expected from `source` (0 when never seen). */
  expected(source: number): bigint {
    if (this.known[source] === 0) return 0n;
    return (BigInt(this.expHi[source]!) << 32n) | BigInt(this.expLo[source]!);
  }

  /** Stops recoveries (their answers are ignored) and forgets held messages without counting them. */
  close(): void {
    this.closed = true;
    this.held.clear();
  }

  private injectAt(source: number, bytes: Uint8Array, offset: number, length: number, dv: DataView, base: number, hi: number, lo: number): void {
    this.setExpected(source, hi, lo + 1);
    this.tsLo[source] = dv.getUint32(base + HeaderOffset.timestamp, true);
    this.tsHi[source] = dv.getUint32(base + HeaderOffset.timestamp + 4, true);
    this.stats.injected++;
    this.opts.inject(bytes, offset, length);
  }

  /** Injects a message after a hole nothing can fill (counted lost). */
  private skipTo(source: number, bytes: Uint8Array, offset: number, length: number, dv: DataView, base: number, hi: number, lo: number): void {
    const from = this.expected(source);
    const seq = (BigInt(hi) << 32n) | BigInt(lo);
    this.stats.gapsDetected++;
    this.stats.lost += Number(seq - from);
    this.opts.log.warn("gap not recoverable: skipped", { source, from, to: seq - 1n });
    this.injectAt(source, bytes, offset, length, dv, base, hi, lo);
  }

  private injectCopy(source: number, msg: Uint8Array): void {
    const { dv } = viewsOf(msg);
    const base = msg.byteOffset;
    const lo = dv.getUint32(base + HeaderOffset.sequence, true);
    const hi = dv.getUint32(base + HeaderOffset.sequence + 4, true);
    this.injectAt(source, msg, 0, msg.length, dv, base, hi, lo);
  }

  private hold(source: number, bytes: Uint8Array, offset: number, length: number, hi: number, lo: number): void {
    const seq = (BigInt(hi) << 32n) | BigInt(lo);
    let h = this.held.get(source);
    const starting = h === undefined;
    if (h === undefined) {
      h = new HeldMessages();
      this.held.set(source, h);
      this.stats.gapsDetected++;
    }
    const i = h.placeOf(seq);
    if (i < 0) {
      this.stats.duplicates++;
      return;
    }
    h.insertAt(i, bytes.slice(offset, offset + length), seq);
    if (starting) {
      this.startRecovery(source, this.expected(source), seq - 1n);
      return;
    }
    if (h.bytes > this.holdLimit) {
      this.opts.log.warn("hold buffer full while recovering a gap: giving the gap up", { source, heldBytes: h.bytes });
      h.generation = ++this.generation; // ignore the recovery's answer
      h.tried = seq;
      this.release(source);
    }
  }

  private startRecovery(source: number, from: bigint, to: bigint): void {
    const h = this.held.get(source)!;
    const recover = this.opts.recover;
    h.tried = to;
    if (recover === undefined) {
      this.release(source);
      return;
    }
    const gen = ++this.generation;
    h.generation = gen;
    this.stats.recoveries++;
    const tsNanos = (BigInt(this.tsHi[source]!) << 32n) | BigInt(this.tsLo[source]!);
    const since = tsNanos === 0n ? undefined : tsNanos > this.marginNanos ? tsNanos - this.marginNanos : 0n;
    this.opts.log.info("recovering a gap from JetStream", { source, from, to });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("recovery timed out")), this.opts.recoveryTimeoutMs ?? 10_000);
    });
    Promise.race([recover(source, from, to, since), timeout]).then(
      (msgs) => {
        clearTimeout(timer);
        this.onRecovered(source, gen, msgs);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (this.closed || this.held.get(source)?.generation !== gen) return;
        this.stats.recoveryFailures++;
        this.opts.log.warn("gap recovery failed", { source, from, to, error: e instanceof Error ? e.message : String(e) });
        this.release(source);
      },
    );
  }

  private onRecovered(source: number, gen: number, msgs: Uint8Array[]): void {
    if (this.closed) return;
    const h = this.held.get(source);
    if (h === undefined || h.generation !== gen) return;
    // Merge the recovered messages into the held ones (sequence order, no repeats), then release.
    const exp = this.expected(source);
    for (const m of msgs) {
      const seq = viewsOf(m).dv.getBigUint64(m.byteOffset + HeaderOffset.sequence, true);
      if (seq < exp) continue;
      const i = h.placeOf(seq);
      if (i < 0) continue;
      h.insertAt(i, m, seq);
      this.stats.recovered++;
    }
    this.release(source);
  }

  /**
   * Injects held messages that are next in sequence. At a hole no recovery has been asked for yet,
   * one is started; a hole already asked for is given up (counted lost) and skipped.
   */
  private release(source: number): void {
    const h = this.held.get(source)!;
    let i = 0;
    while (i < h.msgs.length) {
      const seq = h.seqs[i]!;
      const exp = this.expected(source);
      if (seq < exp) {
        this.stats.duplicates++;
        i++;
        continue;
      }
      if (seq > exp) {
        if (exp > h.tried && this.opts.recover !== undefined) {
          h.dropFirst(i);
          this.stats.gapsDetected++;
          this.startRecovery(source, exp, seq - 1n);
          return;
        }
        this.stats.lost += Number(seq - exp);
        this.opts.log.warn("gap not recoverable: skipped", { source, from: exp, to: seq - 1n });
      }
      this.injectCopy(source, h.msgs[i]!);
      i++;
    }
    this.held.delete(source);
  }

  /** Drops a source's recovery and held messages (counted lost when `count`). */
  private abandon(source: number, count: boolean): void {
    const h = this.held.get(source);
    if (h === undefined) return;
    if (count) this.stats.lost += h.msgs.length;
    this.held.delete(source);
  }

  private setExpected(source: number, hi: number, lo: number): void {
    if (lo >= TWO32) {
      lo -= TWO32;
      hi++;
    }
    this.expHi[source] = hi;
    this.expLo[source] = lo;
  }
}

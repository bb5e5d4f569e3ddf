import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeMessage, HeaderOffset, pairInstrument, RelayDomain, TlvType, validateMessage, Venue, viewsOf } from "../../protocol/mod.ts";
import { QuickCheck, quickCheck } from "../../relay/wire/check.ts";
import { DropReason, RelayMetrics, renderPrometheus } from "../../relay/server/metrics.ts";
import { Outbox } from "../../relay/server/outbox.ts";
import { defaultSocketPath, domainName, parseDomain } from "../../relay/wire/socket-paths.ts";
import { SourceRing } from "../../relay/server/source-ring.ts";
import type { Connection, ConnectionHandlers } from "../../relay/transport/types.ts";
import { client, rawPeer, Role, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

function msg(seq: number, source = 1): Uint8Array {
  return encodeMessage({ relayDomain: 1, source, sequence: BigInt(seq), timestamp: 0n }, [{
    type: TlvType.Trade, name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1, flags: 0, price: BigInt(seq), size: 1n, execTimestamp: 0n,
  }]);
}

describe("SourceRing", () => {
  it("keeps a contiguous newest tail within its byte bound and answers ranges exactly (property)", () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1024, max: 20_000 }),
      fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 2000 }),
      (chunkSizes, max, a, b) => {
        const ring = new SourceRing(max);
        let seq = 0;
        for (const n of chunkSizes) {
          // n messages arriving in one chunk (one buffer), as a relay receives them.
          const chunk = new Uint8Array(74 * n);
          for (let i = 0; i < n; i++) chunk.set(msg(++seq), 74 * i);
          for (let i = 0; i < n; i++) ring.push(chunk.buffer, chunk.byteOffset + 74 * i, 74, 0, seq - n + 1 + i);
          expect(ring.pinnedBytes <= max || ring.size === 1).toBe(true);
        }
        const from = BigInt(Math.min(a, b) || 1);
        const to = BigInt(Math.max(a, b) || 1);
        const r = ring.collect(from, to, BigInt(seq));
        const got: bigint[] = [];
        const { dv } = viewsOf(r.bytes);
        for (let o = 0; o < r.bytes.length; o += 74) got.push(dv.getBigUint64(o + HeaderOffset.sequence, true));
        const end = to < BigInt(seq) ? to : BigInt(seq);
        // Held part is a contiguous suffix of the range; what is missing is exactly its start.
        const firstHeld = got[0] ?? end + 1n;
        expect(got).toEqual(Array.from({ length: Math.max(0, Number(end - firstHeld + 1n)) }, (_, i) => firstHeld + BigInt(i)));
        expect(r.missing).toEqual(from < firstHeld && from <= end ? [[from, (firstHeld > end ? end : firstHeld - 1n)]] : []);
        expect(r.count).toBe(got.length);
      },
    ), { numRuns: 200 });
  });

  it("keeps one chunk reference per run of entries, not per entry", () => {
    const ring = new SourceRing(1 << 20);
    const chunk = new Uint8Array(74 * 10_000);
    for (let i = 0; i < 10_000; i++) {
      chunk.set(msg(i + 1), 74 * i);
      ring.push(chunk.buffer, 74 * i, 74, 0, i + 1);
    }
    // 10 000 entries need 16 384 slots of 20 bytes; the one run fits the initial 8 run slots.
    expect(ring.indexBytes).toBe(1024 + 20 * 16_384 + 13 * 8);
    expect(ring.pinnedBytes).toBe(chunk.byteLength);
    const r = ring.collect(9_990n, 10_000n, 10_000n);
    expect(r.count).toBe(11);
    expect(r.bytes).toEqual(chunk.subarray(74 * 9_989));
  });
});

class FakeConn implements Connection {
  peer = "fake";
  secure = false;
  pendingBytes = 0;
  closed = false;
  written: Uint8Array[] = [];
  setHandlers(_h: ConnectionHandlers): void {}
  write(cs: readonly Uint8Array[]): void {
    for (const c of cs) this.written.push(c.slice());
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    this.closed = true;
  }
}

describe("Outbox", () => {
  it("coalesces adjacent slices into one write, and drops oldest with a Gap once the socket is full", () => {
    const conn = new FakeConn();
    let dropped = 0;
    const gaps: [number, bigint, bigint][] = [];
    const box = new Outbox(conn, {
      maxQueueBytes: 74 * 3, windowBytes: 100,
      makeGap: (s, f, t) => {
        gaps.push([s, f, t]);
        return new Uint8Array([0xee]);
      },
      onDrop: (n) => void (dropped += n),
    });
    const chunk = new Uint8Array(74 * 10);
    for (let i = 0; i < 10; i++) chunk.set(msg(i + 1), 74 * i);
    for (let i = 0; i < 4; i++) box.add(chunk.buffer, chunk.byteOffset + 74 * i, 74, 1, 0, i + 1);
    box.flush();
    expect(conn.written.length).toBe(1);
    expect(conn.written[0]!.length).toBe(74 * 4);
    conn.pendingBytes = 1000; // the socket backs up
    for (let i = 4; i < 10; i++) box.add(chunk.buffer, chunk.byteOffset + 74 * i, 74, 1, 0, i + 1);
    box.flush();
    expect(dropped).toBe(3);
    expect(box.backlogBytes).toBe(74 * 3);
    expect(box.overflowSince).toBeGreaterThan(0);
    conn.pendingBytes = 0;
    box.pump();
    expect(gaps).toEqual([[1, 5n, 7n]]);
    expect(conn.written[1]).toEqual(new Uint8Array([0xee]));
    expect(Array.from(conn.written.slice(2)).reduce((a, w) => a + w.length, 0)).toBe(74 * 3);
    expect(box.backlogBytes).toBe(0);
    expect(box.overflowSince).toBe(0);
  });
});

describe("quickCheck", () => {
  it("agrees with validateMessage on mutated messages (property)", () => {
    const base = [msg(1), encodeMessage({ relayDomain: 1, source: 2, sequence: 1n, timestamp: 0n }, [
      { type: TlvType.Heartbeat, name: "Heartbeat", serviceId: 2, state: 2, uptimeSeconds: 1, lastSequence: 1n },
    ])];
    fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.boolean(), (which, edits, crc) => {
      const m = base[which]!.slice();
      for (const [pos, v] of edits) {
        const p = 32 + (pos % (m.length - 32)); // keep the header framing-sound, as the framer guarantees
        m[p] = v;
      }
      const { u8, dv } = viewsOf(m);
      const quick = quickCheck(u8, dv, m.byteOffset, m.length, crc);
      const full = validateMessage(m, 0, m.length, { verifyChecksum: crc });
      if (quick === QuickCheck.ok) expect(full).toBeUndefined();
    }), { numRuns: 500 });
  });
});

describe("metrics and paths", () => {
  it("snapshots and renders Prometheus text", () => {
    const m = new RelayMetrics("market-data");
    m.messagesIn = 5;
    m.drop(DropReason.duplicate, 2);
    m.error("ChecksumMismatch");
    m.recordForward(12_000, 3);
    const s = m.snapshot();
    expect(s.drops.duplicate).toBe(2);
    expect(s.forwardLatency.count).toBe(3);
    expect(s.forwardLatency.p50Micros).toBeCloseTo(12, 0);
    const text = renderPrometheus(s);
    expect(text).toContain('alphapulse_relay_messages_in_total{domain="market-data"} 5');
    expect(text).toContain('alphapulse_relay_dropped_total{domain="market-data",reason="duplicate"} 2');
    expect(text).toContain('alphapulse_relay_protocol_errors_total{domain="market-data",kind="ChecksumMismatch"} 1');
    expect(text).toMatch(/# TYPE alphapulse_relay_forward_latency_seconds histogram/);
    expect(text).toContain('alphapulse_relay_forward_latency_seconds_bucket{domain="market-data",le="0.000025"} 3');
    expect(text).toContain('alphapulse_relay_forward_latency_seconds_count{domain="market-data"} 3');
  });

  it("parses domains and builds default socket paths", () => {
    expect(parseDomain("market-data")).toBe(RelayDomain.MarketData);
    expect(parseDomain("4")).toBe(RelayDomain.System);
    expect(parseDomain("nope")).toBeUndefined();
    expect(domainName(RelayDomain.Execution)).toBe("execution");
    expect(defaultSocketPath(RelayDomain.Signal)).toMatch(/alphapulse.*\/signal\.sock$/);
  });
});

describe("client", () => {
  it("subscribe() iterates zero-copy messages and ends on close", async () => {
    const env = tempDir();
    const server = await startTestRelay(env.dir);
    try {
      const sub = await client(server.socketPath, 61, Role.Subscriber);
      await until(() => server.relay.metrics.subscribers === 1, 3000, "subscriber");
      const pub = await rawPeer(server.socketPath, { serviceId: 9, role: Role.Publisher });
      const src = new TradeSource(9);
      pub.conn.write(Array.from({ length: 5 }, (_, i) => src.next(i).slice()));
      const seen: bigint[] = [];
      for await (const m of sub.subscribe()) {
        seen.push(viewsOf(m).dv.getBigUint64(m.byteOffset + HeaderOffset.sequence, true));
        if (seen.length === 5) void sub.close();
      }
      expect(seen).toEqual([1n, 2n, 3n, 4n, 5n]);
      pub.conn.close();
    } finally {
      await server.close();
      env.cleanup();
    }
  });
});

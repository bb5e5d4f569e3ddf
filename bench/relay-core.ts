/**
 * The relay's own capacity, without sockets or a publisher to wait for: a {@link Relay} fed
 * pre-built 64 KiB chunks of 74-byte Trades (checksums verified, as by default) through in-memory
 * connections, forwarding to `subscribers` in-memory subscribers. Reports messages processed per second of
 * wall time and of the process's CPU time. Part of `ap bench relay`; shows how far the multi-process
 * figures are from what the relay itself can do on this machine.
 *
 * @module
 */

import process from "node:process";
import { AssetType, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../protocol/mod.ts";
import { encodeHello, Role } from "../relay/wire/control.ts";
import { silentLogger } from "../core/log.ts";
import { Relay } from "../relay/server/relay.ts";
import type { Connection, ConnectionHandlers } from "../relay/transport/types.ts";

/** An in-memory connection that swallows writes. */
class SinkConnection implements Connection {
  readonly peer = "memory";
  readonly secure = false;
  readonly pendingBytes = 0;
  closed = false;
  written = 0;
  handlers: ConnectionHandlers | undefined;
  setHandlers(h: ConnectionHandlers): void {
    this.handlers = h;
  }
  write(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) this.written += c.length;
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    this.closed = true;
  }
}

/** Result of {@link measureRelayCore}. */
export interface CoreResult {
  /** Messages the relay took in per second of wall time (each forwarded to every subscriber). */
  msgsPerSec: number;
  /** The same per second of this process's CPU time. */
  msgsPerCpuSec: number;
}

/** Feeds `messages` Trades through a relay with `subscribers` subscribers; best of `rounds`. */
export function measureRelayCore(subscribers: number, messages = 2_000_000, rounds = 3): CoreResult {
  const perChunk = Math.floor(65536 / 74);
  const b = new MessageBuilder(256);
  const asset = pairAssetId("BTC", "USD");
  let best: CoreResult = { msgsPerSec: 0, msgsPerCpuSec: 0 };
  const relay = new Relay({ domain: RelayDomain.MarketData, logger: silentLogger });
  const pub = new SinkConnection();
  relay.attach(pub, { requireToken: false });
  pub.handlers!.data(encodeHello(RelayDomain.MarketData, 1, Role.Publisher));
  const subs = Array.from({ length: subscribers }, (_, i) => {
    const s = new SinkConnection();
    relay.attach(s, { requireToken: false });
    s.handlers!.data(encodeHello(RelayDomain.MarketData, 60 + i, Role.Subscriber));
    return s;
  });
  for (let r = 0; r < rounds; r++) {
    const chunks: Uint8Array[] = [];
    for (let n = 0; n < messages; n += perChunk) {
      const chunk = new Uint8Array(perChunk * 74);
      for (let i = 0; i < perChunk; i++) {
        b.begin(RelayDomain.MarketData, 1)
          .addTrade(asset, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, 1_000_000n, 0n);
        chunk.set(b.finish(), i * 74);
      }
      chunks.push(chunk);
    }
    const total = chunks.length * perChunk;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const c of chunks) pub.handlers!.data(c);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const res = { msgsPerSec: Math.round(total / wall), msgsPerCpuSec: Math.round(total / ((cpu.user + cpu.system) / 1e6)) };
    if (res.msgsPerSec > best.msgsPerSec) best = res;
  }
  if (subs.some((s) => s.written === 0) || relay.metrics.drops.duplicate > 0) throw new Error("relay core benchmark: messages were not forwarded");
  relay.close();
  return best;
}

/**
 * Entry script of a worker thread that runs a market-data relay with small subscriber queues, and a
 * publisher next to it, for the ring accounting test (`ring-accounting.test.ts`): the relay listens on
 * ring `name` (and its Unix socket), the link serves as the route to that ring, and it says
 * `{ ready: true }`. Then `{ op: "publish", count }` publishes `count` Trades of source 1 over the ring
 * from this thread in bursts with pauses and answers `{ published }`; `{ op: "metrics" }` answers `{ metrics }` (the
 * relay's drop counters and Gaps sent). First message from the parent: `{ socketPath, name, queueBytes,
 * windowBytes }`. It runs until terminated.
 */
import { installRuntimePlatform } from "../../../app/platform/select.ts";
import { silentLogger } from "../../../core/log.ts";
import { platform } from "../../../core/platform.ts";
import { RelayDomain } from "../../../protocol/mod.ts";
import { RelayClient } from "../../../relay/client/client.ts";
import { startRelayServer } from "../../../relay/server/server.ts";
import { serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS } from "../../../relay/transport/threads.ts";
import { Role } from "../../../relay/wire/control.ts";
import { TradeSource } from "../helpers.ts";

installRuntimePlatform();
const link = await (await platform().load(THREADS)).parentLink();

async function publish(name: string, count: number): Promise<{ sent: number; dropped: number }> {
  const pub = await RelayClient.connect({ endpoint: { kind: "ring", name }, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger });
  const src = new TradeSource(1);
  // Episodes: a burst that overflows the slow subscribers' queues, in small chunks, then a pause that
  // lets them drain — many rounds of a ring backing up and emptying while this thread writes to it.
  for (let i = 0; i < count; i++) {
    pub.publish(src.next(i));
    if ((i & 63) === 63) {
      pub.flushBatch();
      await new Promise((r) => setImmediate(r));
    }
  }
  await pub.flush();
  const r = { sent: count, dropped: pub.stats.droppedOutgoing };
  await pub.close();
  return r;
}

link.onmessage = async (e: MessageEvent) => {
  const { socketPath, name, queueBytes, windowBytes } = e.data as { socketPath: string; name: string; queueBytes: number; windowBytes: number };
  link.onmessage = null;
  const server = await startRelayServer({
    domain: RelayDomain.MarketData, socketPath, localEndpoints: [{ kind: "ring", name }], logger: silentLogger,
    subscriberQueueBytes: queueBytes, writeWindowBytes: windowBytes, overflowDisconnectMs: 600_000,
  });
  serveRingPort(link);
  link.addEventListener("message", async (m: MessageEvent) => {
    const op = m.data as { op?: string; count?: number };
    if (op.op === "publish") link.postMessage({ published: await publish(name, op.count ?? 0) });
    if (op.op !== "metrics") return;
    const s = server.relay.metrics.snapshot();
    link.postMessage({ metrics: { drops: s.drops, gapsSent: s.gapsSent, messagesOut: s.messagesOut } });
  });
  link.postMessage({ ready: true });
};
link.postMessage({ started: true });

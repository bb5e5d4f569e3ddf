/**
 * Entry script of a worker thread that runs a market-data relay for the ring restart test: it listens on
 * its Unix socket and on ring `name`, serves the link as the route to that ring, and says `{ ready: true }`.
 * First message from the parent: `{ socketPath, name }`. It runs until terminated.
 */
import { installRuntimePlatform } from "../../../app/platform/select.ts";
import { silentLogger } from "../../../core/log.ts";
import { platform } from "../../../core/platform.ts";
import { RelayDomain } from "../../../protocol/mod.ts";
import { startRelayServer } from "../../../relay/server/server.ts";
import { serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS } from "../../../relay/transport/threads.ts";

installRuntimePlatform();
const link = await (await platform().load(THREADS)).parentLink();
link.onmessage = async (e: MessageEvent) => {
  const { socketPath, name } = e.data as { socketPath: string; name: string };
  link.onmessage = null;
  await startRelayServer({ domain: RelayDomain.MarketData, socketPath, localEndpoints: [{ kind: "ring", name }], logger: silentLogger });
  serveRingPort(link);
  link.postMessage({ ready: true });
};
link.postMessage({ started: true });

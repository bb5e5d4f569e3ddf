/**
 * Child process of tests/relay/busy-poll.test.ts: connects a busy-polling subscriber to the relay at
 * argv[2], prints `ready`, prints `got N` once N messages arrived (argv[3]), closes the client and
 * returns — the process must then exit by itself (a poll left running would keep it alive).
 */

import process from "node:process";
import { RelayDomain } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import { installRuntimePlatform } from "../../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

const [socketPath, wantText] = process.argv.slice(2);
const want = Number(wantText);
const c = await RelayClient.connect({
  endpoint: { kind: "unix", path: socketPath! }, domain: RelayDomain.MarketData, serviceId: 62, role: Role.Subscriber, logger: silentLogger, busyPoll: true,
});
let got = 0;
await new Promise<void>((resolve) => {
  c.onMessage(() => {
    if (++got === want) resolve();
  });
  process.stdout.write("ready\n");
});
process.stdout.write(`got ${got}\n`);
await c.close();

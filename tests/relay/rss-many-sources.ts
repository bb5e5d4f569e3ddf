/**
 * Measurement (not a test): resident memory of an `ap relay` child process before and after a publisher
 * sent one message from each of N sources, every message in a read of its own (the publisher waits for
 * each to come back through a subscriber before it sends the next — a sparse publisher's pattern).
 * Prints one JSON line: RSS before/after in MiB and the relay's own ring accounting from its final
 * metrics (`ringBytes`, `ringSources`; absent on relays older than the relay-wide budget).
 *
 * `--pinned`: each source's message is written together with 884 duplicates of another source's first
 * message (dropped by the relay, so not kept), about 64 KiB per write: every read chunk is then kept
 * alive by one 74-byte message — the worst case of zero-copy rings.
 *
 * ```sh
 * npx tsx tests/relay/rss-many-sources.ts [--sources 20000] [--pinned] [--root DIR] [-- extra ap relay args]
 * deno run -A tests/relay/rss-many-sources.ts …   # the relay child then runs under Deno too
 * ```
 * `--root` points at another checkout's main.ts directory (e.g. the commit before a change), so both
 * sides are measured in one run with the same client.
 *
 * @module
 */

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { rawPeer, Role, sleep, spawnRelay, tempDir, TradeSource, until } from "./helpers.ts";
import { installRuntimePlatform } from "../../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const opt = (name: string): string | undefined => {
  const i = own.indexOf(name);
  return i >= 0 ? own[i + 1] : undefined;
};
const sources = Number(opt("--sources") ?? 20_000);
const root = opt("--root");
const pinned = own.includes("--pinned");

const env = tempDir();
const socket = path.join(env.dir, "md.sock");
const relay = await spawnRelay(socket, extra, root === undefined ? undefined : path.join(root, "main.ts"));
try {
  const pid = relay.child.pid!;
  const pub = await rawPeer(socket, { serviceId: 7, role: Role.Publisher });
  const sub = await rawPeer(socket, { serviceId: 60, role: Role.Subscriber });
  await sleep(300); // both Hellos taken
  const filler: Uint8Array[] = [];
  if (pinned) {
    const first = new TradeSource(999).next().slice();
    pub.conn.write([first]);
    await until(() => sub.messages.length === 1);
    sub.messages.length = 0;
    for (let i = 0; i < 884; i++) filler.push(first);
  }
  await sleep(300);
  const before = rssMiB(pid);
  for (let s = 0; s < sources; s++) {
    pub.conn.write([new TradeSource(1000 + (s % 64000)).next().slice(), ...filler]);
    await until(() => sub.messages.length === s + 1, 10_000, `message ${s + 1} back`);
    sub.messages[s] = new Uint8Array(0);
  }
  await sleep(500);
  const after = rssMiB(pid);
  pub.conn.close();
  sub.conn.close();
  const stopped = await relay.stop();
  const num = (k: string): number | undefined => (typeof stopped?.[k] === "number" ? (stopped[k] as number) : undefined);
  console.log(JSON.stringify({
    runtime: typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node",
    root: root ?? "this checkout", extra, sources, pinned, rssBeforeMiB: before, rssAfterMiB: after,
    rssGrowthMiB: Math.round((after - before) * 10) / 10,
    ringBytes: num("ringBytes"), ringSources: num("ringSources"), ringBudgetEvictions: num("ringBudgetEvictions"),
  }));
} finally {
  await relay.stop();
  env.cleanup();
}

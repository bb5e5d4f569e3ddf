/**
 * One worker thread of the threads deployment of the end-to-end benchmark (`ap bench e2e --deployment
 * threads`), started by `bench/e2e-local.ts`. An entry script: it installs the platform, then takes its
 * stage from the first message on its link and runs it over ring endpoints (`e2e-roles.ts`):
 *
 * - `{ role: "relay", domain, name }` — a relay on ring `name`; `{ op: "serve", port }` serves a client
 *   thread's route; answers `{ ready }`, and `{ metrics }` on `{ op: "stop" }`.
 * - `{ role: "strategy", md, sig }` (route ports) — `{ ready }`; `{ op: "stop" }` answers `{ strategy }`.
 * - `{ role: "consumer", sig }` — `{ ready }`; `reset` → `{ reset }`, `report` → `{ report }`.
 * - `{ role: "pub", md, seconds, rate, source }` — publishes, answers `{ published }`.
 *
 * @module
 */

import { installRuntimePlatform } from "../app/platform/select.ts";
import { platform } from "../core/platform.ts";
import type { RelayDomain } from "../protocol/mod.ts";
import { addRingRoute, serveRingPort } from "../relay/transport/ring-transport.ts";
import { THREADS } from "../relay/transport/threads.ts";
import type { Endpoint } from "../relay/transport/types.ts";
import { E2E_RINGS, runStagePublisher, startStageConsumer, startStageRelay, startStageStrategy, type E2eThreadRole } from "./e2e-roles.ts";

installRuntimePlatform();

const link = await (await platform().load(THREADS)).parentLink();
const ring = (name: string): Endpoint => ({ kind: "ring", name });

function routes(r: E2eThreadRole): void {
  if (r.md) addRingRoute(E2E_RINGS.md, r.md);
  if (r.sig) addRingRoute(E2E_RINGS.sig, r.sig);
}

async function stage(r: E2eThreadRole): Promise<void> {
  routes(r);
  if (r.role === "relay") {
    const relay = await startStageRelay(r.domain as RelayDomain, ring(r.name!));
    link.onmessage = (e: MessageEvent) => {
      const m = e.data as { op: string; port?: MessagePort };
      if (m.op === "serve" && m.port) serveRingPort(m.port);
      if (m.op === "stop") {
        link.postMessage({ metrics: relay.metrics() });
        void relay.close();
      }
    };
    link.postMessage({ ready: true });
  } else if (r.role === "strategy") {
    const s = await startStageStrategy(ring(E2E_RINGS.md), ring(E2E_RINGS.sig));
    link.onmessage = async (e: MessageEvent) => {
      if ((e.data as { op: string }).op === "stop") link.postMessage({ strategy: await s.stop() });
    };
    link.postMessage({ ready: true });
  } else if (r.role === "consumer") {
    const c = await startStageConsumer(ring(E2E_RINGS.sig));
    link.onmessage = (e: MessageEvent) => {
      const op = (e.data as { op: string }).op;
      if (op === "reset") {
        c.reset();
        link.postMessage({ reset: true });
      } else if (op === "report") link.postMessage({ report: c.report() });
      else if (op === "stop") void c.close();
    };
    link.postMessage({ ready: true });
  } else {
    link.postMessage({ published: await runStagePublisher(ring(E2E_RINGS.md), r.seconds ?? 3, r.rate ?? 0, r.source ?? 1, r.wait ?? "sleep") });
  }
}

link.onmessage = (e: MessageEvent) => {
  link.onmessage = null;
  void stage(e.data as E2eThreadRole);
};

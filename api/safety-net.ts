/**
 * A process-level safety net for the API service: a promise rejection nobody handled is logged and
 * counted instead of ending the process (which would take the HTTP kill switch down with it). It is a
 * net, not a fix: every known path handles its own errors; the counter (in `/metrics`) shows a missed one.
 *
 * @module
 */

import process from "node:process";
import type { Logger } from "../core/log.ts";
import { IS_DENO } from "../core/platform.ts";

/** An installed net. */
export interface RejectionNet {
  /** Unhandled rejections caught so far. */
  readonly count: number;
  /** Removes the net. */
  uninstall(): void;
}

interface RejectionEvent extends Event {
  reason: unknown;
}

/** Installs the net for this process (Deno: the `unhandledrejection` event; Node: `process`'s). */
export function installRejectionNet(log: Logger): RejectionNet {
  let count = 0;
  const note = (reason: unknown) => {
    count++;
    log.error("unhandled promise rejection (kept running)", {
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason), total: count,
    });
  };
  let uninstall: () => void;
  if (IS_DENO) {
    const onEvent = (e: Event) => {
      e.preventDefault();
      note((e as RejectionEvent).reason);
    };
    globalThis.addEventListener("unhandledrejection", onEvent);
    uninstall = () => globalThis.removeEventListener("unhandledrejection", onEvent);
  } else {
    process.on("unhandledRejection", note);
    uninstall = () => process.off("unhandledRejection", note);
  }
  return {
    get count() {
      return count;
    },
    uninstall,
  };
}

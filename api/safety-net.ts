/**
 * A process-level safety net for the API service: a promise rejection nobody handled is logged and
 * counted instead of ending the process (which would take the HTTP kill switch down with it). It is a
 * net, not a fix: every known path handles its own errors; the counter (in `/metrics`) shows a missed one.
 *
 * @module
 */

import type { Logger } from "../core/log.ts";
import { platform } from "../core/platform.ts";

/** An installed net. */
export interface RejectionNet {
  /** Unhandled rejections caught so far. */
  readonly count: number;
  /** Removes the net. */
  uninstall(): void;
}

/** Installs the net for this process, through the installed platform (Deno: the `unhandledrejection` event; Node: `process`'s). */
export function installRejectionNet(log: Logger): RejectionNet {
  let count = 0;
  const note = (reason: unknown) => {
    count++;
    log.error("unhandled promise rejection (kept running)", {
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason), total: count,
    });
  };
  const uninstall = platform().onUnhandledRejection(note);
  return {
    get count() {
      return count;
    },
    uninstall,
  };
}

/**
 * Test helper: reads the real recorded sessions in `../shared/data/` (when that directory exists) as
 * PROTOCOL §8 capture events. cryptofeed's sample files use `<ts>: <frame>` for received frames,
 * `URL <-> ts` for a connect, `URL <- ts: frame` for a sent frame and `URL -> ts: body` for a REST
 * response; several files of one venue are merged by time.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { CaptureEvent } from "../../adapters/common/capture.ts";

/**
 * `../shared/data` relative to the repository (or `$ALPHAPULSE_SHARED_DATA`, for a checkout elsewhere, such
 * as a git worktree), or undefined when absent.
 */
export const SHARED_DATA: string | undefined = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = process.env.ALPHAPULSE_SHARED_DATA ?? resolve(here, "../../../shared/data");
  return existsSync(dir) ? dir : undefined;
})();

function toNanos(seconds: string): bigint {
  const [s, f = ""] = seconds.split(".");
  return BigInt(s!) * 1_000_000_000n + BigInt((f + "000000000").slice(0, 9));
}

/** Parses one cryptofeed sample file into capture events. */
export function readCryptofeedFile(path: string): CaptureEvent[] {
  const out: CaptureEvent[] = [];
  let lastUrl = "";
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.length === 0) continue;
    let m = /^(\S+) <-> ([\d.]+)$/.exec(line);
    if (m) {
      lastUrl = m[1]!;
      out.push({ t: toNanos(m[2]!), kind: "connect", url: m[1]! });
      continue;
    }
    m = /^(\S+) <- ([\d.]+): (.*)$/.exec(line);
    if (m) {
      out.push({ t: toNanos(m[2]!), kind: "sent", url: m[1]!, data: m[3]! });
      continue;
    }
    m = /^(\S+) -> ([\d.]+): (.*)$/.exec(line);
    if (m) {
      out.push({ t: toNanos(m[2]!), kind: "rest", url: m[1]!, data: m[3]! });
      continue;
    }
    m = /^([\d.]+): (.*)$/.exec(line);
    if (m) out.push({ t: toNanos(m[1]!), kind: "recv", url: lastUrl, data: m[2]! });
  }
  return out;
}

/** Merges several cryptofeed files of one venue into one capture, ordered by time (stable). */
export function readCryptofeed(...names: string[]): CaptureEvent[] {
  if (!SHARED_DATA) return [];
  const all = names.flatMap((n) => readCryptofeedFile(join(SHARED_DATA!, "cryptofeed/sample_data", n)).map((e, i) => ({ e, i, n })));
  all.sort((a, b) => (a.e.t < b.e.t ? -1 : a.e.t > b.e.t ? 1 : a.n === b.n ? a.i - b.i : 0));
  return all.map((x) => x.e);
}

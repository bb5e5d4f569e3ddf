import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until as waitUntil } from "../runtime/helpers.ts";

/**
 * Disk full for the journal (issue 8), in the whole supervised demo: the execution service's journal
 * directory is a real 8 KiB tmpfs, so its writes fail with ENOSPC once it fills. The journal must say
 * so clearly (counted write errors, the file and ENOSPC in `lastError`, dropped messages counted) and
 * the hot path must keep running: the same execution process keeps planning, checking and filling
 * orders. Needs root to mount a tmpfs (skipped otherwise; `tests/runtime/journal-recovery.test.ts`
 * covers the journal alone with /dev/full everywhere).
 */

function canMount(): boolean {
  if (process.platform !== "linux") return false;
  const probe = mkdtempSync(join(tmpdir(), "ap-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const MOUNT = canMount();
const dir = mkdtempSync(join(tmpdir(), "ap-diskfull-"));
const journalDir = join(dir, "run", "journal");
let system: RunningSystem | undefined;
let mounted = false;

interface PortfolioBody {
  totals: { fills: number };
  journal: { appended: number; written: number; droppedMessages: number; writeErrors: number; lastError: string | null };
}

const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> => waitUntil(what, probe, ms, 250);

describe.skipIf(!MOUNT)("disk full for the journal (8 KiB tmpfs) in the supervised demo", () => {
  beforeAll(async () => {
    // The runtime directory and its journal must be private (ap start refuses anything else).
    mkdirSync(journalDir, { recursive: true, mode: 0o700 });
    chmodSync(join(dir, "run"), 0o700);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k,mode=0700", "tmpfs", journalDir]);
    mounted = true;
    system = await startDemo(join(dir, "run"), "disk-full-test", "error");
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (mounted) execFileSync("umount", ["-l", journalDir]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("reports ENOSPC clearly, counts what it drops, and keeps trading in the same process", async () => {
    const s = system!;
    const portfolio = async (): Promise<PortfolioBody | undefined> => {
      const r = await fetch(`${s.apiUrl}/portfolio`, { headers: { authorization: `Bearer ${s.token}` } });
      return r.status === 200 ? ((await r.json()) as PortfolioBody) : undefined;
    };
    const exec = () => s.services().find((x) => x.name === "execution")!;
    const full = await until("journal write error", async () => {
      const p = await portfolio();
      return p && p.journal.writeErrors > 0 ? p : undefined;
    });
    const pid = exec().pid;
    // Node says "ENOSPC: no space left on device", Deno "No space left on device (os error 28)".
    expect(full.journal.lastError).toMatch(/ENOSPC|No space left on device/i);
    expect(full.journal.lastError).toContain(journalDir);
    expect(full.journal.droppedMessages).toBeGreaterThan(0);
    // The hot path keeps running: more fills in the same process while the journal cannot write.
    const later = await until("more fills after the disk filled", async () => {
      const p = await portfolio();
      return p && p.totals.fills > full.totals.fills ? p : undefined;
    });
    expect(later.journal.writeErrors).toBeGreaterThanOrEqual(full.journal.writeErrors);
    expect(later.journal.appended).toBeGreaterThan(full.journal.appended);
    expect(exec()).toMatchObject({ state: "running", pid, restarts: 0 });
    process.stdout.write(`fault-injection disk-full: ${JSON.stringify({ atFirstError: full.journal, fillsThen: full.totals.fills, later: later.journal, fillsLater: later.totals.fills })}\n`);
  }, 240_000);
});

import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  MessageView, OrderStatus, OrderType, RejectReason, Side, decodeMessage, encodeMessage, pairInstrument, Venue, type FillTlv, type OrderAckTlv,
} from "../../protocol/mod.ts";
import { Journal, JournalPositionError, journalFiles, readJournal, type JournalPosition } from "../../runtime/journal.ts";
import { RecoveryManager, snapshotDigestInput, type RecoveryLog, type Snapshot } from "../../runtime/recovery.ts";
import { expireLostOrders } from "../../runtime/service/execution-service.ts";
import { parseConfig } from "../../trading/config.ts";
import { RiskConfigSchema } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";

const root = mkdtempSync(join(tmpdir(), "ap-recovery-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (name: string) => join(root, `${name}-${dirs++}`);

function fill(sequence: bigint, qty: bigint): Uint8Array {
  const tlv: FillTlv = {
    type: 42, name: "Fill", orderId: sequence, instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1,
    liquidity: 2, price: 3_000_000_000_000n, quantity: qty, fee: 10n, filledAt: sequence,
  };
  return encodeMessage({ relayDomain: 3, source: 41, sequence, timestamp: sequence }, [tlv]);
}
const qtyOf = (m: Uint8Array): bigint => new DataView(m.buffer, m.byteOffset).getBigInt64(32 + 2 + 32, true);

/** A toy service: the sum and count of filled quantities, its snapshot `{ sum, count }` (validated). */
class Sum {
  sum = 0n;
  count = 0;
  apply = (m: Uint8Array): void => {
    this.sum += qtyOf(m);
    this.count++;
  };
  restore = (s: unknown): void => {
    const x = s as { sum?: unknown; count?: unknown };
    if (typeof x?.sum !== "string" || typeof x.count !== "number") throw new Error("state.sum: must be decimal text");
    this.sum = BigInt(x.sum);
    this.count = x.count;
  };
  snap = () => ({ sum: String(this.sum), count: this.count });
}

class Logs implements RecoveryLog {
  readonly warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  readonly infos: { message: string; fields?: Record<string, unknown> }[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.infos.push({ message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings.push({ message, fields });
  }
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of it) out.push(m);
  return out;
}

/** A journal of `n` fills written in small rotating files, with a checkpointed snapshot after `cut` of them. */
async function journalWithSnapshot(n: number, cut: number, maxFileBytes = 1_000) {
  const jdir = freshDir("journal");
  const log = new Logs();
  const rm = new RecoveryManager({ dir: freshDir("state"), service: "exec", journal: { dir: jdir, prefix: "exec" }, log });
  const j = await Journal.open({ dir: jdir, prefix: "exec", maxFileBytes, flushIntervalMs: 0 });
  const live = new Sum();
  for (let i = 1; i <= n; i++) {
    const m = fill(BigInt(i), BigInt(i * 7 % 13 + 1));
    j.append(m);
    live.apply(m);
    if (i % 5 === 0) await j.flush();
    if (i === cut) {
      const { value, position } = await j.checkpoint(live.snap);
      await rm.save(value, position, { "41": String(i) });
    }
  }
  await j.close();
  return { jdir, rm, log, live };
}

describe("journal positions", () => {
  it("a checkpoint's state covers exactly the journal before its position, across rotations", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(fc.constant("append" as const), fc.constant("flush" as const), fc.constant("checkpoint" as const)), { minLength: 1, maxLength: 80 }),
      async (ops) => {
        const dir = freshDir("cp");
        const j = await Journal.open({ dir, prefix: "exec", maxFileBytes: 600, flushIntervalMs: 0 });
        let count = 0;
        const pending: Promise<{ value: number; position: JournalPosition }>[] = [];
        for (const op of ops) {
          if (op === "append") j.append(fill(BigInt(++count), 1n));
          else if (op === "flush") void j.flush();
          else pending.push(j.checkpoint(() => count)); // not awaited: appends go on while it writes
        }
        const checkpoints = await Promise.all(pending);
        await j.close();
        const all = await collect(readJournal(dir, "exec"));
        expect(all.length).toBe(count);
        for (const { value, position } of checkpoints) {
          const tail = await collect(readJournal(dir, "exec", position));
          expect(tail.length).toBe(count - value);
          if (tail.length > 0) expect(tail[0]).toEqual(all[value]);
        }
      },
    ), { numRuns: 40 });
  });

  it("refuses a position the journal no longer holds, or one past the end of its file", async () => {
    const { jdir } = await journalWithSnapshot(40, 20);
    const files = await journalFiles(jdir, "exec");
    expect(files.length).toBeGreaterThan(3);
    const first = basename(files[0]!);
    rmSync(files[0]!);
    await expect(collect(readJournal(jdir, "exec", { file: first, offset: 10 }))).rejects.toBeInstanceOf(JournalPositionError);
    const second = files[1]!;
    await expect(collect(readJournal(jdir, "exec", { file: basename(second), offset: statSync(second).size + 1 }))).rejects.toThrow(/fewer than the position/);
    await expect(collect(readJournal(jdir, "exec", { file: "other-000001.bin", offset: 0 }))).rejects.toThrow(/not a position in journal exec/);
    // The end of a file, and a file not written yet, are valid positions.
    expect((await collect(readJournal(jdir, "exec", { file: basename(second), offset: statSync(second).size }))).length).toBeGreaterThan(0);
    const next = `exec-${String(files.length).padStart(6, "0")}.bin`;
    expect(await collect(readJournal(jdir, "exec", { file: next, offset: 0 }))).toEqual([]);
  });

  it("after a failed write, the checkpoint position starts the next file (the state covers the lost batch)", async () => {
    const dir = freshDir("full");
    const j = await Journal.open({ dir, prefix: "exec", maxFileBytes: 200, flushIntervalMs: 0 });
    j.append(fill(1n, 1n));
    await j.flush(); // exec-000000.bin
    symlinkSync("/dev/full", join(dir, "exec-000001.bin"));
    j.append(fill(2n, 1n));
    j.append(fill(3n, 1n)); // this batch does not fit: rotation onto the full device
    const cp = await j.checkpoint(() => 3);
    expect(cp.written).toBe(false);
    expect(cp.position).toEqual({ file: "exec-000002.bin", offset: 0 });
    j.append(fill(4n, 9n));
    await j.close();
    rmSync(join(dir, "exec-000001.bin"));
    expect((await collect(readJournal(dir, "exec", cp.position))).map(qtyOf)).toEqual([9n]);
  });
});

describe("RecoveryManager.recover", () => {
  it("restores the snapshot and applies only the tail, across rotated files", async () => {
    const { rm, log, live } = await journalWithSnapshot(120, 77);
    const restarted = new Sum();
    const report = await rm.recover(restarted);
    expect(report).toMatchObject({ mode: "snapshot", replayedMessages: 43 });
    expect(restarted.sum).toBe(live.sum);
    expect(restarted.count).toBe(120);
    expect(log.warnings).toEqual([]);
    expect(log.infos[0]!.fields).toMatchObject({ tailMessages: 43 });
  });

  /** Rewrites the snapshot with `edit` applied to its text and a checksum that matches again (a well-formed but unusable snapshot). */
  const resealed = (p: string, edit: (text: string) => string) => {
    const snap = JSON.parse(edit(readFileSync(p, "utf8"))) as Snapshot;
    writeFileSync(p, JSON.stringify({ ...snap, sha256: createHash("sha256").update(snapshotDigestInput(snap)).digest("hex") }));
  };
  const fallbacks: [string, (path: string) => void, RegExp][] = [
    ["corrupt JSON", (p) => writeFileSync(p, readFileSync(p, "utf8").slice(0, 40)), /not JSON/],
    ["an empty file", (p) => writeFileSync(p, ""), /not JSON/],
    ["another file format version", (p) => writeFileSync(p, readFileSync(p, "utf8").replace('"version":2', '"version":7')), /file version 7/],
    ["a changed value in valid JSON (checksum)", (p) => writeFileSync(p, readFileSync(p, "utf8").replace(/"sum":"(\d+)"/, '"sum":"9$1"')), /checksum mismatch/],
    ["a state the service refuses", (p) => resealed(p, (t) => t.replace(/"sum":"\d+"/, '"sum":12')), /refused|state\.sum/],
    ["a bad position", (p) => resealed(p, (t) => t.replace(/"offset":\d+/, '"offset":-3')), /position/],
    ["a position past the end of the journal", (p) => resealed(p, (t) => t.replace(/"offset":\d+/, '"offset":999999')), /fewer than the position/],
  ];
  for (const [what, damage, reason] of fallbacks) {
    it(`falls back to a full replay, with a warning, on ${what}`, async () => {
      const { rm, log, live } = await journalWithSnapshot(60, 30);
      damage(rm.path);
      const restarted = new Sum();
      const report = await rm.recover(restarted);
      expect(report.mode).toBe("full");
      expect(report.replayedMessages).toBe(60);
      expect(report.fallbackReason).toMatch(reason);
      expect(report.problem?.path).toBe(rm.path);
      expect(report.problem?.movedTo).toMatch(/\.unusable-/);
      expect(readdirSync(dirname(rm.path)).some((f) => f.includes(".unusable-"))).toBe(true);
      expect(restarted.sum).toBe(live.sum);
      expect(restarted.count).toBe(60);
      expect(log.warnings.length).toBe(1);
      expect(log.warnings[0]!.message).toMatch(/no usable snapshot/);
    });
  }

  it("falls back to a full replay when rotation removed the snapshot's file", async () => {
    const { jdir, rm, log } = await journalWithSnapshot(60, 30);
    const snap = await rm.load();
    rmSync(join(jdir, snap!.position!.file));
    const report = await rm.recover(new Sum());
    expect(report.mode).toBe("full");
    expect(report.fallbackReason).toMatch(/rotated away/);
    expect(log.warnings.length).toBe(1);
  });

  it("without a snapshot: a full replay, a warning only when the journal had something", async () => {
    const jdir = freshDir("nosnap");
    const log = new Logs();
    const rm = new RecoveryManager({ dir: freshDir("state"), service: "exec", journal: { dir: jdir, prefix: "exec" }, log });
    expect(await rm.recover(new Sum())).toMatchObject({ mode: "full", replayedMessages: 0 });
    expect(log.warnings).toEqual([]);
    const j = await Journal.open({ dir: jdir, prefix: "exec", flushIntervalMs: 0 });
    j.append(fill(1n, 5n));
    await j.close();
    const s = new Sum();
    expect(await rm.recover(s)).toMatchObject({ mode: "full", replayedMessages: 1, fallbackReason: expect.stringMatching(/no snapshot/), problem: { kind: "missing" } });
    expect(s.sum).toBe(5n);
    expect(log.warnings.length).toBe(1);
  });

  it("writes atomically: no temp file left, the previous snapshot intact until the rename", async () => {
    const { rm } = await journalWithSnapshot(10, 5);
    const before = readFileSync(rm.path, "utf8");
    await rm.save({ sum: "1", count: 1 }, { file: "exec-000000.bin", offset: 0 }, {});
    expect(readFileSync(rm.path, "utf8")).not.toBe(before);
    expect(() => statSync(`${rm.path}.tmp`)).toThrow();
    expect(JSON.parse(readFileSync(rm.path, "utf8"))).toMatchObject({ format: "alphapulse-snapshot", version: 2, service: "exec", state: { sum: "1" } });
    expect(statSync(rm.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(rm.path)).mode & 0o777).toBe(0o700);
    expect(readdirSync(dirname(rm.path)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("periodic snapshots never overlap; failures are counted, not thrown", async () => {
    const rm = new RecoveryManager({ dir: freshDir("per"), service: "exec", journal: { dir: freshDir("j"), prefix: "exec" } });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    rm.startPeriodic(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      runs++;
      if (runs === 2) throw new Error("disk full");
    }, 5);
    await new Promise((r) => setTimeout(r, 200));
    await rm.stopPeriodic();
    expect(runs).toBeGreaterThan(2);
    expect(maxRunning).toBe(1);
    expect(rm.failures).toBe(1);
    expect(rm.lastError).toMatch(/disk full/);
  });
});

describe("execution service restart", () => {
  it("expires, as the paper venue, the orders a restored risk manager still counts as open", () => {
    const risk = new RiskManager(parseConfig(RiskConfigSchema, {}));
    const view = new MessageView();
    // Journaled: two orders the risk manager forwarded (source 40); one got filled before the crash.
    for (const orderId of [7n, 8n]) {
      risk.replay(view.wrap(encodeMessage({ relayDomain: 3, source: 40, sequence: orderId, timestamp: 1_000n + orderId }, [{
        type: 40, name: "OrderRequest", orderId, instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: Side.Buy, orderType: OrderType.Limit,
        strategyId: 21, price: 3_000_000_000_000n, quantity: 100_000_000n, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0,
      }])));
    }
    const filled = fill(8n, 100_000_000n);
    risk.replay(view.wrap(filled));
    expect(risk.openOrders).toBe(1);
    const published: Uint8Array[] = [];
    const ids = expireLostOrders(risk, 41, (b) => {
      published.push(b.slice());
      risk.onMessage(view.wrap(b.slice()));
    });
    expect(ids).toEqual([7n]);
    expect(risk.openOrders).toBe(0);
    const ack = decodeMessage(published[0]!);
    expect(ack.header).toMatchObject({ relayDomain: 3, source: 41, timestamp: 1_008n });
    expect(ack.tlvs[0] as OrderAckTlv).toMatchObject({ name: "OrderAck", orderId: 7n, status: OrderStatus.Expired, rejectReason: RejectReason.Venue });
    expect(expireLostOrders(risk, 41, () => {})).toEqual([]);
  });
});

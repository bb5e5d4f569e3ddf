import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMessage, pairInstrument, Venue, type FillTlv } from "../../protocol/mod.ts";
import { Journal, journalFiles, readJournal } from "../../runtime/journal.ts";
import { RecoveryManager } from "../../runtime/recovery.ts";

const root = mkdtempSync(join(tmpdir(), "ap-journal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fill(source: number, sequence: bigint, qty: bigint): Uint8Array {
  const tlv: FillTlv = {
    type: 42, name: "Fill", orderId: sequence, instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1,
    liquidity: 2, price: 3_000_000_000_000n, quantity: qty, fee: 10n, filledAt: sequence,
  };
  return encodeMessage({ relayDomain: 3, source, sequence, timestamp: sequence }, [tlv]);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of it) out.push(m);
  return out;
}

describe("Journal", () => {
  it("appends, fsyncs per batch, rotates, and reads back every message in order", async () => {
    const dir = join(root, "rotate");
    const j = await Journal.open({ dir, prefix: "exec", maxFileBytes: 1_000, flushIntervalMs: 0 });
    const sent: Uint8Array[] = [];
    for (let i = 1; i <= 60; i++) {
      const m = fill(40, BigInt(i), BigInt(i));
      sent.push(m);
      j.append(m);
      if (i % 7 === 0) await j.flush();
    }
    await j.close();
    expect((await journalFiles(dir, "exec")).length).toBeGreaterThan(3);
    const back = await collect(readJournal(dir, "exec"));
    expect(back).toEqual(sent);
    expect(j.stats()).toMatchObject({ appended: 60, written: 60, droppedMessages: 0, writeErrors: 0 });
  });

  it("creates its directory 0700 and its files 0600", async () => {
    const dir = join(root, "private", "journal");
    const j = await Journal.open({ dir, prefix: "exec", flushIntervalMs: 0 });
    j.append(fill(40, 1n, 1n));
    await j.close();
    const [file] = await journalFiles(dir, "exec");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
  });

  it("ignores a torn tail left by a crash mid-write", async () => {
    const dir = join(root, "torn");
    const j = await Journal.open({ dir, prefix: "exec", flushIntervalMs: 0 });
    j.append(fill(40, 1n, 1n));
    j.append(fill(40, 2n, 2n));
    await j.close();
    const [file] = await journalFiles(dir, "exec");
    const whole = readFileSync(file!);
    writeFileSync(file!, Buffer.concat([whole, fill(40, 3n, 3n).subarray(0, 50)]));
    const back = await collect(readJournal(dir, "exec"));
    expect(back.length).toBe(2);
  });

  it("reports a full disk clearly, drops and counts that batch, keeps accepting, and recovers", async () => {
    const dir = join(root, "full");
    const j = await Journal.open({ dir, prefix: "exec", maxFileBytes: 200, flushIntervalMs: 0 });
    j.append(fill(40, 1n, 1n));
    await j.flush(); // exec-000000.bin
    symlinkSync("/dev/full", join(dir, "exec-000001.bin")); // the next rotation lands on a full device
    j.append(fill(40, 2n, 2n));
    j.append(fill(40, 3n, 3n));
    await j.flush();
    const s = j.stats();
    expect(s.writeErrors).toBe(1);
    expect(s.droppedMessages).toBe(2);
    expect(s.lastError).toMatch(/journal exec: write to .*exec-000001\.bin failed: .*(ENOSPC|No space)/);
    j.append(fill(40, 4n, 4n)); // the hot path keeps going
    await j.flush();
    await j.close();
    expect(j.stats().written).toBe(2);
    expect(existsSync(join(dir, "exec-000002.bin"))).toBe(true);
  });
});

describe("RecoveryManager", () => {
  it("restores a snapshot and replays only the journal tail after its position", async () => {
    const jdir = join(root, "rec-journal");
    const j = await Journal.open({ dir: jdir, prefix: "execution", flushIntervalMs: 0 });
    // A portfolio whose state is the sum of filled quantities.
    let position = 0n;
    const apply = (m: Uint8Array) => {
      const dv = new DataView(m.buffer, m.byteOffset);
      position += dv.getBigInt64(32 + 2 + 32, true);
    };
    const rm = new RecoveryManager({ dir: join(root, "snap"), service: "portfolio", journal: { dir: jdir, prefix: "execution" } });
    for (let i = 1n; i <= 10n; i++) {
      const m = fill(40, i, i);
      j.append(m);
      apply(m);
      if (i === 6n) {
        const { value, position: at } = await j.checkpoint(() => ({ position: position.toString() }));
        await rm.save(value, at, { "40": "6" });
      }
    }
    await j.close();
    const before = position;

    // "Restart": fresh state from snapshot + journal tail.
    position = 0n;
    const report = await rm.recover({ restore: (s) => (position = BigInt((s as { position: string }).position)), apply });
    expect(report).toMatchObject({ mode: "snapshot", replayedMessages: 4 });
    expect(position).toBe(before);
    expect(position).toBe(55n);
  });

  it("returns undefined without a snapshot and rejects another service's file", async () => {
    const dir = join(root, "snap2");
    const a = new RecoveryManager({ dir, service: "a", journal: { dir, prefix: "x" } });
    expect(await a.load()).toBeUndefined();
    await a.save({ v: 1 }, { file: "x-000000.bin", offset: 0 }, {});
    writeFileSync(join(dir, "b.snapshot.json"), readFileSync(join(dir, "a.snapshot.json")));
    const b = new RecoveryManager({ dir, service: "b", journal: { dir, prefix: "x" } });
    await expect(b.load()).rejects.toThrow(/belongs to a, not b/);
  });
});

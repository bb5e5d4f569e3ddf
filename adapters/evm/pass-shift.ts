/**
 * The EVM {@link PassShifter}: each pass of a looping replay continues the chain where the last pass
 * left it, as a node would serve it —
 * - block numbers (`blockNumber`, `number`, `eth_blockNumber` answers, `eth_getLogs` ranges) move on by
 *   the capture's span of blocks, block times (`timestamp`, `blockTimestamp`) by the pass's seconds;
 * - block, transaction and parent hashes and subscription ids get a pass of their own (XORed with a
 *   per-pass mask), and the first block's parent is the previous pass's last block;
 * - the adapter's JSON-RPC ids move on: numeric ids by the capture's span, the `session:` prefix of
 *   string ids by its connects, `tip:N` by its tip requests, `logs:A:B` by its blocks.
 * Log indexes and transaction indexes are positions inside a block and stay as recorded.
 *
 * A simulated chain's clock may be far from the capture's (the project's fixtures: blocks of 2025 in a
 * capture of 2026, so every block looked a year old). When the capture's last head is more than an hour
 * off its receive time, every block time — pass 0 included — is moved by whole seconds so that the
 * last head arrives within a second of its block time; earlier heads then look as late as the
 * simulator compressed them, never early.
 *
 * A pass begins with a connect, so the adapter — having seen blocks before — backfills: it asks
 * `eth_blockNumber` and `eth_getLogs` in a session whose answers the capture does not hold. The shifter
 * answers them as the node would ({@link EvmPassShifter.answer}): the highest block served so far, and
 * the logs it served in the asked range (it keeps the last {@link KEPT_BLOCKS} blocks, after reorgs).
 *
 * @module
 */

import type { CaptureEvent } from "../common/capture.ts";
import { fieldOf, intValue, stringValue, type JsonObjectSpans, type TextEdit } from "../common/json-spans.ts";
import {
  editHexId, editHexQuantity, editInt, IdSpan, JsonPassShifter, maskHexId, shiftHexQuantity,
} from "../common/pass-shift.ts";

/** Blocks of served logs kept for answering backfills. */
export const KEPT_BLOCKS = 64;

/** Seconds between blocks assumed when the capture shows fewer than two heads. */
const DEFAULT_BLOCK_SECONDS = 2;

const SESSION_ID = /^(\d+):(.*)$/;

interface KeptBlock {
  hash: string;
  logs: Map<number, unknown>;
}

function hexNumber(text: string, obj: JsonObjectSpans, key: string): number | undefined {
  const v = stringValue(text, fieldOf(obj, key));
  return v !== undefined && /^0x[0-9a-fA-F]{1,13}$/.test(v) ? parseInt(v.slice(2), 16) : undefined;
}

/** Moves an EVM chain's blocks, hashes, ids and times on from pass to pass, and answers each pass's backfill. */
export class EvmPassShifter extends JsonPassShifter {
  private readonly blocks = new IdSpan();
  private readonly rpcIds = new IdSpan();
  private readonly tips = new IdSpan();
  private sessions = 0;
  private lowestHead = Number.POSITIVE_INFINITY;
  private lowestHeadTime = 0;
  private anchorParent = "";
  private highestHead = Number.NEGATIVE_INFINITY;
  private highestHeadTime = 0;
  private tailHash = "";
  private tailReceivedSec = 0;
  /** Whole seconds added to every block time (see the module notes), 0 for a chain on the capture's clock. */
  private alignSeconds = 0;
  /** String ids the capture answers in pass 0. */
  private readonly answered = new Set<string>();
  private answeredPass = -1;
  private answeredShifted = new Set<string>();
  /** What the node has served so far (after shifting). */
  private headNow = -1;
  private tipNow = "0x0";
  private readonly kept = new Map<number, KeptBlock>();

  override learn(ev: CaptureEvent): void {
    if (ev.kind === "connect") this.sessions++;
    super.learn(ev);
  }

  protected learnObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], ev: CaptureEvent): void {
    if (obj.parent === -1) {
      const idField = fieldOf(obj, "id");
      const numeric = intValue(text, idField);
      if (numeric !== undefined) this.rpcIds.note(numeric);
      const id = stringValue(text, idField);
      if (id !== undefined) {
        const tip = /^\d+:tip:(\d+)$/.exec(id);
        if (tip !== null) this.tips.note(Number(tip[1]));
        // The blocks a backfill reads (which may begin before the first block seen) belong to the pass too.
        const logs = /^\d+:logs:(\d+):(\d+)$/.exec(id);
        if (logs !== null) {
          this.blocks.note(Number(logs[1]));
          this.blocks.note(Number(logs[2]));
        }
        if (/^\d+:bn$/.test(id)) {
          const head = hexNumber(text, obj, "result");
          if (head !== undefined) this.blocks.note(head);
        }
        if (ev.kind === "recv" && (fieldOf(obj, "result") !== undefined || fieldOf(obj, "error") !== undefined)) this.answered.add(id);
      }
      return;
    }
    for (const key of ["fromBlock", "toBlock"]) {
      const b = hexNumber(text, obj, key);
      if (b !== undefined) this.blocks.note(b);
    }
    const log = hexNumber(text, obj, "blockNumber");
    if (log !== undefined && fieldOf(obj, "logIndex") !== undefined) this.blocks.note(log);
    const head = hexNumber(text, obj, "number");
    if (head === undefined || fieldOf(obj, "parentHash") === undefined) return;
    this.blocks.note(head);
    const time = hexNumber(text, obj, "timestamp") ?? 0;
    if (head < this.lowestHead) {
      this.lowestHead = head;
      this.lowestHeadTime = time;
      this.anchorParent = stringValue(text, fieldOf(obj, "parentHash")) ?? "";
    }
    if (head >= this.highestHead) {
      this.highestHead = head;
      this.highestHeadTime = time;
      this.tailHash = stringValue(text, fieldOf(obj, "hash")) ?? "";
      this.tailReceivedSec = Number(ev.t / 1_000_000_000n);
    }
  }

  /**
   * True when the block before the capture's first head is, one pass on, its last head: the first head
   * of a pass then names the previous pass's last head as its parent. (When the capture also reads
   * blocks before its first head, a pass leaves those as blocks without logs, and the parent stays a
   * block the replay never showed.)
   */
  private get linked(): boolean {
    return this.tailHash !== "" && this.lowestHead - 1 + this.blocks.size === this.highestHead;
  }

  override finish(): void {
    super.finish();
    const off = this.tailReceivedSec - this.highestHeadTime;
    this.alignSeconds = this.highestHeadTime > 0 && Math.abs(off) > 3600 ? off : 0;
    this.rewritesPassZero = this.alignSeconds !== 0;
  }

  /** Whole seconds per pass: block times are in seconds. */
  protected override passMsAfterLearning(): number {
    const span = this.highestHead - this.lowestHead;
    const perBlock = span > 0 && this.highestHeadTime > this.lowestHeadTime
      ? (this.highestHeadTime - this.lowestHeadTime) / span
      : DEFAULT_BLOCK_SECONDS;
    return 1000 * Math.max(Math.ceil(this.clock.millis() / 1000), Math.ceil(this.blocks.size * perBlock));
  }

  /** A string JSON-RPC id of the adapter (`session:tag`) as in pass `pass`. */
  private shiftId(id: string, pass: number): string {
    const m = SESSION_ID.exec(id);
    if (m === null || pass === 0) return id;
    let rest = m[2]!;
    const tip = /^tip:(\d+)$/.exec(rest);
    if (tip !== null) rest = `tip:${Number(tip[1]) + pass * this.tips.size}`;
    const logs = /^logs:(\d+):(\d+)$/.exec(rest);
    const b = pass * this.blocks.size;
    if (logs !== null) rest = `logs:${Number(logs[1]) + b}:${Number(logs[2]) + b}`;
    return `${Number(m[1]) + pass * this.sessions}:${rest}`;
  }

  protected shiftObject(text: string, obj: JsonObjectSpans, _o: readonly JsonObjectSpans[], _ev: CaptureEvent, pass: number, edits: TextEdit[]): void {
    const blocks = pass * this.blocks.size;
    const seconds = (pass * this.passMs) / 1000 + this.alignSeconds;
    if (obj.parent === -1) {
      const idField = fieldOf(obj, "id");
      const id = stringValue(text, idField);
      if (id !== undefined) {
        const moved = this.shiftId(id, pass);
        if (moved !== id) edits.push({ start: idField!.start, end: idField!.end, text: JSON.stringify(moved) });
        if (/^\d+:bn$/.test(id)) editHexQuantity(text, fieldOf(obj, "result"), blocks, edits);
      } else if (intValue(text, idField) !== undefined) {
        editInt(text, idField, pass * this.rpcIds.size, edits);
        editHexId(text, fieldOf(obj, "result"), pass, edits); // an eth_subscribe answer: the subscription id
      }
      return;
    }
    editHexId(text, fieldOf(obj, "subscription"), pass, edits);
    editHexQuantity(text, fieldOf(obj, "fromBlock"), blocks, edits);
    editHexQuantity(text, fieldOf(obj, "toBlock"), blocks, edits);
    if (fieldOf(obj, "logIndex") !== undefined) {
      editHexQuantity(text, fieldOf(obj, "blockNumber"), blocks, edits);
      editHexQuantity(text, fieldOf(obj, "blockTimestamp"), seconds, edits);
      editHexId(text, fieldOf(obj, "blockHash"), pass, edits);
      editHexId(text, fieldOf(obj, "transactionHash"), pass, edits);
    }
    if (fieldOf(obj, "parentHash") !== undefined) {
      editHexQuantity(text, fieldOf(obj, "number"), blocks, edits);
      editHexQuantity(text, fieldOf(obj, "timestamp"), seconds, edits);
      editHexId(text, fieldOf(obj, "hash"), pass, edits);
      const parent = fieldOf(obj, "parentHash")!;
      if (this.linked && stringValue(text, parent) === this.anchorParent) {
        edits.push({ start: parent.start, end: parent.end, text: `"${maskHexId(this.tailHash, pass - 1)}"` });
      } else editHexId(text, parent, pass, edits);
    }
  }

  override shift(ev: CaptureEvent, pass: number): CaptureEvent {
    const out = super.shift(ev, pass);
    if (out.kind === "recv" && out.data !== undefined) this.serve(out.data);
    return out;
  }

  /** Notes what the node served in a frame: heads, logs (kept by block) and the priority fee. */
  private serve(text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: { result?: unknown }; result?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg === null || typeof msg !== "object") return;
    if (msg.method === "eth_subscription") {
      const r = msg.params?.result as { number?: unknown; logIndex?: unknown } | undefined;
      if (r !== undefined && r !== null && typeof r === "object") {
        if (r.logIndex !== undefined) this.keep(r);
        else if (typeof r.number === "string") this.headNow = Math.max(this.headNow, parseInt(r.number, 16) || 0);
      }
    } else if (Array.isArray(msg.result)) {
      for (const log of msg.result) this.keep(log);
    } else if (typeof msg.id === "string" && /:tip:/.test(msg.id) && typeof msg.result === "string") {
      this.tipNow = msg.result;
    }
  }

  private keep(raw: unknown): void {
    const log = raw as { blockNumber?: unknown; logIndex?: unknown; blockHash?: unknown; removed?: unknown } | null;
    if (log === null || typeof log !== "object" || typeof log.blockNumber !== "string" || typeof log.logIndex !== "string") return;
    const block = parseInt(log.blockNumber, 16);
    const index = parseInt(log.logIndex, 16);
    const hash = typeof log.blockHash === "string" ? log.blockHash : "";
    let slot = this.kept.get(block);
    if (log.removed === true) {
      if (slot?.hash === hash) slot.logs.delete(index);
      return;
    }
    if (slot === undefined || slot.hash !== hash) {
      this.kept.delete(block); // re-inserted last: the map stays in arrival order for pruning
      slot = { hash, logs: new Map() };
      this.kept.set(block, slot);
    }
    slot.logs.set(index, log);
    this.headNow = Math.max(this.headNow, block);
    for (const b of this.kept.keys()) {
      if (this.kept.size <= KEPT_BLOCKS) break;
      this.kept.delete(b);
    }
  }

  /** Answers the adapter's requests of pass `pass` that the capture does not answer, as the node would. */
  answer(text: string, pass: number): string[] {
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(text);
    } catch {
      return [];
    }
    if (req === null || typeof req !== "object" || typeof req.id !== "string") return [];
    if (this.answeredPass !== pass) {
      this.answeredPass = pass;
      this.answeredShifted = new Set([...this.answered].map((id) => this.shiftId(id, pass)));
    }
    if (this.answeredShifted.has(req.id)) return [];
    const reply = (result: unknown): string[] => [JSON.stringify({ jsonrpc: "2.0", id: req.id, result })];
    switch (req.method) {
      case "eth_blockNumber":
        return this.headNow < 0 ? [] : reply(shiftHexQuantity("0x0", this.headNow));
      case "eth_maxPriorityFeePerGas":
        return reply(this.tipNow);
      case "eth_getLogs": {
        const filter = (Array.isArray(req.params) ? req.params[0] : undefined) as { fromBlock?: unknown; toBlock?: unknown } | undefined;
        const from = typeof filter?.fromBlock === "string" ? parseInt(filter.fromBlock, 16) : NaN;
        const to = typeof filter?.toBlock === "string" ? parseInt(filter.toBlock, 16) : NaN;
        if (Number.isNaN(from) || Number.isNaN(to)) return [];
        const logs: unknown[] = [];
        for (const block of [...this.kept.keys()].filter((b) => b >= from && b <= to).sort((a, b) => a - b)) {
          const slot = this.kept.get(block)!;
          for (const index of [...slot.logs.keys()].sort((a, b) => a - b)) logs.push(slot.logs.get(index));
        }
        return reply(logs);
      }
      default:
        return [];
    }
  }
}

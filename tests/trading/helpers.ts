/**
 * Helpers of the strategy tests: spawning the real CLI (Node via tsx, or Deno when the suite runs in
 * Deno), collecting published messages, and building market-data messages.
 */

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { MessageView, decodeMessage, encodeMessage, viewsOf, type Message, type Tlv } from "../../protocol/mod.ts";
import type { MessageSink } from "../../trading/strategies/contract.ts";

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Scenario fixtures. */
export const FIXTURES = join(ROOT, "fixtures", "strategies");

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const SPAWN_TIMEOUT_MS = 60_000;

/** Result of a CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ap <args…>` with the runtime the suite runs on. */
export function ap(args: readonly string[]): Promise<CliRun> {
  const [cmd, pre] = deno ? [deno.execPath(), ["run", "-A", "main.ts"]] : [process.execPath, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish within ${SPAWN_TIMEOUT_MS} ms`));
    }, SPAWN_TIMEOUT_MS);
    child.stdout.on("data", (c: Uint8Array) => (stdout += new TextDecoder().decode(c)));
    child.stderr.on("data", (c: Uint8Array) => (stderr += new TextDecoder().decode(c)));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A sink keeping a copy of every message published. */
export class CollectSink implements MessageSink {
  /** Copies of the messages, in order. */
  readonly messages: Uint8Array[] = [];
  /** Keeps a copy. */
  publish(bytes: Uint8Array): void {
    this.messages.push(bytes.slice());
  }
  /** Forgets everything. */
  clear(): void {
    this.messages.length = 0;
  }
}

/** Splits a buffer of back-to-back messages into copies of each. */
export function splitMessages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const { dv } = viewsOf(bytes);
  let off = 0;
  while (off + 32 <= bytes.length) {
    const len = 32 + dv.getUint32(bytes.byteOffset + off + 24, true);
    out.push(bytes.slice(off, off + len));
    off += len;
  }
  return out;
}

/** Wraps one message in a fresh view (validated). */
export function viewOf(bytes: Uint8Array): MessageView {
  const v = new MessageView().wrap(bytes, 0);
  const err = v.validate();
  if (err) throw err;
  return v;
}


/** Base time of hand-built messages (ns). */
export const BASE_NS = 1_700_000_000_000_000_000n;

/** Builds a valid message at BASE + `seconds`. */
export function msg(domain: number, source: number, sequence: number, seconds: number, tlvs: Tlv[]): Uint8Array {
  return encodeMessage({ relayDomain: domain, source, sequence: BigInt(sequence), timestamp: BASE_NS + BigInt(Math.round(seconds * 1e9)) }, tlvs);
}

/** Decodes every message a sink collected. */
export function decodedAll(sink: CollectSink): Message[] {
  return sink.messages.map((m) => decodeMessage(m));
}

/**
 * `ap record <domain> --out FILE`: writes what a relay delivers to a file as the raw stream — the same
 * bytes as on the wire, readable by `ap decode` and replayable by `ap replay`.
 *
 * @example
 * ```sh
 * ap record market-data --out md-$(date +%F).bin
 * ```
 * @module
 */

import fs from "node:fs";
import { CommandError, type Command } from "./command.ts";
import { CONNECT_USAGE } from "./relay-options.ts";
import { runSubscription } from "./subscribe.ts";

const USAGE = `usage: ap record <domain> --out FILE [--types 1,2] [--count N] [options]

Records the domain's stream to FILE (created or truncated), byte for byte as received, until
SIGINT/SIGTERM or --count messages. Gap notices from the relay are recorded too (\`ap replay\` skips them).

options:
  --out FILE          the recording to write
  --types LIST        only these TLV types
  --count N           stop after N messages
${CONNECT_USAGE}
  -h, --help          show this help

exit status: 0 stopped; 1 relay unreachable or the file cannot be written; 2 usage error.`;

/** Batches of received bytes written to the file at once. */
class FileBatcher {
  private readonly fd: number;
  private buf = new Uint8Array(256 * 1024);
  private len = 0;
  private failure: string | undefined;
  constructor(fd: number) {
    this.fd = fd;
  }
  add(bytes: Uint8Array, offset: number, length: number): void {
    if (this.len + length > this.buf.length) this.write();
    if (length > this.buf.length) {
      this.writeAll(bytes.subarray(offset, offset + length));
      return;
    }
    this.buf.set(bytes.subarray(offset, offset + length), this.len);
    this.len += length;
  }
  write(): void {
    if (this.len === 0) return;
    this.writeAll(this.buf.subarray(0, this.len));
    this.len = 0;
  }
  private writeAll(b: Uint8Array): void {
    if (this.failure) return;
    try {
      let off = 0;
      while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
    }
  }
  get failed(): string | undefined {
    return this.failure;
  }
}

/** The `ap record` command. */
export const recordCommand: Command = {
  name: "record",
  summary: "record a relay's stream to a file (raw wire bytes)",
  usage: USAGE,
  run: async ({ args }) => {
    let batcher: FileBatcher | undefined;
    let fd = -1;
    const code = await runSubscription(args, { out: { type: "string" } }, "record", (values) => {
      const out = values.out;
      if (typeof out !== "string") throw new CommandError("--out FILE is required", 2);
      try {
        fd = fs.openSync(out, "w");
      } catch (e) {
        throw new CommandError(`cannot create ${out}: ${e instanceof Error ? e.message : String(e)}`, 1);
      }
      const b = (batcher = new FileBatcher(fd));
      return {
        onMessage: (bytes, offset, length) => b.add(bytes, offset, length),
        drain: () => {
          b.write();
          return Promise.resolve();
        },
        finish: () => {
          b.write();
          return Promise.resolve();
        },
        stopped: () => b.failed !== undefined,
      };
    });
    if (fd >= 0) fs.closeSync(fd);
    if (batcher?.failed) throw new CommandError(`cannot write the recording: ${batcher.failed}`, 1);
    return code === 0 ? 0 : 1;
  },
};

/**
 * {@link ProcessSpawner} on Deno: `Deno.Command(...).spawn()`.
 *
 * @module
 */

import type { ChildProcessHandle, ProcessExit, ProcessSpawner, SpawnOptions } from "./types.ts";

interface DenoChild {
  pid: number;
  status: Promise<{ code: number; signal: string | null }>;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  kill(signal?: string): void;
}
interface DenoCommandApi {
  Command: new (cmd: string, opts: {
    args: string[]; cwd?: string; env?: Record<string, string>;
    stdin: "null" | "piped"; stdout: "piped" | "inherit"; stderr: "piped" | "inherit";
  }) => { spawn(): DenoChild };
}

async function pump(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) sink(decoder.decode(chunk, { stream: true }));
}

/** Spawns with `Deno.Command`. */
export const denoSpawner: ProcessSpawner = {
  spawn(options: SpawnOptions): ChildProcessHandle {
    const Deno = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
    let child: DenoChild;
    try {
      child = new Deno.Command(options.command, {
        args: [...options.args],
        cwd: options.cwd,
        env: options.env ? { ...options.env } : undefined,
        stdin: options.stdinPipe ? "piped" : "null",
        stdout: options.onStdout ? "piped" : "inherit",
        stderr: options.onStderr ? "piped" : "inherit",
      }).spawn();
    } catch {
      return { pid: -1, exited: Promise.resolve({ code: 127, signal: null }), kill() {} };
    }
    if (options.onStdout) void pump(child.stdout, options.onStdout).catch(() => {});
    if (options.onStderr) void pump(child.stderr, options.onStderr).catch(() => {});
    let done = false;
    const exited: Promise<ProcessExit> = child.status.then((s) => {
      done = true;
      return s.signal ? { code: null, signal: s.signal } : { code: s.code, signal: null };
    });
    return {
      pid: child.pid,
      exited,
      kill(signal = "SIGTERM") {
        if (done) return;
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      },
    };
  },
};

/**
 * `ap capture`: records a venue session's raw frames and REST bodies as a PROTOCOL §8 capture file —
 * live (the real adapter task subscribes, reconnects and fetches snapshots, and every byte it sends or
 * receives is written), or `--simulate`d deterministically from a seed (the project's own captures).
 *
 * @module
 */

import { CaptureWriter, openTextOut } from "../adapters/common/capture.ts";
import { AdapterTask } from "../adapters/common/task.ts";
import { simulateCapture } from "../adapters/sim/session.ts";
import { CommandError, type Command } from "./command.ts";
import { intOption, parseCommandArgs } from "./relay-options.ts";
import { createAdapter, numberOption, VENUE_OPTIONS, waitForStop, VENUE_USAGE, venueArg, venueOptions } from "./venue-args.ts";
import { writeStderr } from "./io.ts";

const USAGE = `usage: ap capture <venue> --out FILE [options]
       ap capture --simulate <venue> --out FILE [--seed N] [--steps N] [--step-ms MS] [--volatility-bps X]

Records a venue session (PROTOCOL §8 JSON Lines: connect, sent, recv, rest) until SIGINT/SIGTERM,
--duration or --max-frames. With --simulate, writes a deterministic simulated session instead (no
network; URLs under simulated.alphapulse.invalid).

options:
  --out FILE          capture file to write (- for stdout)
  --duration SECONDS  stop after this long
  --max-frames N      stop after N received frames
  --simulate          simulate the venue instead of connecting
  --seed N            simulator seed (default 1)
  --steps N           simulated market steps (default 120)
  --step-ms MS        simulated time per step (default 100)
  --volatility-bps X  simulated price moves of about X bps with a trend (default 0: a stationary book)
${VENUE_USAGE}
  -h, --help          show this help

exit status: 0 recorded; 1 cannot write or connect; 2 usage error.`;

/** The `ap capture` command. */
export const captureCommand: Command = {
  name: "capture",
  summary: "record a venue session (raw frames + REST bodies) to a capture file",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, {
      ...VENUE_OPTIONS, out: { type: "string" }, duration: { type: "string" }, "max-frames": { type: "string" },
      simulate: { type: "boolean" }, seed: { type: "string" }, steps: { type: "string" }, "step-ms": { type: "string" }, "volatility-bps": { type: "string" },
    });
    if (positionals.length !== 1) throw new CommandError("expected exactly one venue", 2);
    const venue = await venueArg(positionals[0]);
    const out = values.out;
    if (typeof out !== "string") throw new CommandError("--out FILE is required", 2);
    const opts = venueOptions(venue, values);
    let text;
    try {
      text = await openTextOut(out);
    } catch (e) {
      throw new CommandError(`cannot write ${out}: ${(e as Error).message}`, 1);
    }
    const writer = new CaptureWriter(text);
    if (values.simulate) {
      if (!venue.simulator) throw new CommandError(`venue ${venue.name} has no simulator`, 2);
      const events = await simulateCapture(venue, {
        seed: intOption(values, "seed", 1), steps: intOption(values, "steps", 120), stepMs: intOption(values, "step-ms", 100),
        dynamics: { volatilityBps: intOption(values, "volatility-bps", 0) },
        symbols: opts.symbols,
      });
      for (const ev of events) writer.write(ev);
      await writer.close();
      writeStderr(`capture ${venue.name}: ${events.length} simulated events written to ${out}`);
      return 0;
    }
    const durationS = numberOption(values, "duration");
    const maxFrames = values["max-frames"] === undefined ? Infinity : intOption(values, "max-frames", 0);
    const adapter = await createAdapter(venue, { ...opts, symbols: opts.symbols ?? venue.defaultSymbols, sink: { publish: () => {} } });
    const task = new AdapterTask(adapter, { capture: writer, log: (l) => writeStderr(`capture ${l}`) });
    task.start();
    const reason = await waitForStop({ durationMs: durationS === undefined ? undefined : durationS * 1000, until: () => adapter.metrics.frames >= maxFrames });
    await task.stop();
    await writer.close();
    const m = adapter.metrics.snapshot();
    writeStderr(`capture ${venue.name}: stopped (${reason}); ${writer.lines} lines, ${m.frames} frames, ${m.connects} connects, ${m.reconnects} reconnects, ${m.restRequests} REST requests`);
    return 0;
  },
};

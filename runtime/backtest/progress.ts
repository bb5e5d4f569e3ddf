/**
 * A progress bar for long backtests, on stderr and only on a terminal: it appears once a run has taken a
 * second and redraws at most ten times a second; `done()` clears it.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr);
 * engine.run(sources, { onProgress: (done, total) => bar.update(done, total) });
 * bar.done();
 * ```
 * @module
 */

/** Where the bar is drawn: a stream that may be a terminal. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** The bar (see module docs). */
export class ProgressBar {
  private readonly out: ProgressStream;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  /** @param out stderr (nothing is drawn unless it is a terminal) */
  constructor(out: ProgressStream) {
    this.out = out;
  }

  /** Notes progress; draws when due. */
  update(done: number, total: number): void {
    if (this.out.isTTY !== true) return;
    const now = performance.now();
    if (now - this.started < 1000 || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const share = total === 0 ? 1 : done / total;
    const width = 30;
    const full = Math.round(share * width);
    const rate = done / ((now - this.started) / 1000);
    this.out.write(`\r[${"#".repeat(full)}${"-".repeat(width - full)}] ${(share * 100).toFixed(1)}% ${done}/${total} msgs ${Math.round(rate)} msg/s`);
    this.drawn = true;
  }

  /** Clears the bar if it was drawn. */
  done(): void {
    if (this.drawn) this.out.write("\r\x1b[2K");
    this.drawn = false;
  }
}

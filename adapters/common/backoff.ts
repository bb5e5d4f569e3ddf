/**
 * Exponential back-off with jitter, capped (60 s by default), for reconnects and HTTP retries.
 *
 * Delay n (from 0) is drawn uniformly from [d/2, d] where d = min(cap, base · 2^n): never zero (so a
 * flapping venue is not hammered) and spread so many clients do not reconnect in lock-step.
 *
 * @example
 * ```ts
 * const b = new Backoff({ baseMs: 500 });
 * setTimeout(reconnect, b.next()); // 250–500 ms, then 500–1000 ms, … up to 30–60 s
 * b.reset();                       // after a healthy connection
 * ```
 * @module
 */

/** Back-off settings. */
export interface BackoffOptions {
  /** First delay ceiling in ms (default 500). */
  baseMs?: number;
  /** Largest delay in ms (default 60 000). */
  capMs?: number;
  /** Source of randomness in [0, 1) (default Math.random); tests pass a fixed one. */
  random?: () => number;
}

/** Default cap of every back-off: 60 s. */
export const BACKOFF_CAP_MS = 60_000;

/** Stateful exponential back-off with jitter. */
export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private attempt = 0;

  /** @param options base, cap and randomness */
  constructor(options: BackoffOptions = {}) {
    this.baseMs = Math.max(1, options.baseMs ?? 500);
    this.capMs = Math.max(this.baseMs, options.capMs ?? BACKOFF_CAP_MS);
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last {@link reset}. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt, in ms; counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** Starts over from the base delay (call after a healthy period). */
  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or early (resolving `false`) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Circuit breaker for one adapter or strategy: trips open when errors in a sliding window reach a
 * threshold or when the message rate exceeds a limit (a runaway producer), stays open for a cool-down,
 * then lets a few probe messages through (half-open); enough good probes close it, and after closing
 * it admits traffic gradually (a linear ramp) instead of all at once. One bad probe re-opens it.
 *
 * Time is passed in (`now`, ms) so behaviour is deterministic and testable; nothing allocates per call.
 *
 * @example
 * ```ts
 * const cb = new CircuitBreaker("adapter-coinbase", { errorThreshold: 20 });
 * if (cb.allow(Date.now())) { try { handle(msg); cb.success(Date.now()); } catch { cb.failure(Date.now()); } }
 * ```
 * @module
 */

/** Breaker states. */
export const BreakerState = { Closed: "closed", Open: "open", HalfOpen: "half-open" } as const;
/** One breaker state. */
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

/** Tuning of a breaker. */
export interface CircuitBreakerOptions {
  /** Sliding window for counting errors and messages (ms). */
  windowMs: number;
  /** Errors within the window that open the breaker. */
  errorThreshold: number;
  /** Messages per second above which the breaker opens; 0 = no rate limit. */
  maxMessagesPerSecond: number;
  /** How long it stays open before probing (ms). */
  openMs: number;
  /** Successful probes that close it. */
  halfOpenProbes: number;
  /** Length of the gradual-recovery ramp after closing (ms); 0 = none. */
  recoveryMs: number;
}

/** Defaults: 20 errors in 10 s, no rate limit, 5 s open, 5 probes, 10 s ramp. */
export const DEFAULT_BREAKER_OPTIONS: CircuitBreakerOptions = {
  windowMs: 10_000,
  errorThreshold: 20,
  maxMessagesPerSecond: 0,
  openMs: 5_000,
  halfOpenProbes: 5,
  recoveryMs: 10_000,
};

const BUCKETS = 10;

/** Point-in-time state of a breaker. */
export interface CircuitBreakerStatus {
  name: string;
  state: BreakerState;
  /** Errors in the current window. */
  failures: number;
  /** ISO time it last opened, or null. */
  openedAt: string | null;
  /** Why it last opened. */
  reason: "errors" | "rate" | "probe" | null;
  /** Messages refused while open, half-open or ramping. */
  rejected: number;
  /** Times it has opened. */
  trips: number;
}

/** A circuit breaker. */
export class CircuitBreaker {
  /** Name, e.g. the service it guards. */
  readonly name: string;
  private readonly o: CircuitBreakerOptions;
  private readonly bucketMs: number;
  private readonly errors = new Float64Array(BUCKETS);
  private readonly messages = new Float64Array(BUCKETS);
  private bucket = 0;
  private bucketStart = 0;
  private stateValue: BreakerState = BreakerState.Closed;
  private openedAt = 0;
  private closedAt = -Infinity;
  private probesOk = 0;
  private probesOut = 0;
  private reason: CircuitBreakerStatus["reason"] = null;
  private rejected = 0;
  private trips = 0;
  private admitted = 0;

  /** @param name label @param options tuning (merged over {@link DEFAULT_BREAKER_OPTIONS}) */
  constructor(name: string, options: Partial<CircuitBreakerOptions> = {}) {
    this.name = name;
    const o = { ...DEFAULT_BREAKER_OPTIONS };
    for (const [k, val] of Object.entries(options)) if (val !== undefined) o[k as keyof CircuitBreakerOptions] = val;
    this.o = o;
    this.bucketMs = this.o.windowMs / BUCKETS;
  }

  /** Current state (after applying the passage of time up to `now`). */
  state(now: number): BreakerState {
    if (this.stateValue === BreakerState.Open && now - this.openedAt >= this.o.openMs) {
      this.stateValue = BreakerState.HalfOpen;
      this.probesOk = 0;
      this.probesOut = 0;
    }
    return this.stateValue;
  }

  /** Whether a message may pass now. Counts it toward the rate when it does. */
  allow(now: number): boolean {
    this.advance(now);
    const state = this.state(now);
    if (state === BreakerState.Open) {
      this.rejected++;
      return false;
    }
    if (state === BreakerState.HalfOpen) {
      if (this.probesOut >= this.o.halfOpenProbes) {
        this.rejected++;
        return false;
      }
      this.probesOut++;
      return true;
    }
    const sinceClose = now - this.closedAt;
    if (this.o.recoveryMs > 0 && sinceClose < this.o.recoveryMs) {
      // Ramp: admit a growing share of messages, deterministically (no randomness).
      const share = Math.max(0.1, sinceClose / this.o.recoveryMs);
      this.admitted += share;
      if (this.admitted < 1) {
        this.rejected++;
        return false;
      }
      this.admitted -= 1;
    }
    this.messages[this.bucket]!++;
    if (this.o.maxMessagesPerSecond > 0 && this.sum(this.messages) > (this.o.maxMessagesPerSecond * this.o.windowMs) / 1000) {
      this.trip(now, "rate");
      return false;
    }
    return true;
  }

  /** Records a successful handling. */
  success(now: number): void {
    if (this.state(now) === BreakerState.HalfOpen) {
      this.probesOk++;
      if (this.probesOk >= this.o.halfOpenProbes) {
        this.stateValue = BreakerState.Closed;
        this.closedAt = now;
        this.admitted = 0;
        this.errors.fill(0);
        this.messages.fill(0);
      }
    }
  }

  /** Records a failed handling; may open the breaker. */
  failure(now: number): void {
    this.advance(now);
    const state = this.state(now);
    if (state === BreakerState.HalfOpen) {
      this.trip(now, "probe");
      return;
    }
    this.errors[this.bucket]!++;
    if (state === BreakerState.Closed && this.sum(this.errors) >= this.o.errorThreshold) this.trip(now, "errors");
  }

  /** Closes the breaker at once (operator reset), clearing counts and any ramp. */
  reset(now: number): void {
    this.stateValue = BreakerState.Closed;
    this.closedAt = -Infinity;
    this.errors.fill(0);
    this.messages.fill(0);
    this.bucketStart = now;
  }

  /** Status for the API. */
  status(now: number): CircuitBreakerStatus {
    this.advance(now);
    return {
      name: this.name,
      state: this.state(now),
      failures: this.sum(this.errors),
      openedAt: this.trips > 0 ? new Date(this.openedAt).toISOString() : null,
      reason: this.reason,
      rejected: this.rejected,
      trips: this.trips,
    };
  }

  private trip(now: number, reason: "errors" | "rate" | "probe"): void {
    this.stateValue = BreakerState.Open;
    this.openedAt = now;
    this.reason = reason;
    this.trips++;
  }

  private advance(now: number): void {
    if (this.bucketStart === 0) this.bucketStart = now;
    let steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let i = 0; i < steps; i++) {
      this.bucket = (this.bucket + 1) % BUCKETS;
      this.errors[this.bucket] = 0;
      this.messages[this.bucket] = 0;
    }
    this.bucketStart = now - ((now - this.bucketStart) % this.bucketMs);
  }

  private sum(a: Float64Array): number {
    let s = 0;
    for (let i = 0; i < BUCKETS; i++) s += a[i]!;
    return s;
  }
}

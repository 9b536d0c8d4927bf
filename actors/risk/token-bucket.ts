/**
 * An order-rate limit: `rate` tokens per second, at most `burst` saved up. Time comes from the
 * caller (a scheduler's now), so it runs the same in virtual time.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst
    this.last = now
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Whether a token is there, without taking it. */
  peek(now: number): boolean {
    this.refill(now)
    return this.tokens >= 1
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = refilled(this.tokens, now - this.last, this.rate, this.burst)
      this.last = now
    }
  }
}

/** Tokens after `elapsedMs` at `rate` per second, never above `burst` (shared with StrategyBuckets). */
export const refilled = (tokens: number, elapsedMs: number, rate: number, burst: number): number => Math.min(burst, tokens + (elapsedMs / 1000) * rate)

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
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
      this.last = now
    }
  }
}

import { refilled } from './token-bucket.ts'

/**
 * Every strategy's order-rate limit (`rate` tokens per second, at most `burst` saved up), by actor
 * index, in two typed arrays: a check at 100k strategies reads two numbers next to each other, not a
 * Map entry and a bucket object whose fields are boxed numbers. A strategy's bucket starts full at
 * its first check, as a TokenBucket made then would. Time comes from the caller.
 */
export class StrategyBuckets {
  private tokens = new Float64Array(0)
  /** When each bucket was last refilled; NaN: never checked yet. */
  private last = new Float64Array(0)

  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  /** Whether strategy `i` has a token, without taking it. */
  peek(i: number, now: number): boolean {
    return this.refill(i, now) >= 1
  }

  /** Takes one of strategy `i`'s tokens if it has one. */
  take(i: number, now: number): boolean {
    if (this.refill(i, now) < 1) return false
    this.tokens[i]! -= 1
    return true
  }

  private refill(i: number, now: number): number {
    if (i >= this.last.length) this.grow(i + 1)
    const last = this.last[i]!
    if (Number.isNaN(last)) {
      this.last[i] = now
      return (this.tokens[i] = this.burst)
    }
    if (now > last) {
      this.tokens[i] = refilled(this.tokens[i]!, now - last, this.rate, this.burst)
      this.last[i] = now
    }
    return this.tokens[i]!
  }

  private grow(n: number): void {
    const size = Math.max(n, this.last.length * 2, 1024)
    const tokens = new Float64Array(size)
    tokens.set(this.tokens)
    const last = new Float64Array(size).fill(Number.NaN)
    last.set(this.last)
    this.tokens = tokens
    this.last = last
  }
}

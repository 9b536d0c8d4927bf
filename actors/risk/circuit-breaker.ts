import type { TradingState } from './trading-state.ts'

export interface BreakerOptions {
  readonly maxDrawdown: number
  readonly windowMs: number
  readonly action: Exclude<TradingState, 'ACTIVE'>
  readonly cooldownMs: number
}

/**
 * Trips when equity falls more than `maxDrawdown` below its peak *within the last `windowMs`* —
 * from the peak, not from the start, so gains made earlier in the window count. A trip sets
 * `action` until `cooldownMs` has passed (or `reset()`); the window then restarts from the current
 * equity so an old peak cannot trip it again at once. The rolling peak is a monotonic deque: O(1)
 * amortized per sample.
 */
export class DrawdownBreaker {
  private ts: number[] = []
  private eq: number[] = []
  private head = 0
  private trippedUntil = -Infinity
  state: TradingState = 'ACTIVE'
  lastDrawdown = 0

  constructor(private readonly o: BreakerOptions) {}

  /** Feeds one equity sample; returns true when this sample trips the breaker. */
  update(now: number, equity: number): boolean {
    if (this.state !== 'ACTIVE' && now >= this.trippedUntil) this.resume(now, equity)
    while (this.eq.length > this.head && this.eq[this.eq.length - 1]! <= equity) {
      this.eq.pop()
      this.ts.pop()
    }
    this.eq.push(equity)
    this.ts.push(now)
    while (this.ts[this.head]! < now - this.o.windowMs) this.head++
    if (this.head > 1024 && this.head * 2 > this.eq.length) {
      this.eq.splice(0, this.head)
      this.ts.splice(0, this.head)
      this.head = 0
    }
    const peak = this.eq[this.head]!
    this.lastDrawdown = peak > 0 ? (peak - equity) / peak : 0
    if (this.state === 'ACTIVE' && this.lastDrawdown > this.o.maxDrawdown) {
      this.state = this.o.action
      this.trippedUntil = now + this.o.cooldownMs
      return true
    }
    return false
  }

  /** Operator reset: trading resumes now and the window restarts from `equity`. */
  reset(now: number, equity: number): void {
    this.resume(now, equity)
  }

  private resume(now: number, equity: number): void {
    this.state = 'ACTIVE'
    this.trippedUntil = -Infinity
    this.ts = [now]
    this.eq = [equity]
    this.head = 0
  }
}

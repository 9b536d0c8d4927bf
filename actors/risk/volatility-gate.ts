export interface VolGateOptions {
  readonly window: number
  readonly baselineWindow: number
  readonly k: number
  readonly resumeK: number
}

/**
 * Realized volatility of one symbol against its own baseline: exponentially weighted mean squared
 * log returns over a short and a long window (O(1) per trade, no buffers). Entries pause when the
 * short one exceeds k × the baseline, and resume below resumeK × baseline. The baseline takes each
 * return capped at k² × itself (winsorized) and never while paused, so a spike cannot raise its own
 * bar. Warm-up: no pause until `baselineWindow` returns have been seen.
 */
export class VolatilityGate {
  private last = 0
  private short = 0
  private long = 0
  private n = 0
  paused = false
  private readonly aShort: number
  private readonly aLong: number

  constructor(private readonly o: VolGateOptions) {
    this.aShort = 2 / (o.window + 1)
    this.aLong = 2 / (o.baselineWindow + 1)
  }

  /** Feeds one trade price; returns true when the paused state changed. */
  update(price: number): boolean {
    if (this.last > 0 && price > 0) {
      const r = Math.log(price / this.last)
      const r2 = r * r
      this.short += this.aShort * (r2 - this.short)
      if (!this.paused) {
        const cap = this.n >= this.o.baselineWindow ? this.o.k * this.o.k * this.long : Infinity
        this.long += this.aLong * (Math.min(r2, cap) - this.long)
      }
      this.n++
    }
    this.last = price
    if (this.n < this.o.baselineWindow || this.long <= 0) return false
    const ratio = Math.sqrt(this.short / this.long)
    const next = this.paused ? ratio > this.o.resumeK : ratio > this.o.k
    if (next === this.paused) return false
    this.paused = next
    return true
  }

  /** Short-window volatility over baseline volatility (0 before warm-up). */
  get ratio(): number {
    return this.long > 0 ? Math.sqrt(this.short / this.long) : 0
  }
}

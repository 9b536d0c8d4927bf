/**
 * A symbol's recent drift and volatility of the mid, exponentially weighted by time (half-life
 * `halfLifeMs`): decayed sums of log-returns and of their squares over the decayed time they took.
 * O(1) per quote.
 */
export class MidTrend {
  /** The estimates as of the last update, kept in one object (read per quote by resting orders: no allocation). */
  readonly motion = { driftBpsPerS: 0, driftErrBpsPerS: 0, volBpsPerSqrtS: 0 }
  private lastMid = 0
  private lastTs = 0
  private moved = 0
  private squared = 0
  private elapsed = 0

  constructor(private readonly halfLifeMs = 10_000) {}

  update(mid: number, ts: number): void {
    if (!(mid > 0)) return
    if (this.lastMid > 0 && ts > this.lastTs) {
      const dt = ts - this.lastTs
      const keep = 0.5 ** (dt / this.halfLifeMs)
      const r = Math.log(mid / this.lastMid) * 1e4
      this.moved = this.moved * keep + r
      this.squared = this.squared * keep + r * r
      this.elapsed = this.elapsed * keep + dt
      const m = this.motion
      m.driftBpsPerS = (this.moved / this.elapsed) * 1000
      m.volBpsPerSqrtS = Math.sqrt((this.squared / this.elapsed) * 1000)
      m.driftErrBpsPerS = m.volBpsPerSqrtS / Math.sqrt(this.elapsed / 1000)
    }
    this.lastMid = mid
    this.lastTs = ts
  }

  /** Whether time has passed between two mids (before that, nothing is known). */
  get known(): boolean {
    return this.elapsed > 0
  }

  /** Drift, bps per second; undefined until time has passed between two mids. */
  bpsPerSecond(): number | undefined {
    return this.known ? this.motion.driftBpsPerS : undefined
  }

  /** Standard error of the drift estimate, bps per second: volatility over √(weighted seconds observed). */
  driftErrBpsPerS(): number | undefined {
    return this.known ? this.motion.driftErrBpsPerS : undefined
  }

  /** Volatility, bps per √second (root mean square move, drift included); undefined until known. */
  volBpsPerSqrtSecond(): number | undefined {
    return this.known ? this.motion.volBpsPerSqrtS : undefined
  }
}

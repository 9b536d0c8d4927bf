import type { AlgoName, ExecutionReport } from '../../actors/algos/algo'

const pct = (sorted: readonly number[], p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!)
const r2 = (x: number) => Number(x.toFixed(3))

/**
 * Execution quality across all the work an algorithm did: slippage against the arrival mid (bps,
 * positive = paid more than the mid to buy, or got less to sell), maker share and fees, how much of
 * what was wanted got filled, time to fill, amendments.
 */
export class ExecutionMetrics {
  private readonly slippage: number[] = []
  private readonly ttf: number[] = []
  private requested = 0
  private filled = 0
  private maker = 0
  private fees = 0
  private amendments = 0
  works = 0
  /** Reports not yet taken by `drain` (for the store). */
  private pending: ExecutionReport[] = []

  constructor(readonly algo: AlgoName) {}

  /** Slippage against the arrival mid in bps; positive = worse than the mid. */
  static slippageBps(r: ExecutionReport): number | null {
    return r.avgPrice === null || r.arrivalMid <= 0 ? null : ((r.side === 'buy' ? r.avgPrice - r.arrivalMid : r.arrivalMid - r.avgPrice) / r.arrivalMid) * 1e4
  }

  /** Takes the reports recorded since the last call. */
  drain(): ExecutionReport[] {
    const out = this.pending
    this.pending = []
    return out
  }

  record(r: ExecutionReport): void {
    this.pending.push(r)
    this.works++
    this.requested += r.requested
    this.filled += r.filled
    this.maker += r.makerAmount
    this.fees += r.fees
    this.amendments += r.amendments
    const bps = ExecutionMetrics.slippageBps(r)
    if (bps !== null) this.slippage.push(bps)
    if (r.timeToFillMs !== null) this.ttf.push(r.timeToFillMs)
  }

  summary() {
    const s = [...this.slippage].sort((a, b) => a - b)
    const t = [...this.ttf].sort((a, b) => a - b)
    return {
      algo: this.algo,
      works: this.works,
      slippageBps: { avg: r2(s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0), p50: r2(pct(s, 50)), p95: r2(pct(s, 95)) },
      makerShare: r2(this.filled > 0 ? this.maker / this.filled : 0),
      fees: r2(this.fees),
      fillRate: r2(this.requested > 0 ? this.filled / this.requested : 0),
      timeToFillMs: { p50: r2(pct(t, 50)), p95: r2(pct(t, 95)) },
      amendments: this.amendments,
    }
  }
}

import { slippageBps, type AlgoName, type ExecutionReport } from '../domain/execution-report.ts'
import { LatencyHistogram } from './latency-histogram.ts'

const r2 = (x: number) => Number(x.toFixed(3))

/**
 * Execution quality across all the work an algorithm did: slippage against the arrival mid (bps,
 * positive = paid more than the mid to buy, or got less to sell), maker share and fees, how much of
 * what was wanted got filled, time to fill, amendments. Constant memory: percentiles come from
 * HdrHistograms, so 100k works a round cost nothing to keep. Slippage is signed, and an HdrHistogram
 * is precise relative to the value, so worse-than-mid and better-than-mid magnitudes go in two
 * histograms (0.001 bps resolution) and a percentile walks both.
 */
export class ExecutionMetrics {
  private readonly worse = new LatencyHistogram()
  private readonly better = new LatencyHistogram()
  private readonly ttf = new LatencyHistogram()
  private slippageSum = 0
  private slippageN = 0
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
  static slippageBps = slippageBps

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
    if (bps !== null) {
      this.slippageSum += bps
      this.slippageN++
      // LatencyHistogram keeps "ms" at 0.001 resolution: here the unit is bps.
      if (bps >= 0) this.worse.record(bps)
      else this.better.record(-bps)
    }
    if (r.timeToFillMs !== null) this.ttf.record(r.timeToFillMs)
  }

  /** The p-th percentile of signed slippage: ranks below the better-than-mid count are negatives. */
  private slippagePercentile(p: number): number {
    const nb = this.better.count
    const n = nb + this.worse.count
    if (n === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * n))
    if (rank <= nb) return -this.better.percentile((100 * (nb - rank + 1)) / nb)
    return this.worse.percentile((100 * (rank - nb)) / this.worse.count)
  }

  summary() {
    const bp = (p: number) => r2(this.slippagePercentile(p))
    return {
      algo: this.algo,
      works: this.works,
      slippageBps: { avg: r2(this.slippageN ? this.slippageSum / this.slippageN : 0), p50: bp(50), p95: bp(95) },
      makerShare: r2(this.filled > 0 ? this.maker / this.filled : 0),
      fees: r2(this.fees),
      fillRate: r2(this.requested > 0 ? this.filled / this.requested : 0),
      timeToFillMs: { p50: r2(this.ttf.percentile(50)), p95: r2(this.ttf.percentile(95)) },
      amendments: this.amendments,
    }
  }
}

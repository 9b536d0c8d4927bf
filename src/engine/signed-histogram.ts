import { LatencyHistogram } from './latency-histogram.ts'

const r3 = (x: number) => Number(x.toFixed(3))

/**
 * Percentiles and mean of a signed quantity (bps) in constant memory. An HdrHistogram is precise
 * relative to the value, so negative and positive magnitudes go in two (0.001 resolution) and a
 * percentile walks both.
 */
export class SignedHistogram {
  private readonly pos = new LatencyHistogram()
  private readonly neg = new LatencyHistogram()
  private sum = 0
  count = 0

  record(x: number): void {
    this.sum += x
    this.count++
    // LatencyHistogram keeps "ms" at 0.001 resolution: here the unit is whatever the caller records.
    if (x >= 0) this.pos.record(x)
    else this.neg.record(-x)
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count
  }

  /** The p-th percentile: ranks below the negatives' count are negatives, largest magnitude first. */
  percentile(p: number): number {
    const nb = this.neg.count
    const n = nb + this.pos.count
    if (n === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * n))
    if (rank <= nb) return -this.neg.percentile((100 * (nb - rank + 1)) / nb)
    return this.pos.percentile((100 * (rank - nb)) / this.pos.count)
  }

  /** `{avg, p50, p95}` rounded to 0.001. */
  summary(): { avg: number; p50: number; p95: number } {
    return { avg: r3(this.mean()), p50: r3(this.percentile(50)), p95: r3(this.percentile(95)) }
  }
}

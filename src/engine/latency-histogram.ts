import * as hdr from 'hdr-histogram-js'

export interface Percentiles {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly count: number
}

/**
 * Durations in ms, recorded at microsecond resolution into an HdrHistogram (3 significant digits),
 * so percentiles stay exact enough at any count without keeping samples.
 */
export class LatencyHistogram {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false })

  record(ms: number): void {
    this.h.recordValue(Math.max(0, Math.round(ms * 1000)))
  }

  get count(): number {
    return this.h.totalCount
  }

  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000
  }

  summary(): Percentiles {
    const n = this.h.totalCount
    return { p50: this.percentile(50), p99: this.percentile(99), max: n === 0 ? 0 : this.h.maxValue / 1000, count: n }
  }

  /** Calls `f(ms, count)` for every distinct recorded value (for exporting buckets). */
  forEachValue(f: (ms: number, count: number) => void): void {
    const it = (this.h as unknown as { recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } } }).recordedValuesIterator
    it.reset()
    while (it.hasNext()) {
      const v = it.next()
      f(v.valueIteratedTo / 1000, v.countAtValueIteratedTo)
    }
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h)
  }

  reset(): void {
    this.h.reset()
  }
}

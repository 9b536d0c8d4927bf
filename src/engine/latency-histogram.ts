import * as hdr from 'hdr-histogram-js'

export interface Percentiles {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly count: number
}

/** Samples held before they go into the histogram: a 100k-strategy round's reactions, folded in once it has passed. */
const MAX_PENDING = 1 << 18

/**
 * Durations in ms, recorded at microsecond resolution into an HdrHistogram (3 significant digits),
 * so percentiles stay exact enough at any count without keeping samples. `record` runs once per
 * action inside a sweep, so it only appends to a typed array; the samples go into the histogram when
 * it is read, when the engine's actions are over (`Metrics.fold`), or once MAX_PENDING have piled up.
 */
export class LatencyHistogram {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false })
  private pending = new Float64Array(1024)
  private n = 0

  record(ms: number): void {
    if (this.n === this.pending.length) {
      if (this.n >= MAX_PENDING) this.fold()
      else {
        const grown = new Float64Array(this.n * 2)
        grown.set(this.pending)
        this.pending = grown
      }
    }
    this.pending[this.n++] = ms
  }

  /** `count` samples of one value (one histogram update, whatever the count). */
  recordMany(ms: number, count: number): void {
    if (count === 1) return this.record(ms)
    if (count > 1) this.h.recordValueWithCount(Math.max(0, Math.round(ms * 1000)), count)
  }

  /** Samples recorded but not yet in the histogram. */
  get unfolded(): number {
    return this.n
  }

  /** Puts the samples recorded since the last read into the histogram (the engine does it when its actions are over). */
  fold(): void {
    const { h, pending } = this
    for (let i = 0; i < this.n; i++) h.recordValue(Math.max(0, Math.round(pending[i]! * 1000)))
    this.n = 0
  }

  get count(): number {
    this.fold()
    return this.h.totalCount
  }

  percentile(p: number): number {
    this.fold()
    // The histogram answers with the top of the value's bucket, which can lie above anything recorded.
    return this.h.totalCount === 0 ? 0 : Math.min(this.h.getValueAtPercentile(p), this.h.maxValue) / 1000
  }

  summary(): Percentiles {
    this.fold()
    const n = this.h.totalCount
    return { p50: this.percentile(50), p99: this.percentile(99), max: n === 0 ? 0 : this.h.maxValue / 1000, count: n }
  }

  /** Calls `f(ms, count)` for every distinct recorded value (for exporting buckets). */
  forEachValue(f: (ms: number, count: number) => void): void {
    this.fold()
    const it = (this.h as unknown as { recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } } }).recordedValuesIterator
    it.reset()
    while (it.hasNext()) {
      const v = it.next()
      f(v.valueIteratedTo / 1000, v.countAtValueIteratedTo)
    }
  }

  add(other: LatencyHistogram): void {
    this.fold()
    other.fold()
    this.h.add(other.h)
  }

  reset(): void {
    this.n = 0
    this.h.reset()
  }
}

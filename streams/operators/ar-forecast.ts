import type { OperatorFunction } from 'rxjs'
import type { Subscriber } from 'rxjs'
import type { Reading, Series } from './reading.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'
import { followsSeries, type SeriesFollower } from './shared-series.ts'

/**
 * The next log return forecast by an autoregression of order `lags`, refitted by least squares on
 * the last `window` returns at every price: O(window × lags²) per update, deliberately — it is the
 * heavy kind of computation that belongs in a worker thread. A small ridge term keeps the normal
 * equations solvable on flat stretches. Returns the forecast in basis points.
 */
export class ArForecast {
  private readonly k: number
  /** Log returns, a ring of window + lags. */
  private readonly ring: Float64Array
  private head = 0
  private count = 0
  private prev = Number.NaN
  private readonly xtx: Float64Array
  private readonly xty: Float64Array
  private readonly x: Float64Array

  constructor(
    private readonly window: number,
    private readonly lags: number,
  ) {
    this.k = lags + 1
    this.ring = new Float64Array(window + lags)
    this.xtx = new Float64Array(this.k * this.k)
    this.xty = new Float64Array(this.k)
    this.x = new Float64Array(this.k)
  }

  add(price: number): number | null {
    if (!(price > 0)) return null
    const prev = this.prev
    this.prev = price
    if (Number.isNaN(prev)) return null
    const cap = this.ring.length
    this.ring[this.head] = Math.log(price / prev)
    this.head = (this.head + 1) % cap
    if (this.count < cap) this.count++
    if (this.count < cap) return null
    return this.fit() * 10_000
  }

  /** The return `back` steps before the newest (0 = newest). */
  private at(back: number): number {
    const cap = this.ring.length
    return this.ring[(this.head - 1 - back + cap * 2) % cap]!
  }

  private fit(): number {
    const { k, lags, xtx, xty, x } = this
    xtx.fill(0)
    xty.fill(0)
    // Sample t regresses r[t] on 1, r[t-1], …, r[t-lags]; t runs over the newest `window` returns.
    for (let t = 0; t < this.window; t++) {
      x[0] = 1
      for (let j = 1; j <= lags; j++) x[j] = this.at(t + j)
      const y = this.at(t)
      for (let a = 0; a < k; a++) {
        const xa = x[a]!
        xty[a]! += xa * y
        for (let b = 0; b <= a; b++) xtx[a * k + b]! += xa * x[b]!
      }
    }
    let trace = 0
    for (let a = 1; a < k; a++) trace += xtx[a * k + a]!
    const ridge = 1e-6 * (trace / Math.max(1, lags)) + 1e-18
    for (let a = 1; a < k; a++) xtx[a * k + a]! += ridge
    const beta = choleskySolve(xtx, xty, k)
    if (beta === null) return 0
    // Forecast r[next] from the newest `lags` returns.
    let f = beta[0]!
    for (let j = 1; j <= lags; j++) f += beta[j]! * this.at(j - 1)
    return Number.isFinite(f) ? f : 0
  }
}

/** Solves A β = b for symmetric positive-definite A (lower triangle used), in place of A; null if not positive definite. */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array | null {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!
      for (let m = 0; m < j; m++) s -= a[i * k + m]! * a[j * k + m]!
      if (i === j) {
        if (!(s > 0)) return null
        a[i * k + i] = Math.sqrt(s)
      } else a[i * k + j] = s / a[j * k + j]!
    }
  }
  const y = new Float64Array(k)
  for (let i = 0; i < k; i++) {
    let s = b[i]!
    for (let m = 0; m < i; m++) s -= a[i * k + m]! * y[m]!
    y[i] = s / a[i * k + i]!
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!
    for (let m = i + 1; m < k; m++) s -= a[m * k + i]! * y[m]!
    y[i] = s / a[i * k + i]!
  }
  return y
}

/** One fit shared by every pipeline on a series: the model, the last sample bucket it took, and its forecast then. */
interface SharedFit {
  readonly fit: ArForecast
  bucket: number
  value: number | null
  samples: number
}
const fitsBySeries = new WeakMap<Series, Map<string, SharedFit>>()

class ArForecastStage extends Stage<Reading, Reading> {
  private readonly own: SharedFit
  private lastBucket = Number.NaN
  private series: Series | undefined = undefined
  private shared: SharedFit | undefined = undefined
  private readonly follow: SeriesFollower = { shared: true, n: 0 }

  constructor(
    out: Subscriber<Reading>,
    private readonly label: string,
    private readonly window: number,
    private readonly lags: number,
    private readonly sampleMs: number,
  ) {
    super(out)
    this.own = { fit: new ArForecast(window, lags), bucket: Number.NaN, value: null, samples: 0 }
  }

  protected override _next(r: Reading): void {
    // Every reading, sampled or not: whether this pipeline still reads its series as it is.
    const follows = followsSeries(this.follow, r)
    // Sampled: the first price of each sampleMs period (every price with 0).
    const bucket = this.sampleMs > 0 ? Math.floor(r.ts / this.sampleMs) : (r.n ?? Number.NaN)
    if (bucket === this.lastBucket && !Number.isNaN(bucket)) return
    this.lastBucket = bucket
    const state = follows ? this.fitFor(r.series!, bucket) : this.own
    // The first pipeline to reach a new period fits for all of them.
    if (state.bucket !== bucket || Number.isNaN(bucket)) {
      state.bucket = bucket
      state.samples++
      state.value = state.fit.add(r.value)
    }
    if (state.value !== null) this.out.next({ value: state.value, ts: r.ts })
  }

  /** The series' shared fit when this pipeline has used it from the start; otherwise its own. */
  private fitFor(s: Series, bucket: number): SharedFit {
    if (this.series !== s) {
      let m = fitsBySeries.get(s)
      if (m === undefined) fitsBySeries.set(s, (m = new Map()))
      let shared = m.get(this.label)
      // A fit that already took samples this pipeline never saw would answer for another history.
      if (shared === undefined) m.set(this.label, (shared = { fit: new ArForecast(this.window, this.lags), bucket: Number.NaN, value: null, samples: 0 }))
      else if (this.series !== undefined || !(shared.samples === 0 || (shared.samples === 1 && shared.bucket === bucket))) shared = this.own
      this.series = s
      this.shared = shared
    }
    return this.shared!
  }
}

/**
 * The AR(`lags`) forecast of the next return, in bps, refitted on `window` returns at every sample:
 * the first price of each `sampleMs` period (0: every price). Pipelines on the same shared price
 * series with the same window, lags and sampling share one fit.
 */
export const arForecast = (window: number, lags: number, sampleMs = 0): OperatorFunction<Reading, Reading> =>
  subscriberOperator((out) => new ArForecastStage(out, `arForecast(${window},${lags},${sampleMs})`, window, lags, sampleMs))

import type { OperatorFunction, Subscriber } from 'rxjs'
import type { IndicatorOperator, NumericIndicator } from './indicator.ts'
import type { Reading, Series } from './reading.ts'
import { followsSeries, ownValue, sharedIndicator, sharedValue, type SeriesFollower, type SharedIndicator } from './shared-series.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

/**
 * Follows its series itself and keeps both indicators' shared copies and own copies in its own fields
 * (rather than one follower object per indicator): a grid walks 2,000 of these per reading, and every
 * further object a step touches is a further cache miss.
 */
class Crossover extends Stage<Reading, Reading> implements SeriesFollower {
  shared = true
  n = 0
  private side = 0
  private series: Series | null = null
  /** Shared copies in use; null once that indicator has its own copy (made when it left the shared one for good). */
  private fastShared: SharedIndicator | null = null
  private slowShared: SharedIndicator | null = null
  private fastOwn: NumericIndicator | null = null
  private slowOwn: NumericIndicator | null = null
  // Labels and factories on the stage itself: reading them off the operator functions (objects with
  // properties added) was a slow property look-up on every reading of every pipeline.
  private readonly fastLabel: string
  private readonly slowLabel: string
  private readonly fastCreate: () => NumericIndicator
  private readonly slowCreate: () => NumericIndicator

  constructor(out: Subscriber<Reading>, fast: IndicatorOperator, slow: IndicatorOperator) {
    super(out)
    this.fastLabel = fast.label
    this.slowLabel = slow.label
    this.fastCreate = fast.create
    this.slowCreate = slow.create
  }

  protected override _next(r: Reading): void {
    // On a shared price series each distinct indicator is computed once for the whole grid (the same
    // rule as indicatorValue's, for two indicators on one pipeline's readings).
    let a: number | null | undefined
    let b: number | null | undefined
    if (followsSeries(this, r)) {
      const s = r.series!
      if (this.series !== s) {
        this.series = s
        this.fastShared = this.fastOwn !== null ? null : sharedIndicator(s, this.fastLabel, this.fastCreate)
        this.slowShared = this.slowOwn !== null ? null : sharedIndicator(s, this.slowLabel, this.slowCreate)
      }
      if (this.fastShared !== null) a = sharedValue(this.fastShared, r)
      if (this.slowShared !== null) b = sharedValue(this.slowShared, r)
    }
    if (a === undefined) {
      this.fastShared = null
      a = ownValue((this.fastOwn ??= this.fastCreate()), r)
    }
    if (b === undefined) {
      this.slowShared = null
      b = ownValue((this.slowOwn ??= this.slowCreate()), r)
    }
    if (a === null || b === null || a === b) return
    const next = a > b ? 1 : -1
    if (next !== this.side) {
      this.side = next
      this.out.next({ value: next, ts: r.ts })
    }
  }
}

/**
 * Drives `fast` and `slow` on the same readings and emits +1 when fast crosses above slow, −1 when
 * it crosses below (the first emission is the side fast starts on, once both are warm).
 * @example prices('BTC/USDT').pipe(crossover(sma(10), sma(50)))
 */
export const crossover = (fast: IndicatorOperator, slow: IndicatorOperator): OperatorFunction<Reading, Reading> => subscriberOperator((out) => new Crossover(out, fast, slow))

import type { OperatorFunction, Subscriber } from 'rxjs'
import type { IndicatorOperator, NumericIndicator } from './indicator.ts'
import type { Reading } from './reading.ts'
import { indicatorValue, ownIndicator, type OwnIndicator } from './shared-series.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Crossover extends Stage<Reading, Reading> {
  private side = 0
  // Labels and factories on the stage itself: reading them off the operator functions (objects with
  // properties added) was a slow property look-up on every reading of every pipeline.
  private readonly fastLabel: string
  private readonly slowLabel: string
  private readonly fastCreate: () => NumericIndicator
  private readonly slowCreate: () => NumericIndicator
  private readonly ownFast: OwnIndicator
  private readonly ownSlow: OwnIndicator

  constructor(out: Subscriber<Reading>, fast: IndicatorOperator, slow: IndicatorOperator) {
    super(out)
    this.fastLabel = fast.label
    this.slowLabel = slow.label
    this.fastCreate = fast.create
    this.slowCreate = slow.create
    this.ownFast = ownIndicator()
    this.ownSlow = ownIndicator()
  }

  protected override _next(r: Reading): void {
    // On a shared price series each distinct indicator is computed once for the whole grid.
    const a = indicatorValue(this.fastLabel, this.fastCreate, this.ownFast, r)
    const b = indicatorValue(this.slowLabel, this.slowCreate, this.ownSlow, r)
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

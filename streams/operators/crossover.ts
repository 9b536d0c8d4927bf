import type { OperatorFunction, Subscriber } from 'rxjs'
import type { IndicatorOperator } from './indicator.ts'
import type { Reading } from './reading.ts'
import { indicatorValue, ownIndicator, type OwnIndicator } from './shared-series.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Crossover extends Stage<Reading, Reading> {
  private side = 0
  private readonly ownFast: OwnIndicator
  private readonly ownSlow: OwnIndicator

  constructor(
    out: Subscriber<Reading>,
    private readonly fast: IndicatorOperator,
    private readonly slow: IndicatorOperator,
  ) {
    super(out)
    this.ownFast = ownIndicator(fast.create)
    this.ownSlow = ownIndicator(slow.create)
  }

  protected override _next(r: Reading): void {
    // On a shared price series each distinct indicator is computed once for the whole grid.
    const a = indicatorValue(this.fast.label, this.fast.create, this.ownFast, r)
    const b = indicatorValue(this.slow.label, this.slow.create, this.ownSlow, r)
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

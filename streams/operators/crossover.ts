import type { OperatorFunction, Subscriber } from 'rxjs'
import type { IndicatorOperator, NumericIndicator } from './indicator.ts'
import type { Reading } from './reading.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Crossover extends Stage<Reading, Reading> {
  private side = 0

  constructor(
    out: Subscriber<Reading>,
    private readonly fast: NumericIndicator,
    private readonly slow: NumericIndicator,
  ) {
    super(out)
  }

  protected override _next(r: Reading): void {
    const a = this.fast.add(r.value)
    const b = this.slow.add(r.value)
    if (a === null || b === null || a === undefined || b === undefined || a === b) return
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
export const crossover = (fast: IndicatorOperator, slow: IndicatorOperator): OperatorFunction<Reading, Reading> => subscriberOperator((out) => new Crossover(out, fast.create(), slow.create()))

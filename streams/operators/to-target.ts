import type { OperatorFunction, Subscriber } from 'rxjs'
import { target, type TargetIntent } from '../../src/domain/intent.ts'
import type { Reading } from './reading.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class ToTarget extends Stage<Reading, TargetIntent> {
  constructor(
    out: Subscriber<TargetIntent>,
    private readonly symbol: string,
    private readonly weightOf: (value: number) => number,
  ) {
    super(out)
  }

  protected override _next(r: Reading): void {
    this.out.next(target(this.symbol, this.weightOf(r.value), r.ts))
  }
}

/**
 * Turns readings into target intents for `symbol`: weight = `weightOf(value)` (default: the value).
 * @example crossover(sma(5), sma(50)), toTarget(symbol, (side) => (side > 0 ? 1 : 0))
 */
export const toTarget = (symbol: string, weightOf: (value: number) => number = (v) => v): OperatorFunction<Reading, TargetIntent> => subscriberOperator((out) => new ToTarget(out, symbol, weightOf))

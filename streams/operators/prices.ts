import type { OperatorFunction, Subscriber } from 'rxjs'
import type { StrategyInput } from '../../src/domain/intent.ts'
import type { Reading } from './reading.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Prices extends Stage<StrategyInput, Reading> {
  constructor(
    out: Subscriber<Reading>,
    private readonly symbol: string,
  ) {
    super(out)
  }

  protected override _next(e: StrategyInput): void {
    if (e.kind === 'trade' && e.symbol === this.symbol) this.out.next({ value: e.price, ts: e.ts })
  }
}

/** Trade prices of `symbol` from a strategy's input. */
export const prices = (symbol: string): OperatorFunction<StrategyInput, Reading> => subscriberOperator((out) => new Prices(out, symbol))

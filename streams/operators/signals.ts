import type { OperatorFunction, Subscriber } from 'rxjs'
import type { StrategyInput } from '../../src/domain/intent.ts'
import type { Signal } from '../../src/domain/signal.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Signals extends Stage<StrategyInput, Signal> {
  constructor(
    out: Subscriber<Signal>,
    private readonly skipNone: boolean,
  ) {
    super(out)
  }

  protected override _next(e: StrategyInput): void {
    if (e.kind === 'signal' && !(this.skipNone && e.value === 0)) this.out.next(e)
  }
}

/** The scheduled signals in a strategy's input; `{ skipNone: true }` drops the "none" ones. */
export const signals = (o: { skipNone?: boolean } = {}): OperatorFunction<StrategyInput, Signal> => subscriberOperator((out) => new Signals(out, o.skipNone ?? false))

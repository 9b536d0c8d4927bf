import { filter, type OperatorFunction } from 'rxjs'
import type { StrategyInput } from '../../src/domain/intent'
import type { Signal } from '../../src/domain/signal'

/** The scheduled signals in a strategy's input. */
export const signals = (): OperatorFunction<StrategyInput, Signal> => (input$) => input$.pipe(filter((e): e is Signal => e.kind === 'signal'))

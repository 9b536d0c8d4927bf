import { filter, map, type OperatorFunction } from 'rxjs'
import type { StrategyInput } from '../../src/domain/intent'
import type { Trade } from '../../src/domain/market'
import type { Reading } from './reading'

/** Trade prices of `symbol` from a strategy's input. */
export const prices = (symbol: string): OperatorFunction<StrategyInput, Reading> => (input$) =>
  input$.pipe(
    filter((e): e is Trade => e.kind === 'trade' && e.symbol === symbol),
    map((t) => ({ value: t.price, ts: t.ts })),
  )

import { Observable, type OperatorFunction } from 'rxjs'
import type { IndicatorOperator } from './indicator'
import type { Reading } from './reading'

/**
 * Drives `fast` and `slow` on the same readings and emits +1 when fast crosses above slow, −1 when
 * it crosses below (the first emission is the side fast starts on, once both are warm).
 * @example prices('BTC/USDT').pipe(crossover(sma(10), sma(50)))
 */
export const crossover = (fast: IndicatorOperator, slow: IndicatorOperator): OperatorFunction<Reading, Reading> => (source) =>
  new Observable<Reading>((subscriber) => {
    const f = fast.create()
    const s = slow.create()
    let side = 0
    return source.subscribe({
      next: (r) => {
        const a = f.add(r.value)
        const b = s.add(r.value)
        if (a === null || b === null || a === undefined || b === undefined || a === b) return
        const next = a > b ? 1 : -1
        if (next !== side) {
          side = next
          subscriber.next({ value: next, ts: r.ts })
        }
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    })
  })

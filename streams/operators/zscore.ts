import type { OperatorFunction } from 'rxjs'
import { BollingerBands } from 'trading-signals'
import { indicator } from './indicator'
import type { Reading } from './reading'

/**
 * How many standard deviations a reading is from its `window`-long mean, from trading-signals'
 * Bollinger bands at one deviation (upper − middle = σ). Flat windows give 0.
 */
export const zscore = (window: number): OperatorFunction<Reading, Reading> => (source) => {
  let last = 0
  const bands = indicator(`bands(${window})`, () => {
    const bb = new BollingerBands(window, 1)
    return {
      add: (v: number) => {
        last = v
        const r = bb.add(v)
        if (r === null) return null
        const sd = r.upper - r.middle
        return sd > 0 ? (last - r.middle) / sd : 0
      },
    }
  })
  return source.pipe(bands)
}

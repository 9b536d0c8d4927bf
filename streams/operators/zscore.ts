import type { OperatorFunction } from 'rxjs'
import { BollingerBands } from 'trading-signals'
import { indicator } from './indicator.ts'
import type { Reading } from './reading.ts'

/** z-score from trading-signals' Bollinger bands at one deviation (upper − middle = σ); flat windows give 0. */
class ZScore {
  private readonly bb: BollingerBands

  constructor(window: number) {
    this.bb = new BollingerBands(window, 1)
  }

  add(v: number): number | null {
    const r = this.bb.add(v)
    if (r === null) return null
    const sd = r.upper - r.middle
    return sd > 0 ? (v - r.middle) / sd : 0
  }
}

/** How many standard deviations a reading is from its `window`-long mean. */
export const zscore = (window: number): OperatorFunction<Reading, Reading> => indicator(`zscore(${window})`, () => new ZScore(window))

import type { OperatorFunction, Subscriber } from 'rxjs'
import type { StrategyInput } from '../../src/domain/intent.ts'
import type { Reading } from './reading.ts'
import { currentSeries, currentTape } from './shared-series.ts'
import type { Series } from './reading.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

class Prices extends Stage<StrategyInput, Reading> {
  /** The tape this stage last saw, and its series of this symbol there. */
  private tape: object | null = null
  private series: Series | null = null
  constructor(
    out: Subscriber<Reading>,
    private readonly symbol: string,
  ) {
    super(out)
  }

  protected override _next(e: StrategyInput): void {
    let value: number
    if (e.kind === 'trade') value = e.price
    else if (e.kind === 'bar') value = e.close
    else return
    if (e.symbol !== this.symbol) return
    const tape = currentTape()
    if (tape !== this.tape) {
      this.tape = tape
      this.series = currentSeries(this.symbol)
    }
    const series = this.series
    if (series === null) {
      this.out.next({ value, ts: e.ts })
      return
    }
    // Every pipeline on this symbol gets the same reading, numbered in its series (shared indicators key on it).
    if (series.lastEvent !== e) {
      series.lastEvent = e
      series.lastReading = { value, ts: e.ts, series, n: ++series.n }
    }
    this.out.next(series.lastReading!)
  }
}

/** Prices of `symbol` from a strategy's input: each trade's price, and each closed bar's close (replays of candles). */
export const prices = (symbol: string): OperatorFunction<StrategyInput, Reading> => subscriberOperator((out) => new Prices(out, symbol))

import { map } from 'rxjs'
import { arForecast as forecast } from '../operators/ar-forecast.ts'
import { hysteresis } from '../operators/hysteresis.ts'
import { prices } from '../operators/prices.ts'
import { toTarget } from '../operators/to-target.ts'
import { defineStrategy } from './strategy.ts'

/**
 * Long (or short) while an autoregression refitted on every trade (or every sampleMs) forecasts the next return beyond
 * `thresholdBps`. Heavy by design (O(window × lags²) per trade): it runs in a worker thread when the
 * engine has workers. Pipelines that differ only in threshold share one fit per trade.
 */
export const arForecast = defineStrategy({
  name: 'arForecast',
  description: 'Long/short while a rolling AR(lags) least-squares fit over `window` returns forecasts the next return beyond ±thresholdBps',
  inputs: { signals: false, market: true },
  heavy: true,
  params: {
    window: { default: 3000, min: 10, max: 1_000_000, integer: true, doc: 'returns the regression is fitted on, refitted at every trade' },
    lags: { default: 8, min: 1, max: 64, integer: true, doc: 'autoregression order (past returns as regressors)' },
    thresholdBps: { default: 0.5, min: 0, doc: 'forecast needed to enter, in basis points; exit when it changes sign' },
    sampleMs: { default: 0, min: 0, max: 86_400_000, integer: true, doc: 'fit on the first price of each period of this many ms (0: on every trade)' },
    short: { default: 0, min: 0, max: 1, integer: true, doc: '1 = also go short on a negative forecast, 0 = long only (spot)' },
  },
  check: (p) => (p.window > p.lags * 4 ? null : `window (${p.window}) must be more than 4 × lags (${p.lags})`),
  create: (p) => (input$) =>
    input$.pipe(
      prices(p.symbol),
      forecast(p.window, p.lags, p.sampleMs),
      map((r) => ({ value: -r.value, ts: r.ts })),
      // hysteresis goes long at or below `longBelow`: feed it the negated forecast.
      hysteresis(p.short ? { longBelow: -p.thresholdBps, exitLongAbove: 0, shortAbove: p.thresholdBps, exitShortBelow: 0 } : { longBelow: -p.thresholdBps, exitLongAbove: 0 }),
      toTarget(p.symbol),
    ),
})

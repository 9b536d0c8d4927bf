import { crossover, defineStrategy, ema, prices, toTarget } from 'shoal'

/** Long while EMA(fast) of prices is above EMA(slow), flat below. Edit me: a strategy is a stream operator. */
export const emaCross = defineStrategy({
  name: 'emaCross',
  description: 'long while EMA(fast) > EMA(slow), flat otherwise',
  inputs: { signals: false, market: true },
  params: {
    fast: { default: 12, min: 1, integer: true, doc: 'fast EMA period, in prices' },
    slow: { default: 26, min: 2, integer: true, doc: 'slow EMA period, in prices' },
  },
  check: (p) => (p.fast < p.slow ? null : `fast (${p.fast}) must be below slow (${p.slow})`),
  create: (p) => (input$) =>
    input$.pipe(
      prices(p.symbol),
      crossover(ema(p.fast), ema(p.slow)),
      toTarget(p.symbol, (side) => (side > 0 ? 1 : 0)),
    ),
})

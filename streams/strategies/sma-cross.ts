import { crossover } from '../operators/crossover.ts'
import { sma } from '../operators/indicator.ts'
import { prices } from '../operators/prices.ts'
import { toTarget } from '../operators/to-target.ts'
import { defineStrategy } from './strategy.ts'

/** Long while the fast SMA of trade prices is above the slow one, flat (or short) below. */
export const smaCross = defineStrategy({
  name: 'smaCross',
  description: 'Long when SMA(fast) crosses above SMA(slow), flat (or short) when it crosses below',
  inputs: { signals: false, market: true },
  params: {
    fast: { default: 10, min: 1, integer: true, doc: 'fast SMA period, in trades' },
    slow: { default: 50, min: 2, integer: true, doc: 'slow SMA period, in trades' },
    short: { default: 0, min: 0, max: 1, integer: true, doc: '1 = go short below, 0 = flat' },
  },
  check: (p) => (p.fast < p.slow ? null : `fast (${p.fast}) must be below slow (${p.slow})`),
  create: (p) => (input$) =>
    input$.pipe(
      prices(p.symbol),
      crossover(sma(p.fast), sma(p.slow)),
      toTarget(p.symbol, (side) => (side > 0 ? 1 : p.short ? -1 : 0)),
    ),
})

import { hysteresis } from '../operators/hysteresis.ts'
import { prices } from '../operators/prices.ts'
import { toTarget } from '../operators/to-target.ts'
import { zscore } from '../operators/zscore.ts'
import { defineStrategy } from './strategy.ts'

/** Buys when price is `z` standard deviations below its rolling mean, exits when it is back at the mean. */
export const meanReversion = defineStrategy({
  name: 'meanReversion',
  description: 'Long when the z-score of price over a window falls below -z, flat once it is back to 0',
  inputs: { signals: false, market: true },
  params: {
    window: { default: 20, min: 2, integer: true, doc: 'rolling window, in trades' },
    z: { default: 2, min: 0.1, doc: 'entry distance from the mean, in standard deviations' },
  },
  create: (p) => (input$) => input$.pipe(prices(p.symbol), zscore(p.window), hysteresis({ longBelow: -p.z, exitLongAbove: 0 }), toTarget(p.symbol)),
})

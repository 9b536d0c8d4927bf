import { sizeForNotional } from '../../src/engine/sizing.ts'
import type { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { expandGrid, type StrategySpec } from '../../streams/strategies/grid.ts'

/** `count` signal followers spread over every market of `sim` in `groups` groups, each sized to `notional` quote at the current ask. */
export function followers(sim: SimExchange, count: number, groups: number, notional = 50): StrategySpec[] {
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, notional, sim.lastQuote(s)!.ask)
  return expandGrid({ strategy: 'followSignal', symbols, count, groups, sizeOf })
}

import { Subject } from 'rxjs'
import { BollingerBands } from 'trading-signals'
import type { MarketEvent, Trade } from '../../src/domain/market.ts'
import { Engine } from '../../src/engine/engine.ts'
import { sizeForNotional } from '../../src/engine/sizing.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { gaussian, prng } from '../../src/util/random.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { arg, emit, percentile, round } from './util.ts'

/**
 * One trade of one symbol → the 1,000 actors trading it, each with its own pipeline (distinct
 * meanReversion parameters, so nothing is shared). Per-tick delivery time, including the orders the
 * crossings start, against a hand-written loop over the same indicators.
 */
const actors = arg('actors', 1_000)
const ticks = arg('ticks', 3_000)
const sim = new SimExchange({ symbols: 1, seed: 3, latencyMs: 50 })
const symbol = sim.markets[0]!.symbol
const market$ = new Subject<MarketEvent>()
const port = Object.assign(Object.create(sim) as SimExchange, { watchMarket: () => market$.asObservable() })
const size = sizeForNotional(sim.markets[0]!, 100, sim.lastQuote(symbol)!.ask)
const specs: StrategySpec[] = []
for (let i = 0; i < actors; i++) specs.push({ id: `mr-${i}`, strategy: 'meanReversion', params: { window: 10 + (i % 50), z: 1 + Math.floor(i / 50) * 0.05 }, symbol, group: 0, size })
const engine = new Engine({ exchange: port, markets: sim.markets, strategies: specs, runTag: 't' }).start()

const rand = prng(9)
let price = sim.lastQuote(symbol)!.bid
const trades: Trade[] = []
for (let i = 0; i < ticks * 2; i++) {
  price *= Math.exp(0.002 * gaussian(rand))
  trades.push({ kind: 'trade', symbol, id: `x${i}`, price, amount: 1, side: i % 2 ? 'buy' : 'sell', ts: i })
}

const engineTimes: number[] = []
for (let i = 0; i < ticks * 2; i++) {
  const t0 = performance.now()
  market$.next(trades[i]!)
  if (i >= ticks) engineTimes.push(performance.now() - t0)
  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0))
}

// The same work, hand-written: one Bollinger band and one hysteresis state per strategy, and the
// same market orders on the same simulator, in the same heap as the engine's.
const bands = specs.map((s) => new BollingerBands(s.params.window!, 1))
const zs = specs.map((s) => s.params.z!)
const weights = new Int8Array(actors)
const positions = new Float64Array(actors)
const busy = new Uint8Array(actors)
let changes = 0
let loopOrders = 0
const place = (k: number, target: number) => {
  const delta = target - positions[k]!
  if (busy[k] === 1 || Math.abs(delta) < 1e-12) return
  busy[k] = 1
  loopOrders++
  sim.createOrder({ clientOrderId: `L-${k.toString(36)}-${loopOrders.toString(36)}`, symbol, side: delta > 0 ? 'buy' : 'sell', type: 'market', amount: Math.abs(delta) }).subscribe({
    next: (r) => (positions[k] = positions[k]! + (r.side === 'buy' ? r.filled : -r.filled)),
    error: () => void (busy[k] = 0),
    complete: () => void (busy[k] = 0),
  })
}
const loopTimes: number[] = []
for (let i = 0; i < ticks * 2; i++) {
  const t0 = performance.now()
  const p = trades[i]!.price
  for (let k = 0; k < actors; k++) {
    const r = bands[k]!.add(p)
    if (r === null) continue
    const sd = r.upper - r.middle
    const z = sd > 0 ? (p - r.middle) / sd : 0
    const w = weights[k]!
    const next = w === 0 ? (z <= -zs[k]! ? 1 : 0) : z >= 0 ? 0 : 1
    if (next !== w) {
      weights[k] = next
      changes++
      place(k, next * size)
    }
  }
  if (i >= ticks) loopTimes.push(performance.now() - t0)
  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0))
}

emit({
  scenario: 'market-tick',
  actors,
  pipelines: engine.pipelines,
  ticks,
  ordersStarted: engine.metrics.totals().submitted,
  loopChanges: changes,
  loopOrders,
  engineMs: { p50: round(percentile(engineTimes, 50), 4), p99: round(percentile(engineTimes, 99), 4), max: round(percentile(engineTimes, 100), 4) },
  loopMs: { p50: round(percentile(loopTimes, 50), 4), p99: round(percentile(loopTimes, 99), 4) },
  ratioP50: round(percentile(engineTimes, 50) / percentile(loopTimes, 50), 2),
})
await engine.stop(2_000)
sim.stop()
process.exit(0)

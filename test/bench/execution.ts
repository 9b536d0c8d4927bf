import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import type { AlgoName } from '../../actors/algos/algo.ts'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import { Engine } from '../../src/engine/engine.ts'
import { sizeForNotional } from '../../src/engine/sizing.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { signalSchedule } from '../../streams/signal-schedule.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'
import { finishVirtual } from '../support/virtual.ts'
import { arg, emit } from './util.ts'

/**
 * Seed 002's claim, measured on the simulator: the same strategies, seed and signals, executed with
 * market, limit, chase and peg orders (virtual time: deterministic, and minutes of trading in
 * seconds). Slippage is against the mid when the intent arrived.
 */
const minutes = arg('minutes', 20)
const actors = arg('actors', 1_000)
const results: Record<string, unknown> = {}
const variants: [string, AlgoName, Partial<typeof DEFAULT_ALGO_OPTIONS>][] = [
  ['market', 'market', {}],
  ['limit', 'limit', {}],
  ['chase', 'chase', {}],
  ['chase, 5 bps guard, 5 s', 'chase', { maxSlippageBps: 5, maxWorkMs: 5_000 }],
  ['peg', 'peg', {}],
]
for (const [label, algo, extra] of variants) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, minutes * 60_000)
  const sim = new SimExchange({ symbols: 10, seed: 5, latencyMs: 50, tickMs: 250, scenario: 'calm', scheduler }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 100, sim.lastQuote(s)!.ask)
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: 'followSignal', symbols, count: actors, groups: 50, sizeOf }),
    signals: signalSchedule({ groups: 50, everyMs: 30_000, seed: 3, scheduler }),
    scheduler,
    clock: () => scheduler.now(),
    execution: { algo, options: { ...DEFAULT_ALGO_OPTIONS, maxWorkMs: 15_000, fallback: 'market', maxSlippageBps: 25, ...extra } },
    runTag: algo,
  }).start()
  scheduler.flush()
  await finishVirtual(engine, sim, scheduler, 60_000)
  results[label] = engine.execution!.summary()
}
emit({ scenario: 'execution', actors, minutes, results })
process.exit(0)

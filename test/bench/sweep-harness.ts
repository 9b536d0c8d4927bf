import { Subject } from 'rxjs'
import { Engine, type EngineMode } from '../../src/engine/engine.ts'
import { exposedMinorGc } from '../../src/engine/quiet-collector.ts'
import { sizeForNotional } from '../../src/engine/sizing.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import type { SignalRound } from '../../src/domain/signal.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { expandGrid, type StrategySpec } from '../../streams/strategies/grid.ts'
import { sleep } from './util.ts'

export interface SweepSetup {
  readonly actors: number
  readonly latencyMs: number
  readonly mode?: EngineMode
  readonly groups?: number
  readonly symbols?: number
  readonly chunkSize?: number
  readonly seed?: number
}

/** followSignal specs on the simulator's symbols, sized to 100 USDT. */
export function followSpecs(sim: SimExchange, actors: number, groups: number): StrategySpec[] {
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (sym: string) => sizeForNotional(sim.markets.find((m) => m.symbol === sym)!, 100, sim.lastQuote(sym)!.ask)
  return expandGrid({ strategy: 'followSignal', symbols, count: actors, groups, sizeOf })
}

/**
 * An engine of `actors` signal followers on the simulator in real time. Rounds are injected by
 * hand with seed 000's odds (40 % enter, 40 % exit), so about 40 % of the actors act per round once
 * positions have mixed.
 */
export function sweepRig(s: SweepSetup) {
  const sim = new SimExchange({ symbols: s.symbols ?? 20, seed: s.seed ?? 1, latencyMs: s.latencyMs, tickMs: 1_000 })
  const groups = s.groups ?? 100
  const gc = exposedMinorGc()
  const rounds$ = new Subject<SignalRound>()
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: followSpecs(sim, s.actors, groups),
    signals: rounds$,
    mode: s.mode ?? 'lock',
    chunkSize: s.chunkSize ?? 250,
    runTag: 'b',
    // As a session runs it: the young generation collected once a round's actions have ended.
    ...(gc === null ? {} : { collectWhenQuiet: gc }),
  })
  let round = 0
  return {
    sim,
    engine,
    groups,
    /** Emits the next round; resolves once every action it started has finished. */
    async round(): Promise<void> {
      round++
      rounds$.next(signalRound({ groups, everyMs: 1, seed: s.seed ?? 1 }, round, Date.now()))
      await sleep(1)
      while (engine.metrics.inFlight > 0 || sim.pending > 0) await sleep(5)
    },
  }
}

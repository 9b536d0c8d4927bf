import { Subject } from 'rxjs'
import { Engine, type EngineMode } from '../../src/engine/engine'
import { sizeForNotional } from '../../src/engine/sizing'
import { SimExchange } from '../../src/exchange/sim/sim-exchange'
import type { SignalRound } from '../../src/domain/signal'
import { signalRound } from '../../streams/signal-schedule'
import { expandGrid } from '../../streams/strategies/grid'

export interface SweepSetup {
  readonly actors: number
  readonly latencyMs: number
  readonly mode?: EngineMode
  readonly groups?: number
  readonly symbols?: number
  readonly chunkSize?: number
  readonly seed?: number
}

/** An engine of `actors` signal followers on the simulator in real time, with rounds injected by hand. */
export function sweepRig(s: SweepSetup) {
  const sim = new SimExchange({ symbols: s.symbols ?? 20, seed: s.seed ?? 1, latencyMs: s.latencyMs, tickMs: 1_000 })
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (sym: string) => sizeForNotional(sim.markets.find((m) => m.symbol === sym)!, 100, sim.lastQuote(sym)!.ask)
  const groups = s.groups ?? 100
  const rounds$ = new Subject<SignalRound>()
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: 'followSignal', symbols, count: s.actors, groups, sizeOf }),
    signals: rounds$,
    mode: s.mode ?? 'lock',
    chunkSize: s.chunkSize ?? 250,
    runTag: 'b',
  })
  let round = 0
  return {
    sim,
    engine,
    /** Emits the next round; resolves when no action is left in flight. */
    async round(): Promise<void> {
      round++
      rounds$.next(signalRound({ groups, everyMs: 1, seed: s.seed ?? 1 }, round, Date.now()))
      while (engine.metrics.inFlight > 0 || sim.pending > 0) await new Promise((r) => setTimeout(r, 5))
    },
  }
}

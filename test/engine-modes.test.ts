import { map, Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { SignalRound } from '../src/domain/signal.ts'
import { target } from '../src/domain/intent.ts'
import { Engine, type EngineMode } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { signalRound } from '../streams/signal-schedule.ts'
import { signals } from '../streams/operators/signals.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { registerStrategy } from '../streams/strategies/registry.ts'
import { defineStrategy } from '../streams/strategies/strategy.ts'

function rig(mode: EngineMode, actors: number, latencyMs: number, extra: { strategy?: string } = {}) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 3_600_000)
  const sim = new SimExchange({ symbols: 4, seed: 2, latencyMs, jitter: 0, scheduler })
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  const rounds$ = new Subject<SignalRound>()
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: extra.strategy ?? 'followSignal', symbols, count: actors, groups: 10, sizeOf }),
    signals: rounds$,
    mode,
    chunkSize: 100,
    scheduler,
    clock: () => scheduler.now(),
    runTag: mode,
  }).start()
  const round = (n: number, value?: 1 | -1) => {
    const r = signalRound({ groups: 10, everyMs: 1, seed: 4 }, n, scheduler.now())
    if (value !== undefined) r.values.fill(value)
    rounds$.next(r)
  }
  return { scheduler, sim, engine, round }
}

describe('lock vs await mode (virtual time)', () => {
  it('lock mode delivers a round without waiting for the venue; await mode waits chunk by chunk', () => {
    const lock = rig('lock', 1_000, 200)
    lock.round(1, 1)
    lock.scheduler.flush()
    const awaitRig = rig('await', 1_000, 200)
    awaitRig.round(1, 1)
    awaitRig.scheduler.flush()
    const l = lock.engine.metrics.window()
    const a = awaitRig.engine.metrics.window()
    expect(l.counters.submitted).toBe(1_000)
    expect(a.counters.submitted).toBe(1_000)
    expect(l.sweepMs.max).toBe(0) // virtual clock: nothing on the sweep path waits
    expect(l.reactionMs.max).toBe(0)
    // 10 chunks of 100, each waits for its 200 ms round trips before the next is evaluated
    expect(a.sweepMs.max).toBeGreaterThanOrEqual(10 * 200)
    expect(a.reactionMs.max).toBeGreaterThanOrEqual(9 * 200)
    expect(awaitRig.engine.actors.every((x) => x.state.position > 0)).toBe(true)
  })
})

describe('one in flight per actor, latest wins', () => {
  it('drops intents that arrive while busy, then acts once on the latest if it still differs', () => {
    const { scheduler, engine, round } = rig('lock', 100, 500)
    round(1, 1) // enter: 100 orders, in flight for 500 ms
    scheduler.schedule(() => round(2, -1), 100) // exit while busy
    scheduler.schedule(() => round(3, 1), 200) // enter again while busy: latest = enter = what is being done
    scheduler.flush()
    const t = engine.metrics.totals()
    expect(t.droppedWhileBusy).toBe(200)
    expect(t.submitted).toBe(100) // the latest (enter) no longer differs once the first order filled
    expect(engine.actors.every((a) => a.state.position > 0 && a.state.order === null)).toBe(true)

    round(4, 1) // already long: starts nothing
    scheduler.schedule(() => round(5, -1), 100) // exit: one order each
    scheduler.flush()
    expect(engine.metrics.totals().submitted).toBe(200)
    expect(engine.actors.every((a) => a.state.position === 0)).toBe(true)

    round(6, 1) // enter, in flight for 500 ms
    scheduler.schedule(() => round(7, -1), 100) // exit while busy: latest differs once the entry fills
    scheduler.flush()
    const u = engine.metrics.totals()
    expect(u.submitted).toBe(400) // entry, then the latest (exit) right after it: nothing lost
    expect(u.droppedWhileBusy).toBe(300)
    expect(engine.actors.every((a) => a.state.position === 0 && a.state.filled === 4)).toBe(true)
  })
})

describe('fault isolation', () => {
  registerStrategy(
    defineStrategy({
      name: 'explodesOnRound2',
      description: 'test: throws when round 2 arrives in group 3',
      inputs: { signals: true, market: false },
      params: {},
      create: (p) => (input$) =>
        input$.pipe(
          signals(),
          map((s) => {
            if (s.round === 2 && s.group === 3) throw new Error('strategy bug')
            return target(p.symbol, s.value === 1 ? 1 : 0, s.ts)
          }),
        ),
    }),
  )

  it('a failing strategy stops its own actors only, and is counted', () => {
    const { scheduler, engine, round } = rig('lock', 200, 50, { strategy: 'explodesOnRound2' })
    round(1, 1)
    scheduler.flush()
    round(2, -1)
    scheduler.flush()
    const stopped = engine.actors.filter((a) => !a.state.running)
    expect(stopped.length).toBe(20)
    expect(stopped.every((a) => a.group === 3 && a.state.error === 'strategy bug')).toBe(true)
    expect(engine.metrics.totals().failedActors).toBe(20)
    const others = engine.actors.filter((a) => a.state.running)
    expect(others.every((a) => a.state.position === 0 && a.state.filled === 2)).toBe(true)
    round(3, 1)
    scheduler.flush()
    expect(stopped.every((a) => a.state.submitted === 1)).toBe(true)
    expect(others.every((a) => a.state.submitted === 3)).toBe(true)
  })
})

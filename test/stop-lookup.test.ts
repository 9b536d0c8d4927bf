import { filter, NEVER, type Observable, Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import type { ExchangeOrder } from '../src/domain/exchange.ts'
import type { SignalRound } from '../src/domain/signal.ts'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import type { ExchangePort } from '../src/exchange/port.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { signalRound } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'

/** The simulator, except that cancel answers never come back and pushed cancellations are lost. */
function losingCancels(sim: SimExchange): ExchangePort {
  return new Proxy(sim, {
    get(target, prop, receiver) {
      if (prop === 'cancelOrder')
        return (id: string, symbol: string): Observable<ExchangeOrder> => {
          sim.cancelOrder(id, symbol).subscribe({ error: () => {} })
          return NEVER
        }
      if (prop === 'watchOrders') return () => sim.watchOrders().pipe(filter((o) => o.status !== 'canceled'))
      const v = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

describe('stopping with answers that never came', () => {
  it('looks each open order up by client id, so the actions end with the venue’s final state instead of staying open', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY)
    const sim = new SimExchange({ symbols: 2, seed: 3, latencyMs: 10, jitter: 0, rejectRate: 0, timeoutRate: 0, scheduler }).start()
    const symbols = sim.markets.map((m) => m.symbol)
    const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
    const rounds$ = new Subject<SignalRound>()
    const warnings: string[] = []
    const log = { warn: (_: unknown, msg: string) => warnings.push(msg), error: () => {}, info: () => {}, debug: () => {} } as never
    const engine = new Engine({
      exchange: losingCancels(sim),
      markets: sim.markets,
      strategies: expandGrid({ strategy: 'followSignal', symbols, count: 20, groups: 1, sizeOf }),
      signals: rounds$,
      scheduler,
      // Limit orders that rest a minute at the touch: still working when the stop comes.
      execution: { algo: 'limit', options: { ...DEFAULT_ALGO_OPTIONS, maxWorkMs: 60_000, fallback: 'cancel' } },
      logger: log,
    }).start()
    const r = signalRound({ groups: 1, everyMs: 1, seed: 1 }, 1, 0)
    r.values.fill(1)
    scheduler.schedule(() => rounds$.next(r), 1_000)
    scheduler.maxFrames = 2_000
    scheduler.flush()
    const working = engine.actors.filter((a) => a.state.order !== null).length
    expect(working).toBeGreaterThanOrEqual(10)

    const stopped = engine.stop(1_000, 1_000)
    // One advance of the virtual clock carries the whole stop: the look-up is scheduled from the drain's deadline.
    scheduler.maxFrames = scheduler.now() + 20_000
    scheduler.flush()
    await stopped
    sim.stop()
    // Every order was cancelled on the venue; the look-up told each action so.
    const open = engine.actors.filter((a) => a.state.order !== null)
    expect(open.map((a) => `${a.id} ${a.state.order!.status}`)).toEqual([])
    expect(sim.knownOrders().filter((o) => o.status === 'open')).toEqual([])
    expect(engine.metrics.totals().canceled).toBeGreaterThanOrEqual(working - engine.metrics.totals().filled)
    expect(warnings.filter((w) => w.includes('still in flight'))).toEqual([])
  })
})

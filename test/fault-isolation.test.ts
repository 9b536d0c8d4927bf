import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { map, type Observable, Subject, VirtualAction, VirtualTimeScheduler, type Subscriber } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { target, type Intent, type StrategyInput } from '../src/domain/intent.ts'
import type { SignalRound } from '../src/domain/signal.ts'
import { Engine } from '../src/engine/engine.ts'
import type { EngineOptions } from '../src/engine/engine-options.ts'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import type { ExchangeOrder, ExchangePort, OrderRequest } from '../src/exchange/port.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { Stage, subscriberOperator } from '../streams/operators/subscriber-operator.ts'
import { signalRound } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { registerStrategy } from '../streams/strategies/registry.ts'
import { defineStrategy } from '../streams/strategies/strategy.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-faults-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A hand-written stage (no rxjs `map` to catch for it) that throws on its `nth` signal. */
class ThrowsOnNth extends Stage<StrategyInput, Intent> {
  private seen = 0
  constructor(
    out: Subscriber<Intent>,
    private readonly nth: number,
    private readonly symbol: string,
  ) {
    super(out)
  }
  protected override _next(e: StrategyInput): void {
    if (e.kind !== 'signal' || e.value === 0) return
    if (++this.seen === this.nth) throw new Error(`strategy bug on signal ${this.nth}`)
    this.out.next(target(this.symbol, e.value === 1 ? 1 : 0, e.ts))
  }
}
registerStrategy(
  defineStrategy({
    name: 'throwsOnThirdSignal',
    description: 'test: a strategy with a bug that shows on its third signal',
    inputs: { signals: true, market: false },
    params: {},
    create: (p) => (input$) => input$.pipe(subscriberOperator((out) => new ThrowsOnNth(out, 3, p.symbol))),
  }),
)

const actorOf = (clientOrderId: string) => parseInt(clientOrderId.split('-')[1]!, 36)

/** The simulator, except that one actor's venue call throws and another's answers are unreadable. */
function faultyVenue(sim: SimExchange, throwsFor: number, garbageFor: number): ExchangePort {
  return new Proxy(sim, {
    get(target, prop, receiver) {
      if (prop === 'createOrder')
        return (req: OrderRequest): Observable<ExchangeOrder> => {
          const a = actorOf(req.clientOrderId)
          if (a === throwsFor) throw new TypeError('adapter bug: cannot read properties of undefined')
          if (a === garbageFor) return sim.createOrder(req).pipe(map((o) => ({ ...o, trades: null as never })))
          return sim.createOrder(req)
        }
      const v = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

/** The scenario, with orders sent plainly or worked by the market execution algorithm (whose own fault handling is in the path). */
async function faultsScenario(name: string, execution?: EngineOptions['execution']) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 3_600_000)
  // Market data on: quotes, without which an execution algorithm is not used.
  const sim = new SimExchange({ symbols: 4, seed: 2, latencyMs: 50, jitter: 0, scheduler }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  // Actors 0..199 follow signals; 200..219 run the buggy strategy (groups 0..9, all four symbols).
  const specs = [
    ...expandGrid({ strategy: 'followSignal', symbols, count: 200, groups: 10, sizeOf }),
    ...expandGrid({ strategy: 'throwsOnThirdSignal', symbols, count: 20, groups: 10, sizeOf, offset: 200 }),
  ]
  const file = join(dir, `${name}.sqlite`)
  const store = new OrderStore(await openStore(file), 'faults')
  await store.migrate()
  const rounds$ = new Subject<SignalRound>()
  const engine = new Engine({
    exchange: faultyVenue(sim, 7, 11),
    markets: sim.markets,
    strategies: specs,
    signals: rounds$,
    scheduler,
    clock: () => scheduler.now(),
    store,
    sinkWindowMs: 100,
    runTag: 'f',
    execution,
  }).start()
  const ROUNDS = 8
  for (let n = 1; n <= ROUNDS; n++) {
    const r = signalRound({ groups: 10, everyMs: 1, seed: 4 }, n, scheduler.now())
    r.values.fill(n % 2 === 1 ? 1 : -1)
    scheduler.schedule(() => rounds$.next(r), n * 1_000)
  }
  scheduler.maxFrames = (ROUNDS + 1) * 1_000
  scheduler.flush()
  await finishVirtual(engine, sim, scheduler)
  await store.close()

  const failed = engine.actors
    .filter((a) => !a.state.running)
    .map((a) => a.index)
    .sort((x, y) => x - y)
  // The buggy pipelines' 20 actors and the actor whose venue answer could not be read: nobody else.
  expect(failed).toEqual([11, ...Array.from({ length: 20 }, (_, i) => 200 + i)])
  expect(engine.metrics.totals().failedActors).toBe(21)
  expect(engine.actors[11]!.state.error).toMatch(/trades|iterable|undefined|null/)
  expect(engine.actors[205]!.state.error).toBe('strategy bug on signal 3')

  const db = new BetterSqlite3(file, { readonly: true })
  const perStrategy = new Map((db.prepare('select strategy_id s, count(*) n from orders group by strategy_id').all() as { s: string; n: number }[]).map((r) => [r.s, r.n]))
  const rejectedOf = (id: string) => (db.prepare("select count(*) n from orders where strategy_id = ? and status = 'rejected'").get(id) as { n: number }).n
  for (const a of engine.actors) {
    const n = perStrategy.get(a.id) ?? 0
    if (a.index >= 200)
      expect(n, a.id).toBe(2) // entered and exited, then its pipeline failed on signal 3
    else if (a.index === 11)
      expect(n).toBe(1) // its first answer was unreadable
    else if (a.index === 7) {
      // Every placement threw inside the adapter: each became a rejected order, and the actor went on trying.
      expect(n).toBe(ROUNDS / 2)
      expect(rejectedOf(a.id)).toBe(n)
      expect(a.state.running).toBe(true)
    } else expect(n, a.id).toBe(ROUNDS) // everyone else traded every round to the end
  }
  db.close()
  return engine
}

describe('a fault stops only the actors it belongs to (counted from the database)', () => {
  it('a throwing strategy, an execution action that errors, and a venue call that throws', () => faultsScenario('plain'))

  it('the same with market execution: an unreadable answer fails that actor through the algorithm, not as an unhandled error', async () => {
    const engine = await faultsScenario('market', { algo: 'market', options: DEFAULT_ALGO_OPTIONS })
    // The orders were worked by the algorithm: one execution report per order that ended.
    expect(engine.execution!.summary().works).toBeGreaterThan(1_000)
  })
})

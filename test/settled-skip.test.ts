import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../actors/risk/limits.ts'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import { IntentFeed, StrategyActor } from '../actors/strategy-actor.ts'
import { target, type Intent } from '../src/domain/intent.ts'
import { Engine } from '../src/engine/engine.ts'
import { InputFanout } from '../src/engine/input-fanout.ts'
import { Metrics } from '../src/engine/metrics.ts'
import { SettledActors } from '../src/engine/settled-actors.ts'
import type { StrategyInstance, StrategyInstances } from '../src/engine/strategy-instances.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { followers } from './support/followers.ts'
import { finishVirtual } from './support/virtual.ts'

const MINUTES = 6

/**
 * One virtual-time run: signal followers and market-driven crosses on the simulator (rejects and
 * lost answers), a risk limit that refuses some orders, and the capital allocator changing sizes
 * of flat strategies as it goes. Returns every fill as it happened and every actor's final figures.
 */
async function run(skipSettled: boolean, netting: boolean) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, MINUTES * 60_000)
  const sim = new SimExchange({ symbols: 6, seed: 21, latencyMs: 150, rejectRate: 0.03, timeoutRate: 0.01, timeoutMs: 1_000, tickMs: 1_000, scheduler }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  const tape: string[] = []
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: [
      ...expandGrid({ strategy: 'followSignal', symbols, count: 1_500, groups: 30, sizeOf }),
      ...expandGrid({ strategy: 'smaCross', params: { fast: [3, 5], slow: [8, 13] }, symbols, count: 300, sizeOf, offset: 1_500 }),
    ],
    signals: signalSchedule({ groups: 30, everyMs: 10_000, seed: 4, scheduler }),
    scheduler,
    retryDelayMs: 200,
    runTag: 'sk',
    skipSettled,
    risk: new RiskManager({ ...DEFAULT_LIMITS, maxSymbolPosition: 8_000 }, sim.markets, 0),
    allocator: { kind: 'hedge', horizonMs: 30_000, eta: 10, floor: 0.1, cap: 10, everyMs: 5_000 },
    ...(netting ? { netting: {} } : {}),
    onFill: (a, before, after) => tape.push(`${scheduler.now()} ${a.index} ${before.position} → ${after.position} ${after.realizedPnl}`),
  }).start()
  scheduler.flush()
  await finishVirtual(engine, sim, scheduler)
  const actors = engine.actors.map((a) => {
    const s = a.state
    return `${a.index} ${s.position} ${s.realizedPnl} ${s.fees} ${s.orderSeq} ${s.submitted} ${s.filled} ${s.rejected} ${s.canceled} ${s.denied} ${a.scale}`
  })
  const { settledSkips, ...totals } = engine.metrics.totals()
  return { tape, actors, totals, settledSkips }
}

describe('skipping actors already at an unchanged target', () => {
  for (const netting of [false, true])
    it(`changes nothing any strategy does or gets${netting ? ', with netting' : ''} (rejects, lost answers, risk refusals and new capital weights on the way)`, async () => {
      const reference = await run(false, netting)
      const skipping = await run(true, netting)
      expect(reference.settledSkips).toBe(0)
      // It did skip: about a fifth of the signal followers' deliveries are an equal intent to a strategy at target.
      expect(skipping.settledSkips).toBeGreaterThan(5_000)
      expect(reference.totals.denied).toBeGreaterThan(0)
      expect(reference.totals.rejected).toBeGreaterThan(0)
      expect(reference.tape.length).toBeGreaterThan(5_000)
      expect(reference.actors.filter((a) => !a.endsWith(' 1')).length).toBeGreaterThan(100)
      expect(skipping.totals).toEqual(reference.totals)
      expect(skipping.actors).toEqual(reference.actors)
      expect(skipping.tape).toEqual(reference.tape)
    }, 120_000)
})

describe('the fan-out with settled actors', () => {
  /** Three actors of one pipeline (lot 0.01): a holds 1 (size 1), b holds 0.5 of size 1, c is sized by notional. */
  function rig() {
    const actors = [new StrategyActor(0, 'a', 'X/Y', 0, 1), new StrategyActor(1, 'b', 'X/Y', 0, 1), new StrategyActor(2, 'c', 'X/Y', 0, 1, 100)]
    const hold = (a: StrategyActor, position: number) => (a.state = { ...a.state, position })
    hold(actors[0]!, 1)
    hold(actors[1]!, 0.5)
    hold(actors[2]!, 1)
    const feed = new IntentFeed()
    for (const a of actors) a.feed = feed
    const inst = { actors, indices: Int32Array.from([0, 1, 2]), intentGen: 0, feed } as unknown as StrategyInstance
    const metrics = new Metrics()
    const asked: string[] = []
    const settled = new SettledActors(3, () => 0.01)
    const fanout = new InputFanout(
      {} as StrategyInstances,
      1,
      metrics,
      () => 0,
      (a) => asked.push(a.id),
      settled,
    )
    const round = (intent: Intent) => {
      asked.length = 0
      fanout.deliverAt(inst, intent, 0)
      return asked.join(',')
    }
    return { actors, settled, metrics, round, hold, fanout }
  }

  it('asks an actor at target again only when the intent, its state or its size changes', () => {
    const { actors, settled, metrics, round, hold } = rig()
    expect(round(target('X/Y', 1, 1))).toBe('a,b,c')
    // a is at target 1: skipped; b (0.5 short of it) and c (sized by notional, price-dependent) are asked.
    expect(round(target('X/Y', 1, 2))).toBe('b,c')
    expect(metrics.w.settledSkips).toBe(1)
    // A different intent asks everyone, and so does the first one back (a new generation).
    expect(round(target('X/Y', 0, 3))).toBe('a,b,c')
    expect(round(target('X/Y', 1, 4))).toBe('a,b,c')
    expect(round(target('X/Y', 1, 5))).toBe('b,c')
    // Within a lot of the target counts as there; one lot off does not.
    hold(actors[1]!, 0.995)
    expect(round(target('X/Y', 1, 6))).toBe('b,c')
    expect(round(target('X/Y', 1, 7))).toBe('c')
    // Its state or size changed (an order event, a new capital weight): asked again.
    settled.clear(1)
    hold(actors[1]!, 0.99)
    expect(round(target('X/Y', 1, 8))).toBe('b,c')
    expect(round(target('X/Y', 1, 9))).toBe('b,c')
    // An intent handed out elsewhere (the kill switch's): no generation vouches for it.
    settled.forget(0)
    expect(round(target('X/Y', 1, 10))).toBe('a,b,c')
    expect(round(target('X/Y', 1, 11))).toBe('b,c')
  })

  it('reads ahead the actors it will ask, a chunk of 16 at a time, and never the skipped ones', () => {
    const { actors, round } = rig()
    const log: string[] = []
    for (const a of actors) a.touch = () => (log.push(`touch ${a.id}`), 0)
    round(target('X/Y', 1, 1))
    expect(log).toEqual(['touch a', 'touch b', 'touch c'])
    log.length = 0
    // a is at target: skipped without being read.
    round(target('X/Y', 1, 2))
    expect(log).toEqual(['touch b', 'touch c'])

    // 40 actors: each chunk is read just before it is asked, not all of them up front.
    const many = Array.from({ length: 40 }, (_, i) => new StrategyActor(i, `s${i}`, 'X/Y', 0, 1))
    const feed = new IntentFeed()
    const order: string[] = []
    for (const a of many) {
      a.feed = feed
      a.touch = () => (order.push(`t${a.index}`), 0)
    }
    const inst = { actors: many, indices: Int32Array.from(many.map((a) => a.index)), intentGen: 0, feed } as unknown as StrategyInstance
    const fanout = new InputFanout(
      {} as StrategyInstances,
      1,
      new Metrics(),
      () => 0,
      (a) => order.push(`a${a.index}`),
      new SettledActors(40, () => 0.01),
    )
    fanout.deliverAt(inst, target('X/Y', 1, 1), 0)
    const chunk = (from: number, to: number) => [...Array.from({ length: to - from }, (_, i) => `t${from + i}`), ...Array.from({ length: to - from }, (_, i) => `a${from + i}`)]
    expect(order).toEqual([...chunk(0, 16), ...chunk(16, 32), ...chunk(32, 40)])
  })

  it('reads nothing ahead with the read-ahead off, and asks the same actors in the same order', () => {
    const { actors, round, fanout } = rig()
    const log: string[] = []
    for (const a of actors) a.touch = () => (log.push(`touch ${a.id}`), 0)
    fanout.readAhead = false
    expect(round(target('X/Y', 1, 1))).toBe('a,b,c')
    expect(round(target('X/Y', 1, 2))).toBe('b,c')
    expect(log).toEqual([])
    fanout.readAhead = true
    expect(round(target('X/Y', 1, 3))).toBe('b,c')
    expect(log).toEqual(['touch b', 'touch c'])
  })

  it('is on in an engine by default, with netting or without, and can be switched off between inputs', () => {
    const reads = (netting: boolean, readAhead?: boolean) => {
      const scheduler = new VirtualTimeScheduler(VirtualAction, 35_000)
      const sim = new SimExchange({ symbols: 2, seed: 3, latencyMs: 100, tickMs: 1_000, scheduler }).start()
      const engine = new Engine({
        exchange: sim,
        markets: sim.markets,
        strategies: followers(sim, 40, 2),
        signals: signalSchedule({ groups: 2, everyMs: 10_000, seed: 4, scheduler }),
        scheduler,
        runTag: 'ra',
        ...(netting ? { netting: {} } : {}),
      })
      let n = 0
      for (const a of engine.actors) {
        const touch = a.touch.bind(a)
        a.touch = () => (n++, touch())
      }
      expect(engine.readAhead).toBe(true)
      if (readAhead !== undefined) engine.readAhead = readAhead
      engine.start()
      scheduler.flush()
      sim.stop()
      return { reads: n, submitted: engine.metrics.totals().submitted }
    }
    for (const netting of [false, true]) {
      const on = reads(netting)
      const off = reads(netting, false)
      expect(on.submitted, `netting ${netting}`).toBeGreaterThan(10)
      expect(on.reads, `netting ${netting}`).toBeGreaterThanOrEqual(on.submitted)
      expect(off.reads, `netting ${netting}`).toBe(0)
      expect(off.submitted, `netting ${netting}`).toBe(on.submitted)
    }
  })

  it("an actor's read-ahead reads every figure deciding and acting on it read", () => {
    const a = new StrategyActor(0, 'a', 'X/Y', 0, 2, 50)
    a.heldWeight = 1
    const base = a.touch()
    expect(Number.isFinite(base)).toBe(true)
    for (const field of ['position', 'avgPrice', 'realizedPnl', 'fees', 'orderSeq'] as const) {
      const before = a.state
      a.state = { ...before, [field]: before[field] + 1 }
      expect(a.touch(), field).not.toBe(base)
      a.state = before
    }
    a.scale = 3
    expect(a.touch()).not.toBe(base)
    a.scale = 1
    a.heldWeight = 0.5
    expect(a.touch()).not.toBe(base)
  })

  it('never skips an actor with an action in flight, a stopped one, or on explicit orders', () => {
    const { actors, round } = rig()
    actors[0]!.lane = {}
    round(target('X/Y', 1, 1))
    expect(round(target('X/Y', 1, 2))).toBe('a,b,c')
    actors[0]!.lane = undefined
    round(target('X/Y', 1, 3))
    const order: Intent = { kind: 'order', symbol: 'X/Y', side: 'buy', type: 'market', amount: 1, ts: 4 }
    expect(round(order)).toBe('a,b,c')
    expect(round(order)).toBe('a,b,c')
    actors[1]!.state = { ...actors[1]!.state, running: false }
    expect(round(target('X/Y', 1, 5))).toBe('a,c')
  })
})

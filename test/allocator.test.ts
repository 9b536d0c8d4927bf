import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { afterAll } from 'vitest'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import { hedgeProblem, hedgeUpdate, renormalise } from '../actors/allocator/hedge-weights.ts'
import { INITIAL_ACTOR_STATE, type ActorState } from '../actors/actor-state.ts'
import { StrategyActor } from '../actors/strategy-actor.ts'
import { runBacktest, type BacktestSpec } from '../src/backtest/run-backtest.ts'
import { CapitalAllocator } from '../src/engine/capital-allocator.ts'
import { ReplayScheduler } from '../src/exchange/replay/replay-scheduler.ts'
import { prices } from '../streams/operators/prices.ts'
import { toTarget } from '../streams/operators/to-target.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { registerStrategy } from '../streams/strategies/registry.ts'
import { defineStrategy } from '../streams/strategies/strategy.ts'
import { map, pairwise, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-allocator-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('Hedge weights: invariants as properties', () => {
  const weights = fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 })
  const bounds = fc.tuple(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 1, max: 50, noNaN: true }))

  it('after renormalising: every weight within [floor, cap], the sum equals the count, order kept, and doing it again changes nothing', () => {
    fc.assert(
      fc.property(weights, bounds, (raw, [floor, cap]) => {
        const w = Float64Array.from(raw)
        renormalise(w, floor, cap)
        const n = w.length
        let sum = 0
        for (let i = 0; i < n; i++) {
          expect(w[i]!).toBeGreaterThanOrEqual(floor - 1e-12)
          expect(w[i]!).toBeLessThanOrEqual(cap + 1e-12)
          sum += w[i]!
        }
        expect(Math.abs(sum - n)).toBeLessThanOrEqual(1e-9 * n)
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (raw[i]! > raw[j]!) expect(w[i]!).toBeGreaterThanOrEqual(w[j]! - 1e-12)
        const again = Float64Array.from(w)
        renormalise(again, floor, cap)
        for (let i = 0; i < n; i++) expect(again[i]!).toBeCloseTo(w[i]!, 9)
      }),
      { numRuns: 300, seed: 42 },
    )
  })

  it('an update is monotone in the outcome and bounded: a return beyond ±100 % counts as ±100 %', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (w, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(hedgeUpdate(w, lo, 3)).toBeLessThanOrEqual(hedgeUpdate(w, hi, 3))
        expect(hedgeUpdate(w, hi, 3)).toBeLessThanOrEqual(w * Math.exp(3) * (1 + 1e-12))
        expect(hedgeUpdate(w, lo, 3)).toBeGreaterThanOrEqual(w * Math.exp(-3) * (1 - 1e-12))
      }),
      { numRuns: 300, seed: 7 },
    )
    expect(hedgeUpdate(2, Number.NaN, 3)).toBe(2)
  })

  it('options are checked with what is wrong', () => {
    expect(hedgeProblem({ eta: 1, floor: 0.1, cap: 10 })).toBeNull()
    expect(hedgeProblem({ eta: 0, floor: 0.1, cap: 10 })).toMatch(/eta/)
    expect(hedgeProblem({ eta: 1, floor: 1.5, cap: 10 })).toMatch(/floor/)
    expect(hedgeProblem({ eta: 1, floor: 0.1, cap: 0.5 })).toMatch(/cap/)
  })
})

/** An actor state holding `position` at `avgPrice`, with realized and fees so far. */
const holding = (position: number, avgPrice: number, realizedPnl = 0, fees = 0): ActorState => ({ ...INITIAL_ACTOR_STATE, position, avgPrice, realizedPnl, fees })

describe('the allocator: outcomes, timing and new entries only', () => {
  it('takes an outcome at the horizon (marked to market) or at the exit if sooner, once per entry', () => {
    const scheduler = new ReplayScheduler(0)
    const actors = [new StrategyActor(0, 'a', 'X/Y', 0, 1), new StrategyActor(1, 'b', 'X/Y', 0, 1)]
    let mark = 100
    // Who got a new size (the engine then asks them again on an unchanged intent).
    const rescaled: string[] = []
    const alloc = new CapitalAllocator(
      actors,
      { kind: 'hedge', horizonMs: 60_000, eta: 10, floor: 0.1, cap: 10, everyMs: 1_000 },
      scheduler,
      () => mark,
      (a) => rescaled.push(`${scheduler.now()} ${a.id}`),
    )
    alloc.start()
    // a enters 1 @ 100; b enters 1 @ 100 and exits at 90 after 10 s (outcome −10 %).
    actors[0]!.state = holding(1, 100)
    alloc.onFill(actors[0]!, INITIAL_ACTOR_STATE, actors[0]!.state)
    alloc.onFill(actors[1]!, INITIAL_ACTOR_STATE, holding(1, 100))
    scheduler.advanceTo(10_000)
    alloc.onFill(actors[1]!, holding(1, 100), holding(0, 0, -10))
    expect(alloc.updates).toBe(1)
    scheduler.advanceTo(59_000)
    expect(alloc.updates).toBe(1)
    // At the horizon a is marked at 110: +10 %.
    mark = 110
    scheduler.advanceTo(60_000)
    expect(alloc.updates).toBe(2)
    // Raw weights e^{+1} and e^{−1}, renormalised to sum 2.
    const up = Math.exp(1)
    const down = Math.exp(-1)
    expect(alloc.weights[0]).toBeCloseTo((2 * up) / (up + down), 12)
    expect(alloc.weights[1]).toBeCloseTo((2 * down) / (up + down), 12)
    // a still holds its position: its size is not touched until it is flat; b (flat) has its new weight.
    expect(actors[0]!.scale).toBe(1)
    expect(actors[1]!.scale).toBeCloseTo(alloc.weights[1]!, 12)
    // b when its exit's outcome was taken (it was flat), again at a's horizon; a only once it is flat.
    expect(rescaled).toEqual(['11000 b', '60000 b'])
    // a's exit later does not count again (its outcome was taken at the horizon), and flat it gets its weight.
    actors[0]!.state = holding(0, 0, 10)
    alloc.onFill(actors[0]!, holding(1, 100), actors[0]!.state)
    scheduler.advanceTo(61_000)
    expect(alloc.updates).toBe(2)
    expect(actors[0]!.scale).toBeCloseTo(alloc.weights[0]!, 12)
    expect(rescaled).toEqual(['11000 b', '60000 b', '61000 a'])
    expect(alloc.summary()).toMatchObject({ updates: 2, top: [{ strategyId: 'a' }, { strategyId: 'b' }] })
    // Stored as a time series: both moved since the start.
    expect(alloc.changes(61_000).map((r) => r.strategyId)).toEqual(['a', 'b'])
    expect(alloc.changes(62_000)).toEqual([])
    alloc.stop()
  })
})

// A synthetic market whose one-bar returns revert (r[t] = −0.5 r[t−1] + noise): buying after a
// down bar has an edge, buying after an up bar the opposite one.
const T0 = Date.UTC(2024, 0, 1)
function syntheticBars(n: number, seed: number): string {
  let x = seed
  const rand = () => (x = (x * 16807) % 2147483647) / 2147483647 - 0.5
  let close = 100
  let r = 0
  const rows = ['timestamp,open,high,low,close,volume']
  for (let i = 0; i < n; i++) {
    r = -0.5 * r + rand() * 0.004
    const open = close
    close = open * Math.exp(r)
    rows.push(`${T0 + i * 60_000},${open},${Math.max(open, close)},${Math.min(open, close)},${close},10`)
  }
  return `${rows.join('\n')}\n`
}

registerStrategy(
  defineStrategy({
    name: 'afterBar',
    description: 'test: long for one bar after a down bar (side 1) or after an up bar (side −1)',
    inputs: { signals: false, market: true },
    params: { side: { default: 1, min: -1, max: 1, integer: true, doc: '1 contrarian, −1 momentum' }, variant: { default: 0, min: 0, integer: true, doc: 'distinct pipelines' } },
    create: (p) => (input$) =>
      input$.pipe(
        prices(p.symbol),
        pairwise(),
        map(([a, b]) => ({ value: p.side * (b.value - a.value) < 0 ? 1 : 0, ts: b.ts })),
        toTarget(p.symbol),
      ),
  }),
)

describe('re-weighting on a market where half the strategies have an edge', () => {
  it('the good half ends with most of the capital, and the portfolio beats equal weights', async () => {
    writeFileSync(join(dir, 'SYN_USD-1m.csv'), syntheticBars(3_000, 12345))
    const spec = (allocator: BacktestSpec['allocator']): BacktestSpec => ({
      sources: [{ symbol: 'SYN/USD', file: join(dir, 'SYN_USD-1m.csv') }],
      feeRate: 0,
      slippageBps: 0,
      strategies: (m) => expandGrid({ strategy: 'afterBar', params: { side: [1, -1], variant: [0, 1, 2, 3, 4] }, symbols: m.map((x) => x.symbol), notional: 100 }),
      risk: null,
      execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
      netting: null,
      allocator,
    })
    const equal = await runBacktest(spec(null), { store: null, persist: 'summary', runTag: 'eq' })
    const hedge = await runBacktest(spec({ kind: 'hedge', horizonMs: 300_000, eta: 10, floor: 0.1, cap: 10 }), { store: null, persist: 'summary', runTag: 'h' })
    const good = (rows: typeof equal.rows) => rows.filter((r) => r.params.side === 1)
    const bad = (rows: typeof equal.rows) => rows.filter((r) => r.params.side === -1)
    const sum = (rows: typeof equal.rows) => rows.reduce((a, r) => a + r.netPnl, 0)
    // The edge is real: with equal weights the good half earns and the bad half loses.
    expect(sum(good(equal.rows))).toBeGreaterThan(0)
    expect(sum(bad(equal.rows))).toBeLessThan(0)
    const a = hedge.figures.allocator!
    expect(a.updates).toBeGreaterThan(5_000)
    // After learning, the good half holds most of the capital (all ten at the top).
    const goodIds = new Set(good(hedge.rows).map((r) => r.strategyId))
    expect(a.top.slice(0, 5).every((t) => goodIds.has(t.strategyId))).toBe(true)
    const share = a.top.filter((t) => goodIds.has(t.strategyId)).reduce((s, t) => s + t.weight, 0) / 10
    expect(share).toBeGreaterThan(0.9)
    // The portfolio's net PnL beats equal weighting.
    expect(sum(hedge.rows)).toBeGreaterThan(sum(equal.rows) + 0.5 * sum(good(equal.rows)))
  }, 60_000)
})

describe('time comes from the scheduler', () => {
  it('a live run (the demo’s simulator, virtual time) and a replay of what it recorded give identical weights', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY)
    const sim = new SimExchange({ symbols: 3, seed: 9, latencyMs: 20, jitter: 0, tickMs: 250, rejectRate: 0, timeoutRate: 0, scenario: 'volatile', scheduler }).start()
    const symbols = sim.markets.map((m) => m.symbol)
    const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 100, sim.lastQuote(s)!.ask)
    // What the allocator is fed, recorded as it happens: trades (its marks) and fills, at their virtual times.
    const tape: ({ t: number; kind: 'trade'; symbol: string; price: number } | { t: number; kind: 'fill'; actor: number; before: ActorState; after: ActorState })[] = []
    const options = { kind: 'hedge', horizonMs: 3_000, eta: 20, floor: 0.2, cap: 5, everyMs: 1_000 } as const
    const engine = new Engine({
      exchange: sim,
      markets: sim.markets,
      strategies: expandGrid({ strategy: 'smaCross', params: { fast: [2, 3, 5], slow: [8, 13] }, symbols, sizeOf }),
      scheduler,
      allocator: options,
      onFill: (a, before, after) => tape.push({ t: scheduler.now(), kind: 'fill', actor: a.index, before, after }),
    })
    const marks = sim.watchMarket().subscribe((e) => e.kind === 'trade' && tape.push({ t: scheduler.now(), kind: 'trade', symbol: e.symbol, price: e.price }))
    engine.start()
    scheduler.maxFrames = 10 * 60_000
    scheduler.flush()
    marks.unsubscribe()
    const live = engine.allocator!
    expect(live.updates).toBeGreaterThan(50)
    // Both kinds of outcome happened: at exits, and at the horizon (scheduler time, not the wall clock).
    expect(live.atHorizon).toBeGreaterThan(10)
    expect(live.updates - live.atHorizon).toBeGreaterThan(10)
    const liveWeights = Float64Array.from(live.weights)
    const liveUpdates = live.updates
    const recorded = tape.length
    await finishVirtual(engine, sim, scheduler)

    // The replay: the recorded inputs at their times through a fresh allocator on the replay's clock.
    const replay = new ReplayScheduler(0)
    const last = new Map<string, number>()
    const actors = engine.actors.map((a) => new StrategyActor(a.index, a.id, a.symbol, a.group, a.size))
    const again = new CapitalAllocator(actors, options, replay, (s) => last.get(s))
    again.start()
    for (const e of tape.slice(0, recorded)) {
      replay.advanceTo(e.t)
      if (e.kind === 'trade') last.set(e.symbol, e.price)
      else {
        actors[e.actor]!.state = e.after
        again.onFill(actors[e.actor]!, e.before, e.after)
      }
    }
    replay.advanceTo(10 * 60_000)
    expect(again.updates).toBe(liveUpdates)
    expect([...again.weights]).toEqual([...liveWeights])
  }, 60_000)
})

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { filter, map, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import type { Reading } from '../streams/operators/reading.ts'
import type { Logger } from 'pino'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Router } from '../streams/router.ts'
import { onTape } from '../streams/operators/shared-series.ts'
import { prices } from '../streams/operators/prices.ts'
import { loadStrategyModules } from '../src/config/strategy-modules.ts'
import type { Intent, StrategyInput } from '../src/domain/intent.ts'
import { Engine } from '../src/engine/engine.ts'
import { InputWriter, IntentWriter, readInputs, readIntents } from '../src/engine/workers/input-codec.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { ArForecast, arForecast, choleskySolve } from '../streams/operators/ar-forecast.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { registerStrategy } from '../streams/strategies/registry.ts'
import { defineStrategy } from '../streams/strategies/strategy.ts'
import { until } from './support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-workers-parts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the batch codec', () => {
  const symbols = ['ETH/BTC', 'LTC/BTC']
  const index = new Map(symbols.map((s, i) => [s, i]))

  it('every input kind comes back as the same object, in order', () => {
    const inputs: StrategyInput[] = [
      { kind: 'trade', symbol: 'ETH/BTC', id: '123456789', price: 0.0512, amount: 1.5, side: 'buy', ts: 1_700_000_000_001 },
      // Ids that would not survive as a number ride as strings: leading zeros, letters, too long.
      { kind: 'trade', symbol: 'LTC/BTC', id: '007', price: 0.01, amount: 2, side: 'sell', ts: 2 },
      { kind: 'trade', symbol: 'LTC/BTC', id: 'x-1', price: 0.01, amount: 2, side: 'sell', ts: 3 },
      { kind: 'trade', symbol: 'LTC/BTC', id: '12345678901234567890', price: 0.01, amount: 2, side: 'buy', ts: 4 },
      { kind: 'quote', symbol: 'ETH/BTC', bid: 1, ask: 1.1, bidSize: 3, askSize: 4, ts: 5 },
      { kind: 'bar', symbol: 'UNKNOWN/X', openTs: 0, ts: 300_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
      {
        kind: 'book',
        symbol: 'ETH/BTC',
        bids: [
          [1, 2],
          [0.9, 3],
        ],
        asks: [[1.1, 1]],
        ts: 6,
      },
      { kind: 'signal', group: 7, value: -1, round: 12, ts: 7 },
    ]
    const w = new InputWriter(index)
    for (const e of inputs) w.write(e)
    expect(w.count).toBe(inputs.length)
    const { buf, n, strings } = w.take()
    expect(w.count).toBe(0)
    const back: StrategyInput[] = []
    const entries: number[] = []
    readInputs(buf, n, strings, symbols, (e, i) => {
      back.push(e)
      entries.push(i)
    })
    expect(back).toEqual(inputs)
    expect(entries).toEqual(inputs.map((_, i) => i))
  })

  it('target and order intents, with their pipeline and input', () => {
    const intents: [number, number, Intent][] = [
      [0, 3, { kind: 'target', symbol: 'ETH/BTC', weight: -0.5, ts: 9 }],
      [5, 0, { kind: 'order', symbol: 'LTC/BTC', side: 'sell', type: 'limit', amount: 2, price: 0.0101, ts: 10 }],
      [2, 1, { kind: 'order', symbol: 'NEW/BTC', side: 'buy', type: 'market', amount: 1, ts: 11 }],
    ]
    const w = new IntentWriter(index)
    for (const [p, e, i] of intents) w.write(p, e, i)
    const { buf, n, strings } = w.take()
    const back: [number, number, Intent][] = []
    readIntents(buf, n, strings, symbols, (p, e, i) => back.push([p, e, i]))
    expect(back).toEqual(intents)
  })
})

describe('the AR forecast', () => {
  it('recovers an AR(1) coefficient: the forecast is φ × the last return', () => {
    // r[t] = 0.6 r[t-1] + noise, from a fixed generator.
    let x = 12345
    const noise = () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.002
    const f = new ArForecast(2000, 1)
    let p = 100
    let r = 0
    let out: number | null = null
    for (let i = 0; i < 2003; i++) {
      r = 0.6 * r + noise()
      p *= Math.exp(r)
      out = f.add(p)
    }
    expect(out).not.toBeNull()
    // The forecast in bps is close to 0.6 × the last return (sampling error of φ on 2,000 points ≈ 0.02).
    expect(out! / 10_000 / r).toBeGreaterThan(0.55)
    expect(out! / 10_000 / r).toBeLessThan(0.65)
  })

  it('waits for window + lags returns, and ignores non-positive prices', () => {
    const f = new ArForecast(20, 2)
    const seen: (number | null)[] = []
    for (let i = 0; i < 23; i++) seen.push(f.add(100 + Math.sin(i)))
    expect(seen.slice(0, 22).every((v) => v === null)).toBe(true)
    expect(typeof seen[22]).toBe('number')
    expect(f.add(0)).toBeNull()
  })

  it('pipelines on one tape share one fit per sample (the first price of each period); one that joins late keeps its own', () => {
    const tape = {}
    const market = new Router<string, StrategyInput>()
    const add = vi.spyOn(ArForecast.prototype, 'add')
    const seen: number[][] = [[], [], []]
    const subscribe = (k: number) =>
      market
        .select('X/Y')
        .pipe(prices('X/Y'), arForecast(30, 2, 1_000))
        .subscribe((r) => seen[k]!.push(r.value))
    subscribe(0)
    subscribe(1)
    let late: { unsubscribe(): void } | null = null
    let x = 7
    for (let t = 0; t < 200_000; t += 250) {
      if (t === 100_000) late = subscribe(2)
      const price = 100 + ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5)
      onTape(tape, () => market.dispatch('X/Y', { kind: 'trade', symbol: 'X/Y', id: String(t), price, amount: 1, side: 'buy', ts: t }))
    }
    // 200 one-second periods, four prints each: one fit per period for the two sharing pipelines, and the late one's own 100.
    expect(add).toHaveBeenCalledTimes(200 + 100)
    expect(seen[0]!.length).toBe(200 - 32)
    expect(seen[1]).toEqual(seen[0])
    // The late pipeline warms up on its own history and then emits its own (different) forecasts.
    expect(seen[2]!.length).toBe(100 - 32)
    add.mockRestore()
    late?.unsubscribe()
    market.dispose()
  })

  it('a pipeline whose readings an operator made anew (series kept by a spread) fits on its own, as if alone', () => {
    const tape = {}
    const market = new Router<string, StrategyInput>()
    const raw: number[] = []
    const scaled: number[] = []
    const alone: number[] = []
    market
      .select('X/Y')
      .pipe(prices('X/Y'), arForecast(30, 2, 1_000))
      .subscribe((r) => raw.push(r.value))
    const squaredForecast = (router: Router<string, StrategyInput>, into: number[]) =>
      router
        .select('X/Y')
        .pipe(
          prices('X/Y'),
          map((r) => ({ ...r, value: r.value ** 2 })),
          arForecast(30, 2, 1_000),
        )
        .subscribe((r) => into.push(r.value))
    squaredForecast(market, scaled)
    const solo = new Router<string, StrategyInput>()
    squaredForecast(solo, alone)
    let x = 7
    for (let t = 0; t < 100_000; t += 250) {
      const price = 100 + ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5)
      const e: StrategyInput = { kind: 'trade', symbol: 'X/Y', id: String(t), price, amount: 1, side: 'buy', ts: t }
      onTape(tape, () => market.dispatch('X/Y', e))
      solo.dispatch('X/Y', e)
    }
    expect(scaled.length).toBe(100 - 32)
    expect(scaled).toEqual(alone)
    expect(scaled).not.toEqual(raw)
    market.dispose()
  })

  it('a pipeline whose readings skip one (an upstream filter) leaves the shared fit at the skip for its own', () => {
    const tape = {}
    const market = new Router<string, StrategyInput>()
    const solo = new Router<string, StrategyInput>()
    const skipped = (r: Reading) => r.ts !== 100_000
    const all: number[] = []
    const some: number[] = []
    const alone: number[] = []
    market
      .select('X/Y')
      .pipe(prices('X/Y'), arForecast(30, 2, 1_000))
      .subscribe((r) => all.push(r.value))
    market
      .select('X/Y')
      .pipe(prices('X/Y'), filter(skipped), arForecast(30, 2, 1_000))
      .subscribe((r) => some.push(r.value))
    solo
      .select('X/Y')
      .pipe(prices('X/Y'), arForecast(30, 2, 1_000))
      .subscribe((r) => alone.push(r.value))
    let x = 7
    for (let t = 0; t < 200_000; t += 250) {
      const price = 100 + ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5)
      const e: StrategyInput = { kind: 'trade', symbol: 'X/Y', id: String(t), price, amount: 1, side: 'buy', ts: t }
      onTape(tape, () => market.dispatch('X/Y', e))
      if (t > 100_000) solo.dispatch('X/Y', e)
    }
    // Shared forecasts until the skip (100 periods less 32 of warm-up), then its own fit, warming up as if it started there.
    expect(some.slice(0, 68)).toEqual(all.slice(0, 68))
    expect(some.slice(68)).toEqual(alone)
    expect(alone.length).toBe(100 - 32)
    market.dispose()
  })

  it('choleskySolve solves a symmetric positive-definite system and refuses one that is not', () => {
    // [[4, 2], [2, 3]] β = [2, 1] → β = [0.5, 0]
    expect([...choleskySolve(Float64Array.from([4, 0, 2, 3]), Float64Array.from([2, 1]), 2)!]).toEqual([0.5, 0])
    expect(choleskySolve(Float64Array.from([1, 0, 2, 1]), Float64Array.from([1, 1]), 2)).toBeNull()
  })
})

describe('pipelines that fail inside a worker', () => {
  it('a throwing strategy from a module fails only its actors; one the worker cannot load fails with why', async () => {
    const file = join(dir, 'throws.mjs')
    writeFileSync(
      file,
      `import { defineStrategy, Stage, subscriberOperator, target } from 'shoal'
class ThrowsAtFifth extends Stage {
  n = 0
  constructor(out, symbol) { super(out); this.symbol = symbol }
  _next(e) { if (++this.n === 5) throw new Error('bug at the fifth input'); this.out.next(target(this.symbol, 0, e.ts)) }
}
export const throwsAtFifth = defineStrategy({
  name: 'throwsAtFifth', description: 'test', inputs: { signals: false, market: true }, heavy: true, params: {},
  create: (p) => (input$) => input$.pipe(subscriberOperator((out) => new ThrowsAtFifth(out, p.symbol))),
})
`,
    )
    await loadStrategyModules([file], dir, 'modules')
    // Registered in this thread only (no module file): a worker cannot build it.
    registerStrategy(defineStrategy({ name: 'inProcessOnly', description: 'test', inputs: { signals: false, market: true }, heavy: true, params: {}, create: () => (input$) => input$ as never }))
    const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000_000)
    const sim = new SimExchange({ symbols: 2, seed: 1, latencyMs: 1, jitter: 0, tickMs: 10, scheduler }).start()
    const symbols = sim.markets.map((m) => m.symbol)
    const specs = [
      ...expandGrid({ strategy: 'throwsAtFifth', symbols: [symbols[0]!] }),
      ...expandGrid({ strategy: 'inProcessOnly', symbols: [symbols[1]!], offset: 1 }),
      ...expandGrid({ strategy: 'arForecast', params: { window: 50, lags: 2 }, symbols, offset: 2 }),
    ]
    const engine = new Engine({ exchange: sim, markets: sim.markets, strategies: specs, scheduler, workers: 2 })
    engine.start()
    await engine.ready()
    const [throws, unknown, ...others] = engine.actors
    expect(unknown!.state.running).toBe(false)
    expect(unknown!.state.error).toMatch(/unknown strategy 'inProcessOnly'.*\(pipeline worker \d\)/)
    for (let i = 0; i < 20 && throws!.state.running; i++) {
      scheduler.maxFrames = scheduler.now() + 10
      scheduler.flush()
      await engine.settle()
    }
    expect(throws!.state.running).toBe(false)
    expect(throws!.state.error).toMatch(/^bug at the fifth input \(pipeline worker \d\)$/)
    for (const a of others) expect(a.state.running).toBe(true)
    expect(engine.workers!.summary()).toMatchObject({ threads: 2, pipelines: 4, failedPipelines: 2, deadThreads: 0 })
    const stopped = engine.stop(1_000, 1_000)
    scheduler.maxFrames = Number.POSITIVE_INFINITY
    await until(async () => {
      scheduler.maxFrames = scheduler.now() + 2_000
      scheduler.flush()
      return (await Promise.race([stopped.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5))])) === true
    }, 'the engine to stop')
    sim.stop()
  }, 30_000)
})

describe('a worker with more to compute than it can', () => {
  it('is reported as behind its inputs, with what to do', async () => {
    const file = join(dir, 'slow.mjs')
    writeFileSync(
      file,
      `import { defineStrategy, Stage, subscriberOperator, target } from 'shoal'
class SlowFirst extends Stage {
  n = 0
  constructor(out, symbol) { super(out); this.symbol = symbol }
  _next(e) { if (++this.n === 1) { const until = performance.now() + 1200; while (performance.now() < until) {} } this.out.next(target(this.symbol, 0, e.ts)) }
}
export const slowFirst = defineStrategy({
  name: 'slowFirst', description: 'test', inputs: { signals: false, market: true }, heavy: true, params: {},
  create: (p) => (input$) => input$.pipe(subscriberOperator((out) => new SlowFirst(out, p.symbol))),
})
`,
    )
    await loadStrategyModules([file], dir, 'modules')
    const warnings: { obj: Record<string, unknown>; msg: string }[] = []
    const log = { warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }), error: () => {}, info: () => {} } as unknown as Logger
    const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000_000)
    const sim = new SimExchange({ symbols: 1, seed: 1, latencyMs: 1, jitter: 0, tickMs: 10, scheduler }).start()
    const engine = new Engine({ exchange: sim, markets: sim.markets, strategies: expandGrid({ strategy: 'slowFirst', symbols: sim.markets.map((m) => m.symbol) }), scheduler, workers: 1, logger: log })
    engine.start()
    await engine.ready()
    // One tick sent while the thread is busy on the first for 1.2 s: answered over a second late.
    scheduler.maxFrames = scheduler.now() + 10
    scheduler.flush()
    await new Promise((r) => setTimeout(r, 10))
    scheduler.maxFrames = scheduler.now() + 10
    scheduler.flush()
    await engine.settle()
    expect(engine.workers!.summary().maxBehindMs).toBeGreaterThan(1_000)
    expect(warnings.map((w) => w.msg)).toEqual(['a pipeline worker is behind its inputs: its strategies need more CPU than one thread has (add workers, share fits, or lighten them)'])
    expect(warnings[0]!.obj).toMatchObject({ thread: 0, pipelines: 1 })
    const stopped = engine.stop(1_000, 1_000)
    scheduler.maxFrames = scheduler.now() + 5_000
    scheduler.flush()
    await stopped
    sim.stop()
  }, 30_000)
})

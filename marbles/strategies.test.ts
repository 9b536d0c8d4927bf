import { map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { target, type StrategyInput } from '../src/domain/intent.ts'
import type { Trade } from '../src/domain/market.ts'
import type { Signal } from '../src/domain/signal.ts'
import { crossover } from '../streams/operators/crossover.ts'
import { ema } from '../streams/operators/indicator.ts'
import { prices } from '../streams/operators/prices.ts'
import { followSignal } from '../streams/strategies/follow-signal.ts'
import { meanReversion } from '../streams/strategies/mean-reversion.ts'
import { smaCross } from '../streams/strategies/sma-cross.ts'
import { defineStrategy } from '../streams/strategies/strategy.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))
const S = 'BTC/USDT'
const t = (price: number, ts = 0): Trade => ({ kind: 'trade', symbol: S, id: String(price), price, amount: 1, side: 'buy', ts })
const sig = (value: 1 | -1 | 0, ts = 0): Signal => ({ kind: 'signal', group: 0, value, round: 1, ts })

describe('followSignal', () => {
  it('holds its weight after enter, goes flat after exit, ignores none', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const input$ = hot<StrategyInput>('a-b-c-d', { a: sig(1, 0), b: sig(0, 2), c: sig(-1, 4), d: sig(1, 6) })
      expectObservable(input$.pipe(followSignal.create({ weight: 1, symbol: S }))).toBe('a---c-d', {
        a: target(S, 1, 0),
        c: target(S, 0, 4),
        d: target(S, 1, 6),
      })
    })
  })
})

describe('smaCross', () => {
  it('goes long when the fast SMA crosses above the slow one and flat when it crosses below', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      // fast = SMA(1) (the price), slow = SMA(2)
      const input$ = hot<StrategyInput>('a-b-c-d-e-f', { a: t(10, 0), b: t(10, 2), c: t(12, 4), d: t(13, 6), e: t(9, 8), f: t(8, 10) })
      expectObservable(input$.pipe(smaCross.create({ fast: 1, slow: 2, short: 0, symbol: S }))).toBe('----c---e', {
        c: target(S, 1, 4),
        e: target(S, 0, 8),
      })
    })
  })

  it('ignores other symbols and signals', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const other: Trade = { ...t(100), symbol: 'ETH/USDT' }
      const input$ = hot<StrategyInput>('a-b-c', { a: other, b: sig(1), c: other })
      expectObservable(input$.pipe(smaCross.create({ fast: 1, slow: 2, short: 0, symbol: S }))).toBe('-----')
    })
  })
})

describe('meanReversion', () => {
  it('buys z standard deviations below the mean and exits back at the mean', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const input$ = hot<StrategyInput>('a-b-c-d-e-f', { a: t(10, 0), b: t(12, 2), c: t(10, 4), d: t(12, 6), e: t(6, 8), f: t(13, 10) })
      // window 4: at e the price is far below the mean of [10,12,12,6]... and recovers above it at f.
      expectObservable(input$.pipe(meanReversion.create({ window: 4, z: 1, symbol: S }))).toBe('--------e-f', {
        e: target(S, 1, 8),
        f: target(S, 0, 10),
      })
    })
  })
})

describe('a new strategy in a few lines (the README example)', () => {
  const emaCross = defineStrategy({
    name: 'emaCross',
    description: 'EMA crossover, long only',
    inputs: { signals: false, market: true },
    params: {
      fast: { default: 12, min: 1, integer: true, doc: 'fast EMA period' },
      slow: { default: 26, min: 2, integer: true, doc: 'slow EMA period' },
    },
    create: (p) => (input$) =>
      input$.pipe(
        prices(p.symbol),
        crossover(ema(p.fast), ema(p.slow)),
        map((r) => target(p.symbol, r.value > 0 ? 1 : 0, r.ts)),
      ),
  })

  it('marble-tests like any operator', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const input$ = hot<StrategyInput>('a-b-c-d-e', { a: t(1), b: t(2), c: t(3), d: t(1), e: t(1) })
      expectObservable(input$.pipe(emaCross.create({ fast: 1, slow: 2, symbol: S }))).toBe('--x---y', { x: target(S, 1, 0), y: target(S, 0, 0) })
    })
  })
})

import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { target, type StrategyInput, type Trade } from 'shoal'
import { emaCross } from './ema-cross.ts'

const S = 'ETH/BTC'
const t = (price: number, ts: number): Trade => ({ kind: 'trade', symbol: S, id: String(ts), price, amount: 1, side: 'buy', ts })

describe('emaCross', () => {
  it('goes long when EMA(2) crosses above EMA(4) and flat when it crosses below', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ hot, expectObservable }) => {
      const input$ = hot<StrategyInput>('a-b-c-d-e-f-g-h', { a: t(10, 0), b: t(10, 2), c: t(10, 4), d: t(10, 6), e: t(12, 8), f: t(14, 10), g: t(9, 12), h: t(7, 14) })
      expectObservable(input$.pipe(emaCross.create({ fast: 2, slow: 4, symbol: S }))).toBe('--------e---g', {
        e: target(S, 1, 8),
        g: target(S, 0, 12),
      })
    })
  })
})

import { describe, expect, it } from 'vitest'
import { adaptiveKnobs, restingPrice, shouldReprice, takeReason, type TakeView } from '../actors/algos/adaptive-chase.ts'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import { costBps, feesBps, opportunityBps, shortfallBps, slippageBps, type ExecutionReport } from '../src/domain/execution-report.ts'
import type { Quote } from '../src/domain/market.ts'
import { ExecutionMetrics } from '../src/engine/execution-metrics.ts'
import { MidTrend } from '../src/engine/mid-trend.ts'
import { prng, gaussian } from '../src/util/random.ts'

const work = (extra: Partial<ExecutionReport>): ExecutionReport => ({
  algo: 'adaptive',
  side: 'buy',
  requested: 2,
  filled: 2,
  arrivalMid: 100,
  endMid: 100,
  avgPrice: 100.05,
  makerAmount: 2,
  takerAmount: 0,
  fees: 0.04002,
  timeToFillMs: 10,
  amendments: 0,
  ...extra,
})

describe('total cost of a piece of work (implementation shortfall)', () => {
  it('cost = signed slippage against the arrival mid + fees in bps of filled notional', () => {
    const buy = work({})
    expect(slippageBps(buy)).toBeCloseTo(5, 9)
    expect(feesBps(buy)).toBeCloseTo(2, 9)
    expect(costBps(buy)).toBeCloseTo(7, 9)
    // A sell at 100.05 got more than the mid: negative slippage, fees still paid.
    const sell = work({ side: 'sell' })
    expect(costBps(sell)).toBeCloseTo(-3, 9)
    expect(costBps(work({ filled: 0, avgPrice: null, fees: 0 }))).toBeNull()
  })

  it('values the unfilled remainder at the mid’s move by the end, apart, and adds both in the shortfall', () => {
    // Half filled at +7 bps all in; the mid then ran 30 bps away from the buyer.
    const r = work({ filled: 1, fees: 0.02001, endMid: 100.3 })
    expect(opportunityBps(r)).toBeCloseTo(30, 9)
    expect(shortfallBps(r)).toBeCloseTo(0.5 * 7 + 0.5 * 30, 9)
    expect(opportunityBps(work({}))).toBeNull()
    expect(opportunityBps(work({ filled: 1, endMid: null }))).toBeNull()
    // A seller left unfilled while the mid fell: that is a cost too.
    expect(opportunityBps(work({ side: 'sell', filled: 0, avgPrice: null, fees: 0, endMid: 99.9 }))).toBeCloseTo(10, 9)
  })

  it('summarises cost with percentiles that match a sort of the values', () => {
    const m = new ExecutionMetrics('adaptive')
    const costs: number[] = []
    for (let i = 0; i < 2_000; i++) {
      const slip = ((i * 7919) % 4001) / 100 - 20 // −20 … +20 bps
      const r = work({ avgPrice: 100 * (1 + slip / 1e4), fees: 2 * 100 * (1 + slip / 1e4) * 0.0002 })
      costs.push(costBps(r)!)
      m.record(r)
    }
    costs.sort((a, b) => a - b)
    const s = m.summary()
    expect(s.costBps.avg).toBeCloseTo(costs.reduce((a, b) => a + b, 0) / costs.length, 2)
    expect(Math.abs(s.costBps.p50 - costs[999]!)).toBeLessThan(0.05)
    expect(Math.abs(s.costBps.p95 - costs[1899]!)).toBeLessThan(0.05)
    expect(s.feesBps).toBeCloseTo(2, 6)
    expect(s.opportunityBps.works).toBe(0)
  })
})

describe('MidTrend', () => {
  it('estimates drift and volatility of a seeded walk within a few standard errors', () => {
    const rand = prng(7)
    const t = new MidTrend(60_000)
    let mid = 100
    // 4 ticks a second, +1 bps drift and 5 bps noise per tick: 4 bps/s drift, 10 bps/√s volatility.
    for (let i = 0; i < 20_000; i++) {
      mid *= Math.exp((1 + 5 * gaussian(rand)) / 1e4)
      t.update(mid, i * 250)
    }
    expect(t.bpsPerSecond()!).toBeGreaterThan(4 - 3 * t.driftErrBpsPerS()!)
    expect(t.bpsPerSecond()!).toBeLessThan(4 + 3 * t.driftErrBpsPerS()!)
    // The weights sum to ~half-life / ln 2 = 87 s observed: the error is the volatility over √87.
    expect(t.driftErrBpsPerS()!).toBeCloseTo(t.volBpsPerSqrtSecond()! / Math.sqrt(60 / Math.LN2), 1)
    expect(t.volBpsPerSqrtSecond()!).toBeGreaterThan(9.5)
    expect(t.volBpsPerSqrtSecond()!).toBeLessThan(10.8)
  })

  it('forgets: after a reversal the drift turns within a few half-lives', () => {
    const t = new MidTrend(1_000)
    let mid = 100
    for (let i = 0; i < 40; i++) t.update((mid *= 1.001), i * 250)
    expect(t.bpsPerSecond()!).toBeGreaterThan(30)
    for (let i = 40; i < 80; i++) t.update((mid /= 1.001), i * 250)
    expect(t.bpsPerSecond()!).toBeLessThan(-30)
    expect(new MidTrend().bpsPerSecond()).toBeUndefined()
  })
})

describe('adaptive chase decisions (pure)', () => {
  const quote = (bid: number, ask: number, bidSize = 5, askSize = 5): Quote => ({ kind: 'quote', symbol: 'X', bid, ask, bidSize, askSize, ts: 0 })
  const k = adaptiveKnobs({ ...DEFAULT_ALGO_OPTIONS, cutBps: 25 })

  it('rests insideShare of the room inside the spread, on the tick grid, never crossing', () => {
    const q = quote(100, 101) // 10 ticks of 0.1: 9 ticks of room
    expect(restingPrice('buy', q, 0.1, 0)).toBe(100)
    expect(restingPrice('buy', q, 0.1, 0.5)).toBe(100.4)
    expect(restingPrice('buy', q, 0.1, 1)).toBe(100.9)
    expect(restingPrice('sell', q, 0.1, 1)).toBe(100.1)
    expect(restingPrice('buy', quote(100, 100.1), 0.1, 1)).toBe(100) // one-tick spread: join the touch
  })

  it('re-prices only when outbid (if following) or overpaying — never to chase its own order at the touch', () => {
    const follow = { ...k, followTouch: true }
    expect(shouldReprice('buy', 100, quote(100.2, 101), 0.1, follow)).toBe(true)
    expect(shouldReprice('buy', 100, quote(100.2, 101), 0.1, k)).toBe(false)
    expect(shouldReprice('buy', 100, quote(100, 101), 0.1, { ...follow, insideShare: 1 })).toBe(false)
    // The book fell away under a buyer: resting above the new touch only overpays.
    expect(shouldReprice('buy', 100, quote(99.5, 100.6), 0.1, k)).toBe(true)
    expect(shouldReprice('sell', 101, quote(100.4, 101.5), 0.1, k)).toBe(true)
  })

  it('takes on a run against us, a significant adverse trend, high volatility or a book leaning our way', () => {
    const base: TakeView = { side: 'buy', quote: quote(100, 100.02), arrival: quote(100, 100.02), motion: undefined, makerFee: 0.0002, takerFee: 0.0005 }
    expect(takeReason(base, k)).toBeNull()
    expect(takeReason({ ...base, quote: quote(100.3, 100.32) }, k)).toBe('ran') // 30 bps up against a buyer
    expect(takeReason({ ...base, side: 'sell', quote: quote(100.3, 100.32) }, k)).toBeNull() // … the seller's way
    const calm = { driftBpsPerS: 0, driftErrBpsPerS: 1, volBpsPerSqrtS: 5 }
    expect(takeReason({ ...base, motion: calm }, k)).toBeNull()
    expect(takeReason({ ...base, motion: { ...calm, driftBpsPerS: 3 } }, k)).toBe('trend') // 9 bps over 3 s > 4 bps saved
    expect(takeReason({ ...base, side: 'sell', motion: { ...calm, driftBpsPerS: 3 } }, k)).toBeNull()
    expect(takeReason({ ...base, motion: { ...calm, driftBpsPerS: 3, driftErrBpsPerS: 5 } }, k)).toBeNull() // noise
    expect(takeReason({ ...base, motion: { ...calm, volBpsPerSqrtS: 50 } }, k)).toBe('volatile')
    expect(takeReason({ ...base, motion: { ...calm, volBpsPerSqrtS: 50, driftBpsPerS: -3 } }, k)).toBeNull() // coming our way
    expect(takeReason({ ...base, quote: quote(100, 100.02, 9, 1) }, k)).toBe('imbalance') // (9 − 1) / 10 = 0.8
    expect(takeReason({ ...base, side: 'sell', quote: quote(100, 100.02, 9, 1) }, k)).toBeNull()
  })
})

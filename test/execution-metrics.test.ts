import { describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../actors/algos/algo.ts'
import { ExecutionMetrics } from '../src/engine/execution-metrics.ts'

const report = (side: 'buy' | 'sell', avgPrice: number, extra: Partial<ExecutionReport> = {}): ExecutionReport => ({
  algo: 'chase',
  side,
  requested: 1,
  filled: 1,
  arrivalMid: 100,
  avgPrice,
  makerAmount: 1,
  takerAmount: 0,
  fees: 0.01,
  timeToFillMs: 100,
  amendments: 1,
  ...extra,
})

describe('execution metrics', () => {
  it('signs slippage against the arrival mid by side, and its percentiles match a sort of the values', () => {
    const m = new ExecutionMetrics('chase')
    const values: number[] = []
    for (let i = 0; i < 1_000; i++) {
      const bps = ((i * 7919) % 2001) / 10 - 100 // −100 … +100 bps, spread
      const side = i % 2 ? 'buy' : 'sell'
      const price = side === 'buy' ? 100 * (1 + bps / 1e4) : 100 * (1 - bps / 1e4)
      values.push(bps)
      m.record(report(side, price))
    }
    values.sort((a, b) => a - b)
    const s = m.summary()
    for (const [p, got] of [
      [50, s.slippageBps.p50],
      [95, s.slippageBps.p95],
    ] as const) {
      const want = values[Math.ceil((p / 100) * values.length) - 1]!
      expect(Math.abs(got - want)).toBeLessThan(0.2)
    }
    expect(s.slippageBps.avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6)
    expect(ExecutionMetrics.slippageBps(report('buy', 100.1))).toBeCloseTo(10, 9)
    expect(ExecutionMetrics.slippageBps(report('sell', 100.1))).toBeCloseTo(-10, 9)
  })

  it('adds up maker share, fees, fill rate and amendments, and hands reports to the store once', () => {
    const m = new ExecutionMetrics('chase')
    m.record(report('buy', 100, { requested: 2, filled: 1, makerAmount: 1, takerAmount: 0, amendments: 3 }))
    m.record(report('sell', 100, { requested: 1, filled: 1, makerAmount: 0, takerAmount: 1, amendments: 0, avgPrice: null, timeToFillMs: null }))
    expect(m.summary()).toMatchObject({ works: 2, makerShare: 0.5, fees: 0.02, fillRate: 0.667, amendments: 3 })
    expect(m.drain()).toHaveLength(2)
    expect(m.drain()).toHaveLength(0)
  })
})

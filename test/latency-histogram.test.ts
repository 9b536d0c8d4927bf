import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../src/engine/latency-histogram.ts'

const exactPercentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!
}

describe('LatencyHistogram', () => {
  it('percentiles, max and count of samples recorded in bursts larger than its pending buffer', () => {
    const h = new LatencyHistogram()
    const xs: number[] = []
    // 300k samples: past the initial buffer and the fold point (2^18) within one burst.
    for (let i = 0; i < 300_000; i++) {
      const ms = ((i * 7919) % 100_000) / 1000 + (i % 1000 === 0 ? 250 : 0)
      xs.push(ms)
      h.record(ms)
    }
    const s = h.summary()
    expect(s.count).toBe(300_000)
    for (const p of [50, 99] as const) expect(Math.abs(s[`p${p}`] - exactPercentile(xs, p)) / exactPercentile(xs, p)).toBeLessThan(0.002)
    expect(s.max).toBeCloseTo(
      xs.reduce((m, x) => Math.max(m, x), 0),
      0,
    )
    let counted = 0
    h.forEachValue((_, n) => (counted += n))
    expect(counted).toBe(300_000)
  })

  it('add takes both sides’ unread samples; reset drops them', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    for (let i = 1; i <= 10; i++) a.record(i)
    for (let i = 1; i <= 30; i++) b.record(100 + i)
    a.add(b)
    expect(a.count).toBe(40)
    expect(a.summary().max).toBeCloseTo(130, 1)
    expect(b.count).toBe(30)
    b.record(5)
    b.reset()
    expect(b.summary()).toEqual({ p50: 0, p99: 0, max: 0, count: 0 })
    b.record(7)
    expect(b.summary().count).toBe(1)
    expect(b.percentile(50)).toBeCloseTo(7, 2)
  })

  it('a percentile is never above the largest value recorded', () => {
    const h = new LatencyHistogram()
    // 40.875 ms sits in a bucket 32 µs wide whose top (40.895 ms) is above the value itself.
    for (let i = 0; i < 100; i++) h.record(40.875)
    const s = h.summary()
    expect(s.max).toBeCloseTo(40.875, 3)
    expect(s.p99).toBeLessThanOrEqual(s.max)
    expect(s.p50).toBeLessThanOrEqual(s.max)
    expect(s.p50).toBeGreaterThan(40.8)
  })

  it('negative durations (a clock step) count as zero', () => {
    const h = new LatencyHistogram()
    h.record(-3)
    expect(h.summary()).toEqual({ p50: 0, p99: 0, max: 0, count: 1 })
  })
})

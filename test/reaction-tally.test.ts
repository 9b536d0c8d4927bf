import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../src/engine/latency-histogram.ts'
import { ReactionTally } from '../src/engine/reaction-tally.ts'

/** An engine clock that moves 1 ms with every read, and counts them. */
function steppingClock(): { now: () => number; reads: number } {
  const c = { reads: 0, now: () => ++c.reads }
  return c
}

describe('ReactionTally', () => {
  it('records each order at once, at its own clock reading, outside a hold', () => {
    const clock = steppingClock()
    const h = new LatencyHistogram()
    const tally = new ReactionTally(clock.now, h, () => false)
    tally.handed(0)
    tally.handed(0)
    tally.handed(1)
    expect(clock.reads).toBe(3)
    expect(h.count).toBe(3)
    // Readings 1, 2, 3 minus dispatch times 0, 0, 1.
    expect(h.summary()).toMatchObject({ p50: 2, max: 2 })
  })

  it('under a hold, reads the clock once per batch of orders for one input and records them all with it', () => {
    const clock = steppingClock()
    const h = new LatencyHistogram()
    let held = true
    const tally = new ReactionTally(clock.now, h, () => held)
    for (let i = 0; i < 1_000; i++) tally.handed(0)
    // One read when the 513th order found a full batch; nothing recorded for the rest yet.
    expect(clock.reads).toBe(1)
    held = false
    tally.settle()
    expect(clock.reads).toBe(2)
    expect(h.count).toBe(1_000)
    expect(h.percentile(50)).toBe(1)
    expect(h.summary().max).toBe(2)
    // Settling again records nothing twice.
    tally.settle()
    expect(h.count).toBe(1_000)
  })

  it('settles one input before counting the next one within the same hold', () => {
    const clock = steppingClock()
    const h = new LatencyHistogram()
    const tally = new ReactionTally(clock.now, h, () => true)
    tally.handed(0)
    tally.handed(0)
    tally.handed(0.5)
    tally.settle()
    expect(clock.reads).toBe(2)
    // Two at reading 1 for input 0, one at reading 2 for input 0.5.
    expect(h.count).toBe(3)
    expect(h.summary()).toMatchObject({ p50: 1, max: 1.5 })
  })
})

describe('LatencyHistogram.recordMany', () => {
  it('adds count samples of one value, alongside single records', () => {
    const h = new LatencyHistogram()
    h.recordMany(5, 99)
    h.record(50)
    h.recordMany(7, 1)
    h.recordMany(9, 0)
    expect(h.count).toBe(101)
    expect(h.percentile(50)).toBeCloseTo(5, 2)
    expect(h.summary().max).toBe(50)
  })
})

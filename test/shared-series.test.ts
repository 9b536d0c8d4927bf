import { filter, map, type OperatorFunction } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { StrategyInput } from '../src/domain/intent.ts'
import type { Reading } from '../streams/operators/reading.ts'
import { crossover } from '../streams/operators/crossover.ts'
import { indicator } from '../streams/operators/indicator.ts'
import { prices } from '../streams/operators/prices.ts'
import { onTape } from '../streams/operators/shared-series.ts'
import { Router } from '../streams/router.ts'

/** A counted moving average of the last `n` readings (warm after n): what each copy computed is visible. */
function counted(n: number) {
  const counts = { created: 0, adds: 0 }
  const make = () => {
    counts.created++
    const xs: number[] = []
    return {
      add(x: number) {
        counts.adds++
        xs.push(x)
        if (xs.length > n) xs.shift()
        return xs.length === n ? xs.reduce((a, b) => a + b, 0) / n : null
      },
    }
  }
  return { counts, op: indicator(`mean(${n})#${Math.random()}`, make) }
}

const trade = (i: number, price: number): StrategyInput => ({ kind: 'trade', symbol: 'X/USDT', id: String(i), ts: i, price, amount: 1, side: 'buy' }) as StrategyInput
const PRICES = [5, 3, 8, 1, 9, 2, 7, 7, 4, 6]

/** On one tape: prices → mean(3), and beside it prices → `step` → the same mean(3); every price dispatched. */
function besidePlain(step: OperatorFunction<Reading, Reading>) {
  const mean = counted(3)
  const router = new Router<string, StrategyInput>()
  const plain: number[] = []
  const stepped: number[] = []
  router
    .select('X/USDT')
    .pipe(prices('X/USDT'), mean.op)
    .subscribe((r: Reading) => plain.push(r.value))
  router
    .select('X/USDT')
    .pipe(prices('X/USDT'), step, mean.op)
    .subscribe((r: Reading) => stepped.push(r.value))
  const tape = {}
  for (const [i, p] of PRICES.entries()) onTape(tape, () => router.dispatch('X/USDT', trade(i, p)))
  return { plain, stepped, counts: mean.counts }
}

describe('identical sub-computations on a shared series', () => {
  it('20 pipelines on one tape update each distinct indicator once per reading and keep no copy of their own', () => {
    const fast = counted(2)
    const slow = counted(3)
    const router = new Router<string, StrategyInput>()
    const out: number[][] = Array.from({ length: 20 }, () => [])
    for (let k = 0; k < 20; k++)
      router
        .select('X/USDT')
        .pipe(prices('X/USDT'), crossover(fast.op, slow.op))
        .subscribe((r: Reading) => out[k]!.push(r.value))
    const tape = {}
    for (const [i, p] of PRICES.entries()) onTape(tape, () => router.dispatch('X/USDT', trade(i, p)))
    expect(fast.counts).toEqual({ created: 1, adds: PRICES.length })
    expect(slow.counts).toEqual({ created: 1, adds: PRICES.length })
    // The same decisions as one pipeline computing alone, off any tape.
    const alone: number[] = []
    const solo = new Router<string, StrategyInput>()
    solo
      .select('X/USDT')
      .pipe(prices('X/USDT'), crossover(counted(2).op, counted(3).op))
      .subscribe((r: Reading) => alone.push(r.value))
    for (const [i, p] of PRICES.entries()) solo.dispatch('X/USDT', trade(i, p))
    expect(alone.length).toBeGreaterThan(1)
    for (const o of out) expect(o).toEqual(alone)
  })

  it('a pipeline that joins late reads the shared copy, warm with the history it missed, and makes none of its own', () => {
    const slow = counted(3)
    const router = new Router<string, StrategyInput>()
    const early: number[] = []
    router
      .select('X/USDT')
      .pipe(prices('X/USDT'), slow.op)
      .subscribe((r: Reading) => early.push(r.value))
    const tape = {}
    const late: number[] = []
    PRICES.forEach((p, i) => {
      if (i === 4)
        router
          .select('X/USDT')
          .pipe(prices('X/USDT'), slow.op)
          .subscribe((r: Reading) => late.push(r.value))
      onTape(tape, () => router.dispatch('X/USDT', trade(i, p)))
    })
    expect(slow.counts).toEqual({ created: 1, adds: PRICES.length })
    expect(late).toEqual(early.slice(-6))
    expect(late[0]).toBeCloseTo((8 + 1 + 9) / 3, 12)
  })

  it('off any tape every pipeline computes its own copy', () => {
    const slow = counted(3)
    const router = new Router<string, StrategyInput>()
    const out: number[][] = [[], [], []]
    for (const o of out)
      router
        .select('X/USDT')
        .pipe(prices('X/USDT'), slow.op)
        .subscribe((r: Reading) => o.push(r.value))
    for (const [i, p] of PRICES.entries()) router.dispatch('X/USDT', trade(i, p))
    expect(slow.counts).toEqual({ created: 3, adds: 3 * PRICES.length })
    for (const o of out) expect(o).toEqual(out[0])
    expect(out[0]!.length).toBe(PRICES.length - 2)
  })

  it('a reading an operator made anew is another computation: that pipeline keeps its own copy, as if alone', () => {
    // Keeps the reading's series and number (the spread), changes its value.
    const { plain, stepped, counts } = besidePlain(map((r: Reading) => ({ ...r, value: 2 * r.value })))
    expect(stepped).toEqual(plain.map((v) => 2 * v))
    expect(counts).toEqual({ created: 2, adds: 2 * PRICES.length })
  })

  it('a crossover on readings made anew computes its own pair, as if alone (negated prices cross the other way)', () => {
    const fast = counted(2)
    const slow = counted(3)
    const router = new Router<string, StrategyInput>()
    const plain: number[] = []
    const negated: number[] = []
    router
      .select('X/USDT')
      .pipe(prices('X/USDT'), crossover(fast.op, slow.op))
      .subscribe((r: Reading) => plain.push(r.value))
    router
      .select('X/USDT')
      .pipe(
        prices('X/USDT'),
        map((r: Reading) => ({ ...r, value: -r.value })),
        crossover(fast.op, slow.op),
      )
      .subscribe((r: Reading) => negated.push(r.value))
    const tape = {}
    for (const [i, p] of PRICES.entries()) onTape(tape, () => router.dispatch('X/USDT', trade(i, p)))
    expect(plain.length).toBeGreaterThan(1)
    expect(negated).toEqual(plain.map((v) => -v))
    expect(fast.counts).toEqual({ created: 2, adds: 2 * PRICES.length })
    expect(slow.counts).toEqual({ created: 2, adds: 2 * PRICES.length })
  })

  it('a crossover joining late shares the indicator the series already has and keeps its own of the one it has not', () => {
    const fast = counted(2)
    const slow = counted(3)
    const router = new Router<string, StrategyInput>()
    router.select('X/USDT').pipe(prices('X/USDT'), fast.op).subscribe()
    const late: Reading[] = []
    const tape = {}
    PRICES.forEach((p, i) => {
      if (i === 4)
        router
          .select('X/USDT')
          .pipe(prices('X/USDT'), crossover(fast.op, slow.op))
          .subscribe((r: Reading) => late.push(r))
      onTape(tape, () => router.dispatch('X/USDT', trade(i, p)))
    })
    // fast(2) shared and warm from the start; slow(3) made when it joined (its shared copy, out of
    // step, is never fed) and warm after three readings: the first side at the sixth reading (ts 6).
    expect(fast.counts).toEqual({ created: 1, adds: PRICES.length })
    expect(slow.counts).toEqual({ created: 2, adds: PRICES.length - 4 })
    expect(late[0]!.ts).toBe(6)
    // fast (2 + 7) / 2 = 4.5 is below slow (9 + 2 + 7) / 3 = 6.
    expect(late[0]!.value).toBe(-1)
  })

  it('a pipeline whose readings skip one (an upstream filter) stops reading the shared copy at the skip', () => {
    const { plain: all, stepped: some, counts } = besidePlain(filter((r: Reading) => r.value !== 1))
    // Before the skip (the 1 at the fourth reading) both read the shared mean; from the skip on the
    // filtered pipeline's own copy warms up on 9, 2, 7, … — never the unfiltered means again.
    expect(all[0]).toBeCloseTo(16 / 3, 12)
    expect(some[0]).toBe(all[0])
    expect(some.slice(1)).toEqual([(9 + 2 + 7) / 3, (2 + 7 + 7) / 3, (7 + 7 + 4) / 3, (7 + 4 + 6) / 3])
    expect(counts).toEqual({ created: 2, adds: PRICES.length + 6 })
  })
})

import { TestScheduler } from 'rxjs/testing'
import { map } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { signalOf, signalSchedule, signalValue } from '../streams/signal-schedule.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))

describe('signalSchedule', () => {
  it('emits one round every period, deterministic for a seed', () => {
    const scheduler = newScheduler()
    scheduler.run(({ expectObservable }) => {
      const rounds$ = signalSchedule({ groups: 3, everyMs: 10, seed: 7 }).pipe(map((r) => `${r.round}@${r.ts}:${Array.from(r.values).join(',')}`))
      const v = (round: number) => `${round}@${round * 10}:${[0, 1, 2].map((g) => signalValue(7, round, g)).join(',')}`
      expectObservable(rounds$, '^ 35ms !').toBe('10ms a 9ms b 9ms c', { a: v(1), b: v(2), c: v(3) })
    })
  })

  it('gives each group enter / exit / none at the configured rates', () => {
    const counts = { 1: 0, [-1]: 0, 0: 0 } as Record<number, number>
    for (let round = 1; round <= 200; round++) for (let g = 0; g < 100; g++) counts[signalValue(42, round, g)]!++
    expect(counts[1]! / 20000).toBeCloseTo(0.4, 1)
    expect(counts[-1]! / 20000).toBeCloseTo(0.4, 1)
    expect(counts[0]! / 20000).toBeCloseTo(0.2, 1)
    expect(signalValue(42, 5, 3)).toBe(signalValue(42, 5, 3))
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((s) => signalValue(s, 1, 0))).not.toEqual(new Array(8).fill(signalValue(1, 1, 0)))
  })

  it('splits a round into per-group signals', () => {
    const r = { round: 3, ts: 30, values: Int8Array.from([1, -1, 0]) }
    expect(signalOf(r, 1)).toEqual({ kind: 'signal', group: 1, value: -1, round: 3, ts: 30 })
  })
})

describe('periodic', () => {
  it('ticks like interval', async () => {
    const { periodic } = await import('../streams/periodic.ts')
    newScheduler().run(({ expectObservable }) => {
      expectObservable(periodic(3), '^ 10ms !').toBe('3ms a 2ms b 2ms c', { a: 0, b: 1, c: 2 })
    })
  })

  it('tears down flat after many ticks in virtual time (no nested actions)', async () => {
    const { periodic } = await import('../streams/periodic.ts')
    const { VirtualTimeScheduler, VirtualAction } = await import('rxjs')
    const s = new VirtualTimeScheduler(VirtualAction, 1_000_000)
    let n = 0
    const sub = periodic(10, s).subscribe(() => n++)
    s.flush()
    expect(n).toBe(100_000)
    expect(() => sub.unsubscribe()).not.toThrow()
  })
})

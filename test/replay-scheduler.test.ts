import { bufferTime, interval, Subject, take, timer } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { ReplayScheduler } from '../src/exchange/replay/replay-scheduler.ts'

describe('ReplayScheduler (virtual time for replays)', () => {
  it('runs work in time order, same-time work in scheduling order, and leaves the clock where asked', () => {
    const s = new ReplayScheduler(1_000)
    const seen: string[] = []
    s.schedule(() => seen.push(`c@${s.now()}`), 20)
    s.schedule(() => seen.push(`a@${s.now()}`), 10)
    s.schedule(() => seen.push(`b@${s.now()}`), 10)
    s.schedule(() => seen.push(`late@${s.now()}`), 500)
    s.advanceTo(1_100)
    expect(seen).toEqual(['a@1010', 'b@1010', 'c@1020'])
    expect(s.now()).toBe(1_100)
    s.advanceTo(1_500)
    expect(seen.at(-1)).toBe('late@1500')
  })

  it('a cancelled action never runs; a rescheduled one runs once, at its new time', () => {
    const s = new ReplayScheduler()
    const seen: number[] = []
    s.schedule(() => seen.push(1), 5).unsubscribe()
    s.schedule(function (this: { schedule(st?: unknown, d?: number): void }, n?: number) {
      seen.push(s.now())
      if ((n ?? 0) < 2) this.schedule((n ?? 0) + 1, 7)
    }, 3)
    s.advanceTo(100)
    expect(seen).toEqual([3, 10, 17])
  })

  it('drives rxjs time operators (interval, timer, bufferTime) like VirtualTimeScheduler', () => {
    const s = new ReplayScheduler(0)
    const ticks: number[] = []
    interval(100, s)
      .pipe(take(3))
      .subscribe(() => ticks.push(s.now()))
    let fired = -1
    timer(250, s).subscribe(() => (fired = s.now()))
    const src = new Subject<number>()
    const batches: number[][] = []
    src.pipe(bufferTime(50, null, Number.POSITIVE_INFINITY, s)).subscribe((b) => batches.push(b))
    src.next(1)
    s.advanceTo(60)
    src.next(2)
    s.advanceTo(1_000)
    expect(ticks).toEqual([100, 200, 300])
    expect(fired).toBe(250)
    expect(batches.slice(0, 2)).toEqual([[1], [2]])
  })
})

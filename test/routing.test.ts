import { Subject, type Subscriber } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { Stage, subscriberOperator } from '../streams/operators/subscriber-operator.ts'
import { OrderUpdateHub } from '../streams/order-update-hub.ts'
import { Router } from '../streams/router.ts'

describe('Router', () => {
  it('delivers each value only to the subscribers of its key', () => {
    const src = new Subject<{ k: string; v: number }>()
    const r = new Router<string, { k: string; v: number }>()
    const a: number[] = []
    const b: number[] = []
    r.select('a').subscribe((x) => a.push(x.v))
    r.select('b').subscribe((x) => b.push(x.v))
    r.connect(src, (x) => x.k)
    src.next({ k: 'a', v: 1 })
    src.next({ k: 'b', v: 2 })
    src.next({ k: 'c', v: 3 })
    src.next({ k: 'a', v: 4 })
    expect(a).toEqual([1, 4])
    expect(b).toEqual([2])
  })

  it('removes one subscriber, even during a dispatch, without disturbing the others', () => {
    const r = new Router<number, number>()
    const got: string[] = []
    const s1 = r.select(1).subscribe((v) => {
      got.push(`s1:${v}`)
      s2.unsubscribe()
    })
    const s2 = r.select(1).subscribe((v) => got.push(`s2:${v}`))
    r.select(1).subscribe((v) => got.push(`s3:${v}`))
    r.dispatch(1, 7)
    r.dispatch(1, 8)
    s1.unsubscribe()
    r.dispatch(1, 9)
    expect(got).toEqual(['s1:7', 's3:7', 's1:8', 's3:8', 's3:9'])
    expect(r.count(1)).toBe(1)
  })

  it('tears 100k subscribers down in one pass, completing each', () => {
    const r = new Router<number, number>()
    let completed = 0
    for (let i = 0; i < 100_000; i++) r.select(i % 10).subscribe({ complete: () => completed++ })
    r.dispose()
    expect(completed).toBe(100_000)
    expect(r.keys).toBe(0)
    let late = false
    r.select(1).subscribe({ complete: () => (late = true) })
    expect(late).toBe(true)
  })

  it('passes a source error to every subscriber', () => {
    const src = new Subject<number>()
    const r = new Router<number, number>().connect(src, (v) => v)
    const errors: unknown[] = []
    r.select(1).subscribe({ error: (e) => errors.push(e) })
    r.select(2).subscribe({ error: (e) => errors.push(e) })
    src.error(new Error('feed down'))
    expect(errors.map((e) => (e as Error).message)).toEqual(['feed down', 'feed down'])
  })

  it("a bare listener's throw goes to the error handler; the listeners after it still get the value", () => {
    const reported: [unknown, string][] = []
    const r = new Router<string, number>((err, key) => reported.push([err, key]))
    const got: number[] = []
    r.listen('k', () => {
      throw new Error('listener bug')
    })
    r.listen('k', (v) => got.push(v))
    r.dispatch('k', 1)
    r.dispatch('k', 2)
    expect(got).toEqual([1, 2])
    expect(reported.map(([e, k]) => [(e as Error).message, k])).toEqual([
      ['listener bug', 'k'],
      ['listener bug', 'k'],
    ])
  })
})

describe('Stage', () => {
  class Explodes extends Stage<number, number> {
    protected override _next(v: number): void {
      if (v === 2) throw new Error('stage bug')
      this.out.next(v)
    }
  }
  const explodes = subscriberOperator<number, number>((out: Subscriber<number>) => new Explodes(out))

  it("turns a throw in _next into the pipeline's error instead of unwinding into the source's loop", () => {
    const src = new Subject<number>()
    const errors: string[] = []
    const first: number[] = []
    const second: number[] = []
    src.pipe(explodes).subscribe({ next: (v) => first.push(v), error: (e) => errors.push((e as Error).message) })
    src.subscribe((v) => second.push(v))
    for (const v of [1, 2, 3]) src.next(v)
    expect(first).toEqual([1])
    expect(errors).toEqual(['stage bug'])
    // A Subject does not catch for its observers: without the Stage's guard the second one never sees 2 or 3.
    expect(second).toEqual([1, 2, 3])
  })
})

describe('OrderUpdateHub', () => {
  it('routes updates to the follower of each client order id, and holds early ones for a late follower', () => {
    const src = new Subject<{ id: string; n: number }>()
    const hub = new OrderUpdateHub<{ id: string; n: number }>(2).connect(src, (u) => u.id)
    const got: number[] = []
    src.next({ id: 'early', n: 1 })
    src.next({ id: 'early', n: 2 })
    hub.follow('early', { report: (u) => got.push(u.n) })
    src.next({ id: 'early', n: 3 })
    expect(got).toEqual([1, 2, 3])
    expect(hub.unclaimedOrders).toBe(0)
  })

  it('keeps at most maxUnclaimed orders of unclaimed updates, oldest dropped first', () => {
    const hub = new OrderUpdateHub<number>(2)
    hub.hold('a', 1)
    hub.hold('b', 2)
    hub.hold('c', 3)
    expect(hub.unclaimedOrders).toBe(2)
    const got: number[] = []
    hub.follow('a', { report: (u) => got.push(u) })
    hub.follow('c', { report: (u) => got.push(u) })
    expect(got).toEqual([3])
  })

  it('stops delivering once unfollowed', () => {
    const hub = new OrderUpdateHub<number>()
    const got: number[] = []
    const f = { report: (u: number) => got.push(u) }
    hub.follow('x', f)
    expect(hub.dispatch('x', 1)).toBe(true)
    hub.unfollow('x', f)
    expect(hub.dispatch('x', 2)).toBe(false)
    expect(got).toEqual([1])
  })
})

import { map, type Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { DrawdownBreaker } from '../actors/risk/circuit-breaker.ts'
import { TokenBucket } from '../actors/risk/token-bucket.ts'
import { VolatilityGate } from '../actors/risk/volatility-gate.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))
const A = 'ACTIVE'
const R = 'REDUCING'

describe('drawdown circuit breaker over time', () => {
  it('trips on drawdown from the peak within the window, stays through the cool-down, then resumes', () => {
    const s = newScheduler()
    s.run(({ hot, expectObservable }) => {
      const b = new DrawdownBreaker({ maxDrawdown: 0.05, windowMs: 10, action: 'REDUCING', cooldownMs: 6 })
      // equity: 100 → 110 (new peak) → 104 (5.5 % below 110: trip) → 120 while cooling down → resumes at 10
      const equity$ = hot('a-b-c-d-e-f-g', { a: 100, b: 110, c: 104, d: 120, e: 100, f: 100, g: 100 })
      const state$: Observable<string> = equity$.pipe(map((eq) => (b.update(s.now(), eq), b.state)))
      expectObservable(state$).toBe('a-b-c-d-e-f-g', { a: A, b: A, c: R, d: R, e: R, f: A, g: A })
    })
  })

  it('measures from the peak, not from the start: gains earlier in the window count', () => {
    const s = newScheduler()
    s.run(({ hot, expectObservable }) => {
      const b = new DrawdownBreaker({ maxDrawdown: 0.1, windowMs: 100, action: 'HALTED', cooldownMs: 1_000 })
      // still above the starting 100 at 108, but 10.7 % below the 121 peak
      const equity$ = hot('a-b-c', { a: 100, b: 121, c: 108 })
      expectObservable(equity$.pipe(map((eq) => (b.update(s.now(), eq), b.state)))).toBe('a-b-c', { a: A, b: A, c: 'HALTED' })
    })
  })

  it('forgets peaks older than the window', () => {
    const s = newScheduler()
    s.run(({ hot, expectObservable }) => {
      const b = new DrawdownBreaker({ maxDrawdown: 0.05, windowMs: 4, action: 'REDUCING', cooldownMs: 1 })
      // the 120 peak at 0 has left the 4 ms window by 6: 110 is not a 5 % drawdown from 112
      const equity$ = hot('a-b---c', { a: 120, b: 112, c: 110 })
      expectObservable(equity$.pipe(map((eq) => (b.update(s.now(), eq), b.state)))).toBe('a-b---c', { a: A, b: R, c: A })
    })
  })

  it('an operator reset resumes at once', () => {
    const b = new DrawdownBreaker({ maxDrawdown: 0.05, windowMs: 100, action: 'REDUCING', cooldownMs: 1_000 })
    b.update(0, 100)
    expect(b.update(1, 90)).toBe(true)
    b.reset(2, 90)
    expect(b.state).toBe(A)
    expect(b.update(3, 88)).toBe(false)
  })
})

describe('volatility gate', () => {
  it('pauses entries when realized volatility jumps past k × baseline, resumes once calm', () => {
    const g = new VolatilityGate({ window: 5, baselineWindow: 50, k: 3, resumeK: 1.5 })
    let p = 100
    const states: boolean[] = []
    const step = (r: number) => {
      p *= Math.exp(r)
      g.update(p)
      states.push(g.paused)
    }
    for (let i = 0; i < 200; i++) step(i % 2 ? 0.001 : -0.001) // calm
    expect(states.some((x) => x)).toBe(false)
    for (let i = 0; i < 5; i++) step(i % 2 ? 0.02 : -0.02) // a 20x jump in moves
    expect(g.paused).toBe(true)
    for (let i = 0; i < 100 && g.paused; i++) step(i % 2 ? 0.001 : -0.001)
    expect(g.paused).toBe(false)
  })

  it('does not pause during warm-up', () => {
    const g = new VolatilityGate({ window: 5, baselineWindow: 50, k: 3, resumeK: 1.5 })
    for (let i = 0; i < 40; i++) g.update(100 * (1 + (i % 2 ? 0.05 : -0.05)))
    expect(g.paused).toBe(false)
  })
})

describe('order-rate limit over time', () => {
  it('lets a burst through, then one order per 1/rate', () => {
    const s = newScheduler()
    s.run(({ hot, expectObservable }) => {
      const bucket = new TokenBucket(500, 2, 0) // 500/s: one token every 2 ms, 2 saved up
      // frames 0..3: 2 saved + 0.5 a frame → y y y n; then 1 token every 2 frames
      const orders$ = hot('aaaa-a-a', { a: 1 })
      expectObservable(orders$.pipe(map(() => (bucket.take(s.now()) ? 'y' : 'n')))).toBe('yyyn-y-y')
    })
  })
})

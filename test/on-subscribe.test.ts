import { Observable, Subscriber } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { onSubscribe, subscribeInto } from '../streams/on-subscribe.ts'

/** A Subscriber that logs what it gets. */
const logger = (log: string[]) =>
  new Subscriber<number>({
    next: (x) => log.push(`next ${x}`),
    error: (e: unknown) => log.push(`error ${(e as Error).message}`),
    complete: () => log.push('complete'),
  })

describe('subscribeInto', () => {
  const start = (out: Subscriber<number>, a: number, log: string[], fail: boolean) => {
    if (fail) throw new Error(`start ${a} failed`)
    out.next(a)
    return () => log.push(`teardown ${a}`)
  }

  for (const [name, make] of [
    ['an onSubscribe observable (direct)', (a: number, log: string[], fail: boolean) => onSubscribe(start, a, log, fail)],
    ['any other observable (through subscribe)', (a: number, log: string[], fail: boolean) => new Observable<number>((out) => start(out, a, log, fail))],
  ] as const)
    it(`gives ${name} the subscriber, keeps its teardown for unsubscribe, and turns a throw into an error`, () => {
      const log: string[] = []
      const s = logger(log)
      subscribeInto(make(1, log, false), s)
      expect(log).toEqual(['next 1'])
      s.unsubscribe()
      expect(log).toEqual(['next 1', 'teardown 1'])
      const failing: string[] = []
      subscribeInto(make(2, failing, true), logger(failing))
      expect(failing).toEqual(['error start 2 failed'])
    })
})

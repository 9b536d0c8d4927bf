import { TestScheduler } from 'rxjs/testing'
import { NEVER } from 'rxjs'
import { describe, expect, it, vi } from 'vitest'
import { Inlet } from '../streams/inlet.ts'
import { exhaustLatestBy } from '../streams/exhaust-latest-by.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))

describe('exhaustLatestBy', () => {
  it('keeps one action in flight: the second inner observable is never subscribed', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const inner1 = cold('  --x--y|')
      const inner2 = cold('  --z|')
      const e1 = hot('       a--b-----|', { a: inner1, b: inner2 })
      const expected = '     --x--y---|'
      const result = e1.pipe(exhaustLatestBy((o) => o, { key: () => 'one', wanted: (o) => o === inner1 }))
      expectObservable(result).toBe(expected)
      expectSubscriptions(inner1.subscriptions).toBe('^-----!')
      expectSubscriptions(inner2.subscriptions).toBe([])
    })
  })

  it('acts on the latest value after the action ends (latest wins): b is superseded by c', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const e1 = hot('  abc--------|')
      const expected = '----A---C--|'
      const project = (v: string) => cold('----(V|)', { V: v.toUpperCase() })
      expectObservable(e1.pipe(exhaustLatestBy(project, { key: () => 1 }))).toBe(expected)
    })
  })

  it('drops the latest value when it is no longer wanted once the action ends', () => {
    let position = 0
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const e1 = hot('  a-a--|')
      const result = e1.pipe(
        exhaustLatestBy(
          () => {
            position = 1
            return cold('---(F|)')
          },
          { key: () => 1, wanted: () => position === 0 },
        ),
      )
      expectObservable(result).toBe('---F-|')
    })
    expect(position).toBe(1)
  })

  it('never double-enters a key, while other keys run in parallel', () => {
    const busy: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      // a and c share key "a|c"; b and d share key "b|d".
      const e1 = hot('  abcd--------|')
      const keyOf = (v: string) => (v === 'a' || v === 'c' ? 'ac' : 'bd')
      const project = (v: string) => cold('----(x|)', { x: v })
      const result = e1.pipe(exhaustLatestBy(project, { key: keyOf, onBusy: (v) => busy.push(v) }))
      expectObservable(result).toBe('----ab--cd--|')
    })
    expect(busy).toEqual(['c', 'd'])
  })

  it('completes only when the source and every action have completed', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const e1 = hot('  a|')
      expectObservable(e1.pipe(exhaustLatestBy(() => cold('---(x|)'), { key: () => 1 }))).toBe('---(x|)')
    })
  })

  it('tears down in-flight actions on unsubscribe', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const inner = cold('-----x|')
      const e1 = hot('  a-------|')
      const unsub = '   ---!'
      expectObservable(e1.pipe(exhaustLatestBy(() => inner, { key: () => 1 })), unsub).toBe('----')
      expectSubscriptions(inner.subscriptions).toBe('^--!')
    })
  })

  it('handles actions that complete synchronously', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const e1 = hot('  a-b-|')
      expectObservable(e1.pipe(exhaustLatestBy((v: string) => [v], { key: () => 1 }))).toBe('a-b-|')
    })
  })

  describe('a failing key ends only its own lane', () => {
    it('an inner error releases that key and reports it; other keys and the output go on', () => {
      const failed: [string, unknown][] = []
      newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const boom = cold('  --#', undefined, new Error('venue bug'))
        const ok = cold('    ---(y|)')
        // key A: a errors at 3; a2 arrives after the release and starts anew. key B: b runs through.
        const e1 = hot('     ab---c-|', { a: ['A', boom], b: ['B', ok], c: ['A', ok] } as Record<string, [string, typeof ok]>)
        const expected = '   ----y---(y|)'
        const result = e1.pipe(exhaustLatestBy(([, o]) => o, { key: ([k]) => k, onError: (k, err) => failed.push([k, err]) }))
        expectObservable(result).toBe(expected)
        expectSubscriptions(boom.subscriptions).toBe('^-!')
        expectSubscriptions(ok.subscriptions).toBe(['-^--!', '-----^--!'])
      })
      expect(failed.map(([k, e]) => [k, (e as Error).message])).toEqual([['A', 'venue bug']])
    })

    it('a project that throws releases its key (the next value for it starts), and the shared output never errors', () => {
      const failed: string[] = []
      let calls = 0
      newScheduler().run(({ cold, hot, expectObservable }) => {
        const e1 = hot('  a-b-c-|')
        const expected = '---B-C|'
        const project = (v: string) => {
          calls++
          if (v === 'a') throw new Error('bad intent')
          return cold('-(V|)', { V: v.toUpperCase() })
        }
        expectObservable(e1.pipe(exhaustLatestBy(project, { key: () => 'k', onError: (k) => failed.push(k) }))).toBe(expected)
      })
      expect(failed).toEqual(['k'])
      expect(calls).toBe(3)
    })

    it('a wanted that throws is a failure of that key only; the value starts nothing', () => {
      const failed: string[] = []
      newScheduler().run(({ cold, hot, expectObservable }) => {
        const e1 = hot('  ab-|')
        const expected = '--B|'
        const wanted = (v: string) => {
          if (v === 'a') throw new Error('cannot decide')
          return true
        }
        expectObservable(e1.pipe(exhaustLatestBy((v) => cold('-(V|)', { V: v.toUpperCase() }), { key: (v) => v, wanted, onError: (k) => failed.push(k) }))).toBe(expected)
      })
      expect(failed).toEqual(['a'])
    })
  })

  it('a throw in onBusy is reported on a fresh stack, never thrown into the loop that sent the value', () => {
    vi.useFakeTimers()
    try {
      const source = new Inlet<string>()
      const seen: string[] = []
      const sub = source
        .pipe(
          exhaustLatestBy(() => NEVER, {
            key: () => 'one',
            onBusy: () => {
              throw new Error('busy hook failed')
            },
          }),
        )
        .subscribe()
      for (const v of ['a', 'b', 'c']) {
        source.next(v)
        seen.push(v)
      }
      expect(seen).toEqual(['a', 'b', 'c'])
      // Two busy arrivals, each reported by a timer of its own.
      expect(vi.getTimerCount()).toBe(2)
      vi.clearAllTimers()
      sub.unsubscribe()
    } finally {
      vi.useRealTimers()
    }
  })
})

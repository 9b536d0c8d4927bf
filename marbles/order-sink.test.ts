import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { orderSink } from '../streams/order-sink.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))

describe('orderSink', () => {
  it('writes one batch per window and nothing for empty windows', () => {
    const written: string[][] = []
    newScheduler().run(({ hot, expectObservable }) => {
      const e1 = hot('  -a-b------------c-----------------|')
      //                 window [0,10): a b   [10,20): c   [20,30), [30,34): empty
      const result = e1.pipe(
        orderSink({
          windowMs: 10,
          maxBatch: 100,
          write: (b: string[]) => {
            written.push(b)
            return []
          },
        }),
      )
      expectObservable(result).toBe('----------x---------y-------------|', { x: 2, y: 1 })
    })
    expect(written).toEqual([['a', 'b'], ['c']])
  })

  it('flushes the partial batch on completion', () => {
    const written: string[][] = []
    newScheduler().run(({ hot, expectObservable }) => {
      const e1 = hot('  -a-b---|')
      const result = e1.pipe(
        orderSink({
          windowMs: 100,
          maxBatch: 100,
          write: (b: string[]) => {
            written.push(b)
            return []
          },
        }),
      )
      expectObservable(result).toBe('-------(x|)', { x: 2 })
    })
    expect(written).toEqual([['a', 'b']])
  })

  it('cuts a batch as soon as it reaches maxBatch', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const e1 = hot('  (abcde)---|')
      const result = e1.pipe(orderSink({ windowMs: 100, maxBatch: 2, write: () => [] }))
      expectObservable(result).toBe('(xy)------(z|)', { x: 2, y: 2, z: 1 })
    })
  })

  it('writes batches one at a time, in order, even when a write is slow', () => {
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  a-----------b---------|')
      const slow = cold('---------------(w|)')
      const result = e1.pipe(orderSink({ windowMs: 10, maxBatch: 100, write: () => slow }))
      // batch [a] closes at 10, written 10→25; batch [b] closes at 20, waits, written 25→40.
      expectObservable(result).toBe('-------------------------x--------------(y|)', { x: 1, y: 1 })
      expectSubscriptions(slow.subscriptions).toBe(['----------^--------------!', '-------------------------^--------------!'])
    })
  })
})

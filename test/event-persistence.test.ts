import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { asyncScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../src/domain/netting.ts'
import type { Order, OrderEvent } from '../src/domain/order.ts'
import { EventPersistence } from '../src/engine/event-persistence.ts'

// A full collection on demand, to see what the persistence still holds.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const order = (i: number): Order => ({
  id: `o${i}`,
  exchangeId: null,
  strategyId: `s${i % 100}`,
  actor: i % 100,
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  amount: 1,
  price: null,
  status: 'pending_new',
  filled: 0,
  avgPrice: null,
  fee: 0,
  tradeIds: [],
  createdAt: i,
  closedAt: null,
  reason: null,
})

const submitted = (i: number): OrderEvent => ({ type: 'OrderSubmitted', ts: i, order: order(i), fill: null, reason: null })

/** A store that takes every batch and says when it has seen `n` events. */
function countingStore() {
  let seen = 0
  let waiting: { n: number; resolve: () => void } | null = null
  return {
    write(batch: readonly StoredEvent[]) {
      seen += batch.length
      if (waiting !== null && seen >= waiting.n) waiting.resolve()
      return Promise.resolve()
    },
    seen: (n: number) => new Promise<void>((resolve) => (seen >= n ? resolve() : (waiting = { n, resolve }))),
  }
}

describe('EventPersistence', () => {
  it('lets go of events once they are written, so a round of orders does not live on into later rounds', async () => {
    const store = countingStore()
    const p = new EventPersistence({ store, scheduler: asyncScheduler, clock: () => performance.now(), windowMs: 5, maxBatch: 500 }).start()
    const refs: WeakRef<Order>[] = []
    for (let i = 0; i < 3_000; i++) {
      const e = submitted(i)
      if (i % 300 === 0) refs.push(new WeakRef(e.order))
      p.accept(e)
    }
    await store.seen(3_000)
    // The persistence's own bookkeeping for the last batch runs after the store's promise settles.
    await new Promise((r) => setTimeout(r, 0))
    expect(p.counts.written).toBe(3_000)
    expect(p.queued).toBe(0)
    gc()
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0)
    expect(await p.flush(1_000)).toBe(true)
  })

  it('still holds, and hands back in order, every event a failing store has not taken', async () => {
    const fail = true
    const taken: StoredEvent[] = []
    const store = {
      write(batch: readonly StoredEvent[]) {
        if (fail) return Promise.reject(new Error('disk full (injected)'))
        taken.push(...batch)
        return Promise.resolve()
      },
    }
    const p = new EventPersistence({ store, scheduler: asyncScheduler, clock: () => performance.now(), windowMs: 5, maxBatch: 100, retryDelayMs: 5, maxRetryDelayMs: 5 }).start()
    for (let i = 0; i < 250; i++) p.accept(submitted(i))
    expect(await p.flush(50)).toBe(false)
    const left = p.unwritten()
    expect(left).toHaveLength(250)
    expect(left.map((e) => (e as OrderEvent).order.id)).toEqual(Array.from({ length: 250 }, (_, i) => `o${i}`))
    expect(taken).toHaveLength(0)
  })
})

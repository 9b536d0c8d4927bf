import { asyncScheduler, catchError, config, map, NEVER, type Observable, of, take } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { runOrder, type OrderActionContext } from '../actors/order-action.ts'
import { FinalExchangeError, RetryableExchangeError } from '../src/domain/errors.ts'
import { newOrder, type Order, type OrderStatus, type OrderUpdate } from '../src/domain/order.ts'
import { canApply, evolveOrder } from '../src/domain/order-state.ts'
import type { ExchangeOrder, ExchangePort, ExchangeTrade } from '../src/exchange/port.ts'
import { withCallTimeout } from '../src/exchange/call-timeout.ts'
import { OrderUpdateHub } from '../streams/order-update-hub.ts'
import { trackOrder } from '../streams/track-order.ts'
import { silentVenue } from './support/silent-venue.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))
const order = (type: 'market' | 'limit' = 'market'): Order =>
  newOrder({ id: 'c1', strategyId: 's1', actor: 0, symbol: 'BTC/USDT', side: 'buy', type, amount: 2, price: type === 'limit' ? 100 : null }, 0)
const trade = (id: string, amount: number, price = 100): ExchangeTrade => ({ id, price, amount, fee: 0.1, takerOrMaker: 'taker', timestamp: 1 })
const report = (status: ExchangeOrder['status'], trades: ExchangeTrade[], filled: number): ExchangeOrder => ({
  id: 'x1',
  clientOrderId: 'c1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  amount: 2,
  price: null,
  status,
  filled,
  average: 100,
  timestamp: 1,
  trades,
})

describe('order state machine', () => {
  it('walks pending_new → new → partially_filled → filled through venue reports, one event per step', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const reports = hot('a-b-c-d', {
        a: report('open', [], 0),
        b: report('open', [trade('t1', 1)], 1),
        c: report('open', [trade('t1', 1)], 1), // repeated trade: deduped
        d: report('closed', [trade('t1', 1), trade('t2', 1)], 2),
      })
      const statuses = reports.pipe(
        trackOrder(order(), { now: () => 0 }),
        map((e) => `${e.type}:${e.order.status}:${e.order.filled}`),
      )
      expectObservable(statuses).toBe('a-b---(d|)', { a: 'OrderAccepted:new:0', b: 'OrderFilled:partially_filled:1', d: 'OrderFilled:filled:2' })
    })
  })

  it('skips illegal transitions and reports them instead of throwing', () => {
    const skipped: string[] = []
    newScheduler().run(({ hot, expectObservable }) => {
      const updates = hot<OrderUpdate>('a-b-c-d', {
        a: { type: 'OrderAccepted', ts: 1, exchangeId: 'x' },
        b: { type: 'OrderAccepted', ts: 2, exchangeId: 'x' }, // new + accepted: illegal
        c: { type: 'OrderRejected', ts: 3, reason: 'late' }, // new + rejected: illegal
        d: { type: 'OrderFilled', ts: 4, fill: { tradeId: 't', orderId: 'c1', price: 1, amount: 2, fee: 0, liquidity: 'taker', ts: 4 } },
      })
      const statuses = updates.pipe(
        trackOrder(order(), { now: () => 0 }, (_, r) => skipped.push(r)),
        map((e) => `${e.type}:${e.order.status}`),
      )
      // The two illegal steps emit nothing and change nothing; the fill after them still applies.
      expectObservable(statuses).toBe('a-----(d|)', { a: 'OrderAccepted:new', d: 'OrderFilled:filled' })
    })
    expect(skipped).toEqual(['illegal transition new + OrderAccepted', 'illegal transition new + OrderRejected'])
    const canceled = evolveOrder(order(), { type: 'OrderCanceled', ts: 1 })
    expect(canceled.ok).toBe(true)
    const again = evolveOrder(canceled.order, { type: 'OrderAccepted', ts: 2, exchangeId: 'x' })
    expect(again).toEqual({ ok: false, order: canceled.order, reason: 'illegal transition canceled + OrderAccepted' })
  })

  it('refuses overfills and duplicate trade ids', () => {
    const fill = (tradeId: string, amount: number) => ({ type: 'OrderFilled' as const, ts: 1, fill: { tradeId, orderId: 'c1', price: 100, amount, fee: 0, liquidity: 'taker' as const, ts: 1 } })
    const a = evolveOrder(order(), fill('t1', 1.5))
    expect(a.ok && a.order.status).toBe('partially_filled')
    expect(evolveOrder(a.order, fill('t1', 0.5))).toMatchObject({ ok: false, reason: 'duplicate fill t1' })
    expect(evolveOrder(a.order, fill('t2', 1))).toMatchObject({ ok: false, reason: 'overfill: 2.5 of 2' })
    const b = evolveOrder(a.order, fill('t2', 0.5))
    expect(b.ok && [b.order.status, b.order.avgPrice, b.order.closedAt]).toEqual(['filled', 100, 1])
  })

  it('has exactly the legal transitions of the table, and final states accept nothing', () => {
    const finals: OrderStatus[] = ['filled', 'canceled', 'rejected', 'denied', 'expired']
    for (const s of finals)
      for (const u of ['OrderAccepted', 'OrderFilled', 'OrderCanceled', 'OrderRejected', 'OrderExpired', 'OrderCancelRequested', 'OrderStatusUnknown'] as const) expect(canApply(s, u)).toBe(false)
    // Unknown: only from pending_new, and whatever the venue then says settles it.
    expect(canApply('pending_new', 'OrderStatusUnknown')).toBe(true)
    expect(canApply('new', 'OrderStatusUnknown')).toBe(false)
    for (const u of ['OrderAccepted', 'OrderFilled', 'OrderCanceled', 'OrderRejected', 'OrderExpired'] as const) expect(canApply('unknown', u)).toBe(true)
    expect(canApply('pending_new', 'OrderRejected')).toBe(true)
    expect(canApply('new', 'OrderRejected')).toBe(false)
    expect(canApply('pending_cancel', 'OrderFilled')).toBe(true)
    expect(canApply('pending_cancel', 'OrderCancelRejected')).toBe(true)
    expect(canApply('new', 'OrderAccepted')).toBe(false)
  })
})

/** A venue whose answers are marble observables. */
function venue(answers: Partial<Record<'createOrder' | 'fetchOrder' | 'cancelOrder', () => Observable<ExchangeOrder>>>): ExchangePort & { calls: string[] } {
  const calls: string[] = []
  const call = (name: 'createOrder' | 'fetchOrder' | 'cancelOrder') => () => {
    calls.push(name)
    return (answers[name] ?? (() => NEVER))()
  }
  return Object.assign(silentVenue({ createOrder: call('createOrder'), cancelOrder: call('cancelOrder'), fetchOrder: call('fetchOrder') }), { calls })
}

const ctxFor = (exchange: ExchangePort, hub = new OrderUpdateHub<ExchangeOrder>()): OrderActionContext => ({
  exchange,
  orderUpdates: hub,
  scheduler: asyncScheduler,
  orderTimeoutMs: 50,
  maxAttempts: 3,
  retryDelayMs: 10,
})

describe('runOrder', () => {
  it('submits, follows the acknowledgement and later venue updates, and completes when filled', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const updates = hot('------u', { u: report('closed', [trade('t2', 1)], 2) })
      const hub = new OrderUpdateHub<ExchangeOrder>().connect(updates, (o) => o.clientOrderId)
      const ex = venue({ createOrder: () => cold('--(a|)', { a: report('open', [trade('t1', 1)], 1) }) })
      const events = runOrder(ctxFor(ex, hub), order()).pipe(map((e) => `${e.type}:${e.order.status}`))
      expectObservable(events).toBe('s-(ab)(c|)', { s: 'OrderSubmitted:pending_new', a: 'OrderAccepted:new', b: 'OrderFilled:partially_filled', c: 'OrderFilled:filled' })
    })
  })

  it('keeps venue updates that arrive before the acknowledgement and applies them after it', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const updates = hot('-u', { u: report('closed', [trade('t1', 2)], 2) })
      const hub = new OrderUpdateHub<ExchangeOrder>().connect(updates, (o) => o.clientOrderId)
      const ex = venue({ createOrder: () => cold('----(a|)', { a: report('open', [], 0) }) })
      const events = runOrder(ctxFor(ex, hub), order()).pipe(map((e) => e.type))
      expectObservable(events).toBe('s---(af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
    })
  })

  it('turns a final venue error into OrderRejected, and never errors itself', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const ex = venue({ createOrder: () => cold('--#', undefined, new FinalExchangeError('insufficient USDT balance', 'insufficient_funds')) })
      const events = runOrder(ctxFor(ex), order()).pipe(map((e) => `${e.type}:${e.reason}`))
      expectObservable(events).toBe('s-(r|)', { s: 'OrderSubmitted:null', r: 'OrderRejected:insufficient USDT balance' })
    })
  })

  it('after a timeout, looks the order up by client id instead of sending it again', () => {
    let calls: string[] = []
    newScheduler().run(({ cold, expectObservable }) => {
      const ex = venue({
        createOrder: () => cold('-----#', undefined, new RetryableExchangeError('no response', 'timeout')),
        fetchOrder: () => cold('--(a|)', { a: report('closed', [trade('t1', 2)], 2) }),
      })
      // timeout at 5, back-off 10, look-up answers 2 later: 17
      const events = runOrder(ctxFor(ex), order()).pipe(map((e) => e.type))
      expectObservable(events).toBe('s 16ms (af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
      calls = ex.calls
    })
    expect(calls).toEqual(['createOrder', 'fetchOrder'])
  })

  it('resubmits under the same client id only when the venue never saw the order', () => {
    const ids: string[] = []
    newScheduler().run(({ cold, expectObservable }) => {
      let creates = 0
      const ex = venue({
        createOrder: () => (++creates === 1 ? cold('-----#', undefined, new RetryableExchangeError('no response', 'timeout')) : cold('-(a|)', { a: report('closed', [trade('t1', 2)], 2) })),
        fetchOrder: () => cold('-#', undefined, new FinalExchangeError('order does not exist', 'not_found')),
      })
      const spy: ExchangePort = { ...ex, createOrder: (req) => (ids.push(req.clientOrderId), ex.createOrder(req)) }
      const events = runOrder(ctxFor(spy), order()).pipe(map((e) => e.type))
      expectObservable(events).toBe('s 16ms (af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
    })
    expect(ids).toEqual(['c1', 'c1'])
  })

  it('after maxAttempts look-ups the order is unknown, never freed: it stays busy until a look-up finds it', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      let lookups = 0
      const ex = venue({
        createOrder: () => cold('-#', undefined, new RetryableExchangeError('no response', 'timeout')),
        // Three look-ups time out; the venue answers the fifth (the second poll in the unknown state).
        fetchOrder: () => (++lookups <= 4 ? cold('-#', undefined, new RetryableExchangeError('no response', 'timeout')) : cold('-(a|)', { a: report('closed', [trade('t1', 2)], 2) })),
      })
      const events = runOrder({ ...ctxFor(ex), unknownPollMs: 100 }, order()).pipe(map((e) => `${e.type}:${e.order.status}`))
      // look-ups at 1+10, 12+20, 33+40 → unknown at 74; polls at 174 (times out at 175) and 275 → found at 276
      expectObservable(events).toBe('s 73ms u 201ms (af|)', { s: 'OrderSubmitted:pending_new', u: 'OrderStatusUnknown:unknown', a: 'OrderAccepted:new', f: 'OrderFilled:filled' })
    })
  })

  it('an unknown order the venue still does not know once its recvWindow has passed ends rejected (it can never trade)', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      let lookups = 0
      const ex = venue({
        createOrder: () => cold('-#', undefined, new RetryableExchangeError('no response', 'timeout')),
        fetchOrder: () =>
          ++lookups <= 3 ? cold('-#', undefined, new RetryableExchangeError('no response', 'timeout')) : cold('-#', undefined, new FinalExchangeError('order does not exist', 'not_found')),
      })
      const events = runOrder({ ...ctxFor(ex), unknownPollMs: 100, recvWindowMs: 250 }, order()).pipe(map((e) => `${e.type}:${e.reason ?? ''}`))
      // unknown at 74; "not found" at 175 (sent at 0: inside the window, poll again) and at 276: past it
      expectObservable(events).toBe('s 73ms u 201ms (r|)', {
        s: 'OrderSubmitted:',
        u: 'OrderStatusUnknown:outcome unknown after 3 attempts; looking it up until the venue knows it or its recvWindow has passed',
        r: 'OrderRejected:never reached the venue: not found 250 ms after it was last sent',
      })
    })
  })

  it('cancels a resting limit order that outlives orderTimeoutMs', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const ex = venue({
        createOrder: () => cold('-(a|)', { a: { ...report('open', [], 0), type: 'limit', price: 100 } }),
        cancelOrder: () => cold('--(c|)', { c: { ...report('canceled', [], 0), type: 'limit', price: 100 } }),
      })
      const events = runOrder(ctxFor(ex), order('limit')).pipe(map((e) => `${e.type}:${e.order.status}`))
      expectObservable(events).toBe('sa 48ms r-(c|)', { s: 'OrderSubmitted:pending_new', a: 'OrderAccepted:new', r: 'OrderCancelRequested:pending_cancel', c: 'OrderCanceled:canceled' })
    })
  })
})

describe('call deadlines', () => {
  const req = { clientOrderId: 'c1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 2 } as const

  it('time out a call the venue never answers, and end with a caller that took its answer and left', () => {
    const late: unknown[] = []
    const before = config.onStoppedNotification
    config.onStoppedNotification = (n) => late.push(n)
    try {
      const s = newScheduler()
      s.run(({ cold, expectObservable }) => {
        // Answers at 1 and keeps the call open (as a venue's stream can); the caller takes one and leaves.
        const answering = withCallTimeout(silentVenue({ createOrder: () => cold('-a-----', { a: report('open', [], 0) }) }), 5, s)
        expectObservable(
          answering.createOrder(req).pipe(
            take(1),
            map((o) => o.status),
          ),
        ).toBe('-(a|)', { a: 'open' })
        const hung = withCallTimeout(silentVenue(), 5, s)
        expectObservable(hung.createOrder(req).pipe(catchError((e: RetryableExchangeError) => of(`${e.code}: ${e.message}`)))).toBe('-----(e|)', {
          e: 'timeout: createOrder: no answer within 5 ms',
        })
      })
    } finally {
      config.onStoppedNotification = before
    }
    // The first call's deadline found nobody to time out: no error reached a closed caller.
    expect(late).toEqual([])
  })
})

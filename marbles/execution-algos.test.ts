import { asyncScheduler, map, type Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { DEFAULT_ALGO_OPTIONS, type AlgoContext, type AlgoJob, type AlgoOptions, type ExecutionReport, type MidMotion } from '../actors/algos/algo.ts'
import { adaptiveChase } from '../actors/algos/adaptive-chase.ts'
import { chaseLimit, pegged } from '../actors/algos/algos.ts'
import type { Market, Quote } from '../src/domain/market.ts'
import { newOrder, type Order } from '../src/domain/order.ts'
import type { ExchangeOrder, ExchangePort, OrderRequest } from '../src/exchange/port.ts'
import { exhaustLatestBy } from '../streams/exhaust-latest-by.ts'
import { silentVenue } from './support/silent-venue.ts'
import { OrderUpdateHub } from '../streams/order-update-hub.ts'
import type { OrderReport } from '../streams/track-order.ts'

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))
const market: Market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: 1, lotSize: 0.001, minNotional: 1, makerFee: 0.0002, takerFee: 0.0005 }
const q = (bid: number, ask = bid + 1): Quote => ({ kind: 'quote', symbol: 'BTC/USDT', bid, ask, bidSize: 5, askSize: 5, ts: 0 })
const report = (id: string, type: 'limit' | 'market', price: number | null, status: ExchangeOrder['status'], fill?: { price: number; amount: number; maker: boolean }): ExchangeOrder => ({
  id: `x-${id}`,
  clientOrderId: id,
  symbol: 'BTC/USDT',
  side: 'buy',
  type,
  amount: 1,
  price,
  status,
  filled: fill?.amount ?? 0,
  average: fill?.price ?? null,
  timestamp: 0,
  trades: fill ? [{ id: `t-${id}`, price: fill.price, amount: fill.amount, fee: 0.01, takerOrMaker: fill.maker ? 'maker' : 'taker', timestamp: 0 }] : [],
})

function rig(
  cold: (m: string, v?: Record<string, unknown>) => Observable<unknown>,
  quotes$: Observable<Quote>,
  updates$: Observable<OrderReport>,
  opts: Partial<AlgoOptions> = {},
  motion?: MidMotion,
) {
  const placed: string[] = []
  const reports: ExecutionReport[] = []
  const venue: ExchangePort = silentVenue({
    createOrder: (r: OrderRequest) => {
      placed.push(`${r.clientOrderId}:${r.type}:${r.price ?? 'mkt'}`)
      // Acknowledgements take 4 frames (a marble group of same-frame events is 4 characters wide).
      return (
        r.type === 'market'
          ? cold('----(a|)', { a: report(r.clientOrderId, 'market', null, 'closed', { price: 103, amount: 1, maker: false }) })
          : cold('----(a|)', { a: report(r.clientOrderId, 'limit', r.price!, 'open') })
      ) as Observable<ExchangeOrder>
    },
    cancelOrder: (id: string) => cold('-(c|)', { c: report(id, 'limit', 0, 'canceled') }) as Observable<ExchangeOrder>,
  })
  const hub = new OrderUpdateHub<OrderReport>().connect(updates$, (u) => (u as ExchangeOrder).clientOrderId)
  const ctx: AlgoContext = {
    exec: { exchange: venue, orderUpdates: hub, scheduler: asyncScheduler, orderTimeoutMs: 1_000_000, maxAttempts: 3, retryDelayMs: 10 },
    quotes: () => quotes$,
    trend: () => motion,
    scheduler: asyncScheduler,
    // Ticks here are 100 bps of the price, so the run-away guard is set wide unless a test says otherwise.
    options: { ...DEFAULT_ALGO_OPTIONS, maxWorkMs: 50, maxSlippageBps: 1_000, ...opts },
    onReport: (r) => reports.push(r),
  }
  let n = 0
  const job: AlgoJob = {
    strategyId: 's',
    side: 'buy',
    amount: 1,
    market,
    arrival: q(100),
    newOrder: (type, amount, price): Order => newOrder({ id: `o${++n}`, strategyId: 's', actor: 0, symbol: 'BTC/USDT', side: 'buy', type, amount, price }, 0),
    check: () => null,
  }
  return { ctx, job, placed, reports }
}

const short = (type: string, o: Order) => `${type.replace('Order', '')}:${o.id}:${o.status}`

describe('run-away guard', () => {
  it('falls back when the touch has moved more than maxSlippageBps against us since arrival', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('------b', { b: q(102) }) // bid 100 → 102: ~199 bps against a buyer
      const r = rig(cold, quotes, hot<OrderReport>('-'), { maxSlippageBps: 150 })
      placed = r.placed
      expectObservable(chaseLimit(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---a-q(cS)(Af|)', {
        s: 'OrderSubmitted',
        a: 'OrderAccepted',
        q: 'OrderCancelRequested',
        c: 'OrderCanceled',
        S: 'OrderSubmitted',
        A: 'OrderAccepted',
        f: 'OrderFilled',
      })
    })
    expect(placed).toEqual(['o1:limit:100', 'o2:market:mkt'])
  })
})

describe('chaseLimit', () => {
  it('re-prices when the best bid moves: cancel, and only once final, a new order at the new best', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('--------b', { b: q(101) })
      const updates = hot<OrderReport>('---------------f', { f: report('o2', 'limit', 101, 'closed', { price: 101, amount: 1, maker: true }) })
      const r = rig(cold, quotes, updates)
      placed = r.placed
      const events = chaseLimit(r.ctx, r.job).pipe(map((e) => short(e.type, e.order)))
      // o1 at 100, acked at 4; bid moves at 8 → cancel; final at 9 → o2 at 101, acked at 13; filled at 15
      expectObservable(events).toBe('s---a---q(cS)A-(f|)', {
        s: 'Submitted:o1:pending_new',
        a: 'Accepted:o1:new',
        q: 'CancelRequested:o1:pending_cancel',
        c: 'Canceled:o1:canceled',
        S: 'Submitted:o2:pending_new',
        A: 'Accepted:o2:new',
        f: 'Filled:o2:filled',
      })
    })
    expect(placed).toEqual(['o1:limit:100', 'o2:limit:101'])
  })

  it('a fill mid-chase ends the work: no cancel, no replacement', () => {
    let out: { placed: string[]; reports: ExecutionReport[] } = { placed: [], reports: [] }
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('--------b', { b: q(102) })
      // The fill's update beats the acknowledgement: held, then applied right after it.
      const updates = hot<OrderReport>('---f', { f: report('o1', 'limit', 100, 'closed', { price: 100, amount: 1, maker: true }) })
      const r = rig(cold, quotes, updates)
      out = r
      expectObservable(chaseLimit(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---(af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
    })
    expect(out.placed).toEqual(['o1:limit:100'])
    expect(out.reports).toEqual([
      {
        algo: 'chase',
        strategyId: 's',
        symbol: 'BTC/USDT',
        ts: 4,
        side: 'buy',
        requested: 1,
        filled: 1,
        arrivalMid: 100.5,
        endMid: 100.5,
        avgPrice: 100,
        makerAmount: 1,
        takerAmount: 0,
        fees: 0.01,
        timeToFillMs: 0,
        amendments: 0,
      },
    ])
  })

  it('when the time runs out, cancels and sends the rest as a market order (fallback)', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'), { maxWorkMs: 20 })
      placed = r.placed
      const events = chaseLimit(r.ctx, r.job).pipe(map((e) => short(e.type, e.order)))
      expectObservable(events).toBe('s---a 15ms q(cS)(Af|)', {
        s: 'Submitted:o1:pending_new',
        a: 'Accepted:o1:new',
        q: 'CancelRequested:o1:pending_cancel',
        c: 'Canceled:o1:canceled',
        S: 'Submitted:o2:pending_new',
        A: 'Accepted:o2:new',
        f: 'Filled:o2:filled',
      })
    })
    expect(placed).toEqual(['o1:limit:100', 'o2:market:mkt'])
  })

  it('with fallback "cancel", gives up instead', () => {
    let reports: ExecutionReport[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'), { maxWorkMs: 20, fallback: 'cancel' })
      reports = r.reports
      expectObservable(chaseLimit(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---a 15ms q(c|)', { s: 'OrderSubmitted', a: 'OrderAccepted', q: 'OrderCancelRequested', c: 'OrderCanceled' })
    })
    expect(reports[0]).toMatchObject({ filled: 0, avgPrice: null })
  })

  it('work that starts once the engine is stopping places nothing and ends at once, with an empty report', () => {
    let reports: ExecutionReport[] = []
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'))
      reports = r.reports
      placed = r.placed
      expectObservable(chaseLimit({ ...r.ctx, stopping: () => true }, r.job)).toBe('|')
    })
    expect(placed).toEqual([])
    expect(reports).toMatchObject([{ filled: 0, requested: 1 }])
  })

  it('an intent that arrives during a chase starts nothing', () => {
    let starts = 0
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const updates = hot<OrderReport>('------f', { f: report('o1', 'limit', 100, 'closed', { price: 100, amount: 1, maker: true }) })
      const r = rig(cold, hot<Quote>('-'), updates)
      const intents = hot('a-b-c----|')
      const inner = cold<never>('|')
      const out = intents.pipe(
        exhaustLatestBy(
          (v: string) => {
            starts++
            return v === 'a' ? chaseLimit(r.ctx, r.job) : inner
          },
          { key: () => 1, wanted: (v) => v === 'a' },
        ),
        map((e) => e.type),
      )
      expectObservable(out).toBe('s---a-f--|', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
      expectSubscriptions(inner.subscriptions).toBe([])
    })
    expect(starts).toBe(1)
  })
})

describe('pegged', () => {
  it('holds its offset from the best and re-pegs when the best moves a tick', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('------b', { b: q(104) })
      const r = rig(cold, quotes, hot<OrderReport>('-'), { pegOffsetTicks: 2, maxWorkMs: 1_000 })
      placed = r.placed
      expectObservable(pegged(r.ctx, r.job).pipe(map((e) => short(e.type, e.order))), '^-----------!').toBe('s---a-q(cS)A', {
        s: 'Submitted:o1:pending_new',
        a: 'Accepted:o1:new',
        q: 'CancelRequested:o1:pending_cancel',
        c: 'Canceled:o1:canceled',
        S: 'Submitted:o2:pending_new',
        A: 'Accepted:o2:new',
      })
    })
    expect(placed).toEqual(['o1:limit:98', 'o2:limit:102'])
  })
})

describe('adaptive chase', () => {
  // Ticks here are 1 % of the price: the run-away cut is set wide unless a test is about it.
  const wide = { cutBps: 10_000 }
  const types = { s: 'OrderSubmitted', a: 'OrderAccepted', q: 'OrderCancelRequested', c: 'OrderCanceled', S: 'OrderSubmitted', A: 'OrderAccepted', f: 'OrderFilled' }

  it('rests at the touch and does not follow it away: it waits for the market to come back, then the fallback', () => {
    let out: { placed: string[]; reports: ExecutionReport[] } = { placed: [], reports: [] }
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('------b', { b: q(101) }) // outbid by a tick: the plain chase would re-price here
      const r = rig(cold, quotes, hot<OrderReport>('-'), { ...wide, maxWorkMs: 20 })
      out = r
      expectObservable(adaptiveChase(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---a 15ms q(cS)(Af|)', types)
    })
    expect(out.placed).toEqual(['o1:limit:100', 'o2:market:mkt'])
    expect(out.reports[0]).toMatchObject({ algo: 'adaptive', amendments: 0, endMid: 101.5 })
  })

  it('takes the rest at market once the touch has run cutBps against us — even with fallback "cancel"', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const quotes = hot<Quote>('------b', { b: q(102) }) // bid 100 → 102: ~199 bps against a buyer
      const r = rig(cold, quotes, hot<OrderReport>('-'), { cutBps: 150, fallback: 'cancel', maxWorkMs: 1_000 })
      placed = r.placed
      expectObservable(adaptiveChase(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---a-q(cS)(Af|)', types)
    })
    expect(placed).toEqual(['o1:limit:100', 'o2:market:mkt'])
  })

  it('takes at once when the symbol is trending against us by more than resting saves', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      // Saving: half the spread (~50 bps here) + the fee gap (3 bps); the drift brings 50 bps/s × 3 s against a buyer.
      const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'), wide, { driftBpsPerS: 50, driftErrBpsPerS: 5, volBpsPerSqrtS: 10 })
      placed = r.placed
      expectObservable(adaptiveChase(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---(af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
    })
    expect(placed).toEqual(['o1:market:mkt'])
  })

  it('keeps resting when the drift is noise (within trendZ standard errors) or runs our way, however volatile', () => {
    for (const motion of [
      { driftBpsPerS: 50, driftErrBpsPerS: 100, volBpsPerSqrtS: 10 },
      { driftBpsPerS: -50, driftErrBpsPerS: 5, volBpsPerSqrtS: 10_000 },
    ]) {
      let placed: string[] = []
      newScheduler().run(({ cold, hot, expectObservable }) => {
        const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'), { ...wide, maxWorkMs: 1_000 }, motion)
        placed = r.placed
        expectObservable(adaptiveChase(r.ctx, r.job).pipe(map((e) => e.type)), '^-------!').toBe('s---a', { s: 'OrderSubmitted', a: 'OrderAccepted' })
      })
      expect(placed).toEqual(['o1:limit:100'])
    }
  })

  it('takes when the market is too volatile for a resting order to pay', () => {
    let placed: string[] = []
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const r = rig(cold, hot<Quote>('-'), hot<OrderReport>('-'), wide, { driftBpsPerS: 0, driftErrBpsPerS: 5, volBpsPerSqrtS: 1_000 })
      placed = r.placed
      expectObservable(adaptiveChase(r.ctx, r.job).pipe(map((e) => e.type))).toBe('s---(af|)', { s: 'OrderSubmitted', a: 'OrderAccepted', f: 'OrderFilled' })
    })
    expect(placed).toEqual(['o1:market:mkt'])
  })
})

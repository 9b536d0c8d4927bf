import { map, merge, NEVER, type Observable, Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { type DeskContext, NettingDesk, type NettingOptions } from '../actors/netting/netting-desk.ts'
import type { OrderActionContext } from '../actors/order-action.ts'
import { OrderFactory } from '../actors/order-factory.ts'
import { StrategyActor } from '../actors/strategy-actor.ts'
import type { Market, Quote } from '../src/domain/market.ts'
import type { DeskEvent } from '../src/domain/netting.ts'
import { newOrder, type OrderEvent } from '../src/domain/order.ts'
import type { ExchangeOrder, OrderRequest } from '../src/exchange/port.ts'
import { exhaustLatestBy } from '../streams/exhaust-latest-by.ts'
import { OrderUpdateHub } from '../streams/order-update-hub.ts'
import { silentVenue } from './support/silent-venue.ts'

const MARKET: Market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, lotSize: 0.001, minNotional: 0.2, makerFee: 0.0002, takerFee: 0.0005 }
const ETH: Market = { ...MARKET, symbol: 'ETH/USDT', base: 'ETH' }
const QUOTE: Quote = { kind: 'quote', symbol: 'BTC/USDT', bid: 99.99, ask: 100.01, bidSize: 10, askSize: 10, ts: 0 }
const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e))

/** A venue answer for the block order `req`: its fills as [trade id, amount, price], then open or closed. */
const answer = (req: OrderRequest, fills: [string, number, number][], status: ExchangeOrder['status']): ExchangeOrder => ({
  id: 'v1',
  clientOrderId: req.clientOrderId,
  symbol: req.symbol,
  side: req.side,
  type: req.type,
  amount: req.amount,
  price: null,
  status,
  filled: fills.reduce((s, f) => s + f[1], 0),
  average: fills.length > 0 ? fills[0]![2] : null,
  timestamp: 0,
  trades: fills.map(([id, amount, price]) => ({ id, amount, price, fee: amount * price * 0.001, takerOrMaker: 'taker' as const, timestamp: 0 })),
})

/**
 * A desk in virtual time with actors 0…n-1 and a venue whose answer to the block order the test
 * gives as marbles; returns each child's events as `type:status:filled` strings and every desk record.
 */
function rig(ts: TestScheduler, venue: (req: OrderRequest) => Observable<ExchangeOrder>, o: Partial<NettingOptions> = {}, extra: Partial<DeskContext> = {}) {
  const sent: OrderRequest[] = []
  const records: DeskEvent[] = []
  const exec: OrderActionContext = {
    exchange: silentVenue({
      createOrder: (req) => {
        sent.push(req)
        return venue(req)
      },
    }),
    orderUpdates: new OrderUpdateHub(),
    scheduler: ts,
    orderTimeoutMs: 60_000,
    maxAttempts: 1,
    retryDelayMs: 100,
  }
  const factory = new OrderFactory('t')
  const desk = new NettingDesk(
    {
      markets: new Map([
        [MARKET.symbol, MARKET],
        [ETH.symbol, ETH],
      ]),
      lastPrice: () => 100,
      lastQuote: () => QUOTE,
      factory,
      scheduler: ts,
      exec,
      algo: null,
      checkBlock: () => null,
      record: (e) => records.push(e),
      ...extra,
    },
    { windowMs: 0, holdMs: 1_000, internalFeeRate: 0, ...o },
  )
  const actors = Array.from({ length: 5 }, (_, i) => new StrategyActor(i, `s${i}`, MARKET.symbol, 0, 1))
  const child = (i: number, side: 'buy' | 'sell', amount: number, symbol = MARKET.symbol) =>
    desk.child(actors[i]!, newOrder({ id: factory.clientOrderId(i, 1), strategyId: `s${i}`, actor: i, symbol, side, type: 'market', amount, price: null }, ts.now()))
  const show = (e: OrderEvent) => `${e.type}:${e.order.status}:${+e.order.filled.toFixed(9)}`
  return { desk, sent, records, child, show, actors }
}

/** Runs `body` in virtual time and returns what it collected as `frame child-actor:event:status:filled`. */
function collect(body: (s: TestScheduler, seen: (label: string) => (e: OrderEvent) => void, h: Parameters<Parameters<TestScheduler['run']>[0]>[0]) => void): string[] {
  const out: string[] = []
  const s = newScheduler()
  s.run((h) => body(s, (label) => (e) => out.push(`${s.now()} ${label}:${e.type}:${e.order.status}:${+e.order.filled.toFixed(9)}`), h))
  return out
}

describe('netting desk', () => {
  it('crosses the buys and sells of one window at the mid and sends only the net, as one block', () => {
    let sent: OrderRequest[] = []
    let desk: NettingDesk | null = null
    const fills: OrderEvent[] = []
    const seen = collect((s, see, { cold }) => {
      const r = rig(s, (req) => cold('10ms a|', { a: answer(req, [['v1', req.amount, 100.01]], 'closed') }))
      sent = r.sent
      desk = r.desk
      // Buys 0.3 + 0.2 against a sell of 0.1: 0.1 crossed (the sell whole, the buys 0.06 / 0.04), 0.4 net to the venue.
      r.child(0, 'buy', 0.3).subscribe(see('0'))
      r.child(1, 'buy', 0.2).subscribe(see('1'))
      r.child(2, 'sell', 0.1).subscribe(see('2'))
      merge(r.child(3, 'buy', 0), r.child(4, 'sell', 0)).subscribe((e) => e.fill && fills.push(e))
    })
    expect(seen).toEqual([
      '0 0:OrderSubmitted:pending_new:0',
      '0 1:OrderSubmitted:pending_new:0',
      '0 2:OrderSubmitted:pending_new:0',
      // A child's first fill is its acceptance: no separate step (one event fewer per child).
      '0 0:OrderFilled:partially_filled:0.06',
      '0 1:OrderFilled:partially_filled:0.04',
      '0 2:OrderFilled:filled:0.1',
      '10 0:OrderFilled:filled:0.3',
      '10 1:OrderFilled:filled:0.2',
    ])
    expect(sent.map((r) => `${r.side} ${r.amount} ${r.clientOrderId}`)).toEqual(['buy 0.4 t-N0-1'])
    expect(desk!.counts).toMatchObject({ blocks: 1, venueOrders: 1, crosses: 1, crossedAmount: { 'BTC/USDT': 0.1 } })
    expect(fills).toEqual([])
  })

  it("sends every symbol's block before it records the children or hands out any window's cross, and reports the block's reaction from its earliest child's input", () => {
    const log: string[] = []
    const sentAt: number[] = []
    const s = newScheduler()
    s.run(({ cold }) => {
      const r = rig(
        s,
        (req) => {
          log.push(`venue ${req.side} ${req.amount}`)
          return cold('10ms a|', { a: answer(req, [['v1', req.amount, 100.01]], 'closed') })
        },
        {},
        { onBlockSent: (at) => sentAt.push(at), record: (e) => e.type === 'BlockUpdated' && log.push(`row ${e.block.symbol} ${e.block.status}`) },
      )
      const see = (label: string) => (e: OrderEvent) => log.push(`${label}:${e.type}:${+e.order.filled.toFixed(9)}`)
      // Inputs dispatched at engine-clock 7, 3 and 5: the block nets actors 0 and 1 (the buys).
      r.actors[0]!.intentAt = 7
      r.actors[1]!.intentAt = 3
      r.actors[2]!.intentAt = 5
      r.child(0, 'buy', 0.3).subscribe(see('0'))
      r.child(1, 'buy', 0.2).subscribe(see('1'))
      r.child(2, 'sell', 0.1).subscribe(see('2'))
      // Another symbol in the same window: its block goes out before either window's cross is handed out.
      r.child(3, 'sell', 0.5, ETH.symbol).subscribe(see('3'))
      r.child(4, 'buy', 0.1, ETH.symbol).subscribe(see('4'))
      // A newer intent of an actor whose child waits does not move the block's origin.
      r.actors[1]!.intentAt = 9
    })
    expect(log.filter((l) => !l.startsWith('row') || l.endsWith('open'))).toEqual([
      // Both venue orders first; then the children's records, and only then the blocks' rows (a
      // stored block's children are always stored: the sink keeps this order).
      'venue buy 0.4',
      'venue sell 0.4',
      '0:OrderSubmitted:0',
      '1:OrderSubmitted:0',
      '2:OrderSubmitted:0',
      '3:OrderSubmitted:0',
      '4:OrderSubmitted:0',
      'row BTC/USDT open',
      'row ETH/USDT open',
      '0:OrderFilled:0.06',
      '1:OrderFilled:0.04',
      '2:OrderFilled:0.1',
      '4:OrderFilled:0.1',
      '3:OrderFilled:0.1',
      '0:OrderFilled:0.3',
      '1:OrderFilled:0.2',
      '3:OrderFilled:0.5',
    ])
    expect(sentAt).toEqual([3, 0])
  })

  it("a block refused at once (the account's risk check) still lets its children take their share of the window's cross", () => {
    const log: string[] = []
    const s = newScheduler()
    s.run(() => {
      const r = rig(s, () => NEVER, {}, { checkBlock: () => 'rate_limit_global' })
      const see = (label: string) => (e: OrderEvent) => log.push(`${label}:${e.type}:${e.order.status}:${+e.order.filled.toFixed(9)}`)
      r.child(0, 'buy', 0.3).subscribe(see('0'))
      r.child(1, 'buy', 0.2).subscribe(see('1'))
      r.child(2, 'sell', 0.1).subscribe(see('2'))
    })
    expect(log.filter((l) => !l.includes('Submitted'))).toEqual([
      // Crossed: 0.1 each way, the buys pro rata; then the refused block ends what they still wanted.
      '0:OrderFilled:partially_filled:0.06',
      '1:OrderFilled:partially_filled:0.04',
      '2:OrderFilled:filled:0.1',
      '0:OrderCanceled:canceled:0.06',
      '1:OrderCanceled:canceled:0.04',
    ])
  })

  it('allocates partial block fills as they arrive, in whole lots; the lot remainder waits for the next fill', () => {
    let records: DeskEvent[] = []
    const seen = collect((s, see, { hot }) => {
      const venue = new Subject<ExchangeOrder>()
      const r = rig(s, () => venue)
      records = r.records
      r.child(0, 'buy', 0.002).subscribe(see('0'))
      r.child(1, 'buy', 0.001).subscribe(see('1'))
      const req: OrderRequest = { clientOrderId: 't-N0-1', symbol: MARKET.symbol, side: 'buy', type: 'market', amount: 0.003 }
      // 0.0015 filled: one whole lot, to the larger want (shares 1.0 / 0.5 → 1 / 0); then all of it.
      hot('--a--b', {
        a: answer(req, [['v1', 0.0015, 100]], 'open'),
        b: answer(
          req,
          [
            ['v1', 0.0015, 100],
            ['v2', 0.0015, 101],
          ],
          'closed',
        ),
      }).subscribe((x) => venue.next(x))
    })
    expect(seen.filter((l) => !l.includes('Submitted'))).toEqual([
      // The venue took the block: actor 0 gets the one whole lot, actor 1 (nothing yet) is accepted.
      '2 0:OrderFilled:partially_filled:0.001',
      '2 1:OrderAccepted:new:0',
      '5 0:OrderFilled:filled:0.002',
      '5 1:OrderFilled:filled:0.001',
    ])
    const last = records.filter((e) => e.type === 'BlockUpdated').at(-1)
    expect(last).toMatchObject({
      block: {
        id: 't-N0-1',
        status: 'filled',
        amount: 0.003,
        filled: 0.003,
        children: [
          ['t-0-1', 's0', 0, 0.002],
          ['t-1-1', 's1', 1, 0.001],
        ],
      },
    })
    expect(records.some((e) => e.type === 'HouseAllocated')).toBe(false)
  })

  it('a block that ends short gives the lot remainder to the house and ends its children with what they got', () => {
    let records: DeskEvent[] = []
    const seen = collect((s, see, { cold }) => {
      const r = rig(s, (req) => cold('-a|', { a: answer(req, [['v1', 0.0025, 100]], 'canceled') }))
      records = r.records
      r.child(0, 'buy', 0.002).subscribe(see('0'))
      r.child(1, 'buy', 0.002).subscribe(see('1'))
    })
    // Two whole lots of 0.0025: equal wants, so one each (the tie-break orders the odd lot); 0.0005 to the house.
    expect(seen.filter((l) => l.includes('Filled') || l.includes('Canceled'))).toEqual([
      '1 0:OrderFilled:partially_filled:0.001',
      '1 1:OrderFilled:partially_filled:0.001',
      '1 0:OrderCanceled:canceled:0.001',
      '1 1:OrderCanceled:canceled:0.001',
    ])
    const house = records.find((e) => e.type === 'HouseAllocated')
    expect(house?.type === 'HouseAllocated' && [house.house.blockId, +house.house.amount.toFixed(12), house.house.price]).toEqual(['t-N0-1', 0.0005, 100])
    expect(records.filter((e) => e.type === 'BlockUpdated').at(-1)).toMatchObject({ block: { status: 'canceled', filled: 0.0025 } })
  })

  it('a block the venue rejects ends its children rejected', () => {
    const s = newScheduler()
    s.run(({ cold, expectObservable }) => {
      const r = rig(s, (req) => cold('-#', {}, new Error(`insufficient balance for ${req.clientOrderId}`)))
      expectObservable(r.child(0, 'buy', 1).pipe(map(r.show))).toBe('a(b|)', { a: 'OrderSubmitted:pending_new:0', b: 'OrderRejected:rejected:0' })
    })
  })

  it('at shutdown, children already handed over are netted and sent, not dropped; a net under the minimum ends at once', () => {
    const s = newScheduler()
    s.run(({ cold }) => {
      const r = rig(s, (req) => cold('-a|', { a: answer(req, [['v1', req.amount, 100]], 'closed') }))
      const seen: string[] = []
      r.child(0, 'buy', 0.5).subscribe((e) => seen.push(`${s.now()} ${r.show(e)}`))
      r.child(1, 'sell', 0.2).subscribe((e) => seen.push(`${s.now()} ${r.show(e)}`))
      // The stop comes in the same sweep, before the window's flush.
      r.desk.shutdown('shutdown')
      const small: string[] = []
      r.child(2, 'buy', 0.001).subscribe((e) => small.push(r.show(e)))
      r.desk.shutdown('shutdown')
      s.schedule(() => {
        expect(r.sent.map((x) => `${x.side} ${x.amount}`)).toEqual(['buy 0.3'])
        expect(seen).toEqual(['0 OrderSubmitted:pending_new:0', '0 OrderSubmitted:pending_new:0', '0 OrderFilled:partially_filled:0.2', '0 OrderFilled:filled:0.2', '1 OrderFilled:filled:0.5'])
        expect(small).toEqual(['OrderSubmitted:pending_new:0', 'OrderRejected:rejected:0'])
      }, 10)
    })
  })

  it('holds a net under the venue minimum for more children, then ends them unfilled', () => {
    const s = newScheduler()
    s.run(({ expectObservable }) => {
      const r = rig(s, () => {
        throw new Error('nothing may be sent')
      })
      // 0.001 × 100 = 0.1 < 0.2: nothing is sent; after the 1 s hold the child ends unfilled.
      expectObservable(r.child(0, 'buy', 0.001).pipe(map(r.show))).toBe('a 999ms (b|)', { a: 'OrderSubmitted:pending_new:0', b: 'OrderRejected:rejected:0' })
      s.schedule(() => expect(r.sent).toEqual([]), 2_000)
    })
  })

  it("a child is its actor's one action in flight: intents while it waits start nothing, the latest acts after", () => {
    const s = newScheduler()
    s.run(({ hot, cold }) => {
      const r = rig(s, (req) => cold('----a|', { a: answer(req, [[`v-${req.clientOrderId}`, req.amount, 100]], 'closed') }))
      let seq = 0
      const actor = r.actors[0]!
      const intents = hot('a-b-c-----|', { a: 0.1, b: 0.2, c: 0.3 })
      const out = intents.pipe(
        exhaustLatestBy(
          (amount: number) =>
            r.desk
              .child(actor, newOrder({ id: `t-0-${++seq}`, strategyId: 's0', actor: 0, symbol: MARKET.symbol, side: 'buy', type: 'market', amount, price: null }, s.now()))
              .pipe(map((e) => `${e.type}:${e.order.amount}`)),
          {
            key: () => actor,
          },
        ),
      )
      // 0.1 acts at once and fills at 4; 0.2 and 0.3 arrive meanwhile and start nothing; at 4 the latest (0.3) acts, fills at 8.
      const seen: string[] = []
      out.subscribe((x) => seen.push(`${s.now()} ${x}`))
      s.schedule(() => expect(seen).toEqual(['0 OrderSubmitted:0.1', '4 OrderFilled:0.1', '4 OrderSubmitted:0.3', '8 OrderFilled:0.3']), 20)
      s.schedule(() => expect(r.sent.map((x) => x.amount)).toEqual([0.1, 0.3]), 20)
    })
  })

  it('records its children as submitted right after the sweep, not when a longer window ends; a child dropped before that is never recorded or sent', () => {
    const s = newScheduler()
    s.run(({ cold }) => {
      const r = rig(s, (req) => cold('10ms a|', { a: answer(req, [['v1', req.amount, 100]], 'closed') }), { windowMs: 1_000 })
      const seen: string[] = []
      const see = (label: string) => (e: OrderEvent) => seen.push(`${s.now()} ${label}:${e.type}`)
      r.child(0, 'buy', 0.3).subscribe(see('0'))
      r.child(1, 'buy', 0.2).subscribe(see('1'))
      // Handed over, then dropped by its lane (its actor failed) before the desk recorded it.
      r.child(2, 'buy', 0.5).subscribe(see('2')).unsubscribe()
      // Until then they count as orders in flight (the open-orders limit sees them).
      expect(r.desk.awaitingSubmission).toBe(3)
      s.schedule(() => expect(r.desk.awaitingSubmission).toBe(0), 1)
      s.schedule(() => {
        expect(seen).toEqual(['0 0:OrderSubmitted', '0 1:OrderSubmitted', '1010 0:OrderFilled', '1010 1:OrderFilled'])
        expect(r.sent.map((x) => `${x.side} ${x.amount}`)).toEqual(['buy 0.5'])
      }, 2_000)
    })
  })
})

import { VirtualAction, VirtualTimeScheduler, type SchedulerLike } from 'rxjs'
import { TradeIds } from '../src/exchange/sim/trade-ids.ts'
import { describe, expect, it } from 'vitest'
import { FinalExchangeError, RetryableExchangeError } from '../src/domain/errors.ts'
import type { ExchangeTrade, OrderRequest } from '../src/exchange/port.ts'
import { SimAccount } from '../src/exchange/sim/sim-account.ts'
import { LEVELS, SimMarketData, type SymbolMarket } from '../src/exchange/sim/sim-market-data.ts'
import { SimMatching } from '../src/exchange/sim/sim-matching.ts'
import { SimRoundTrips } from '../src/exchange/sim/sim-round-trips.ts'
import { prng } from '../src/util/random.ts'

/** Matching over one symbol whose book we set by hand: bid 100 × 2, ask 101 × 2, fees 0.02 % / 0.05 %. */
function book(quoteBalance = 1e6) {
  const data = new SimMarketData({ symbols: 1, seed: 1 }, prng(1), new TradeIds())
  const s = data.get('BTC/USDT')!
  const market = { ...s.market, tickSize: 0.01, lotSize: 0.001, minNotional: 5 }
  const sym: SymbolMarket = { market, path: s.path, quote: { kind: 'quote', symbol: 'BTC/USDT', bid: 100, ask: 101, bidSize: 2, askSize: 2, ts: 0 } }
  data.symbols.set('BTC/USDT', sym)
  const account = new SimAccount([market], quoteBalance)
  const makerFills: ExchangeTrade[] = []
  const activity: string[] = []
  const matching = new SimMatching(data, account, { activity: (k) => activity.push(k), makerFill: (_v, t) => makerFills.push(t) }, new TradeIds())
  const req = (o: Partial<OrderRequest>): OrderRequest => ({ clientOrderId: `c${activity.length}`, symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 100, ...o })
  return { data, sym, account, matching, makerFills, activity, req }
}

describe('simulator market data', () => {
  it('quotes the same book for the same seed, with depth growing away from the touch', () => {
    const a = new SimMarketData({ symbols: 2, seed: 9 }, prng(9), new TradeIds())
    const b = new SimMarketData({ symbols: 2, seed: 9 }, prng(9), new TradeIds())
    const sa = a.get('ETH/USDT')!
    const sb = b.get('ETH/USDT')!
    for (let t = 1; t <= 50; t++) expect(a.step(sa, t)).toEqual(b.step(sb, t))
    const d = a.depth(sa, 50) as { bids: readonly (readonly [number, number])[]; asks: readonly (readonly [number, number])[] }
    expect(d.bids).toHaveLength(LEVELS)
    for (let i = 1; i < LEVELS; i++) {
      expect(d.bids[i]![0]).toBeLessThan(d.bids[i - 1]![0])
      expect(d.asks[i]![0]).toBeGreaterThan(d.asks[i - 1]![0])
      expect(d.asks[i]![1]).toBeGreaterThan(d.asks[i - 1]![1])
    }
    expect(d.asks[0]![0]).toBeGreaterThan(d.bids[0]![0])
  })
})

describe('simulator account', () => {
  it('reserves for a resting buy, releases as it fills and when it is canceled', () => {
    const { account, matching, req, sym, data } = book(1_000)
    const v = matching.place(req({ price: 100, amount: 2 }), 0)
    // 2 × 100 × (1 + 0.0002) held.
    expect(account.all().USDT).toEqual({ free: 1_000 - 200.04, used: 200.04, total: 1_000 })
    matching.matchPrint(sym, { kind: 'trade', symbol: 'BTC/USDT', id: 'm1', price: 99.5, amount: 1, side: 'sell', ts: 1 }, 1)
    expect(v.filled).toBe(1)
    expect(account.all().BTC!.free).toBe(1)
    expect(account.all().USDT!.used).toBeCloseTo(100.02, 9)
    matching.cancel(v.req.clientOrderId, 'BTC/USDT')
    expect(account.all().USDT!.used).toBe(0)
    // Paid 100 + the maker fee for 1 BTC.
    expect(account.all().USDT!.free).toBeCloseTo(1_000 - 100 - 0.02, 9)
    expect(data.markets).toHaveLength(1)
  })

  it('refuses what the free balance cannot pay for, naming the asset', () => {
    const { matching, req } = book(150)
    expect(() => matching.place(req({ price: 100, amount: 2 }), 0)).toThrow(new FinalExchangeError('insufficient USDT balance', 'insufficient_funds'))
    expect(() => matching.place(req({ side: 'sell', price: 100, amount: 1 }), 0)).toThrow(/insufficient BTC balance/)
  })
})

describe('simulator matching', () => {
  it('a buy joining the bid waits behind the size displayed there; prints at its price eat that queue first', () => {
    const { matching, req, sym, makerFills } = book()
    const v = matching.place(req({ price: 100, amount: 1 }), 0)
    expect(v.queueAhead).toBe(2)
    const print = (amount: number) => matching.matchPrint(sym, { kind: 'trade', symbol: 'BTC/USDT', id: 'p', price: 100, amount, side: 'sell', ts: 1 }, 1)
    print(1.5)
    expect(v.filled).toBe(0)
    print(1)
    // 0.5 more of queue, then 0.5 for us.
    expect(v.filled).toBe(0.5)
    expect(makerFills.map((t) => [t.price, t.amount, t.takerOrMaker])).toEqual([[100, 0.5, 'maker']])
    // A print on our own side never fills us.
    matching.matchPrint(sym, { kind: 'trade', symbol: 'BTC/USDT', id: 'p', price: 100, amount: 5, side: 'buy', ts: 2 }, 2)
    expect(v.filled).toBe(0.5)
  })

  it('a resting order fills at its own price when the market moves through it', () => {
    const { matching, req, sym } = book()
    const v = matching.place(req({ price: 99, amount: 1 }), 0)
    expect(v.queueAhead).toBe(0)
    sym.quote = { ...sym.quote, bid: 97.5, ask: 98.5 }
    matching.sweepCrossed(sym, 5)
    expect([v.status, v.filled, v.trades[0]!.price, v.trades[0]!.takerOrMaker]).toEqual(['closed', 1, 99, 'maker'])
    expect(matching.resting('BTC/USDT').size).toBe(0)
  })

  it('a market buy walks the levels: 2 at the ask, then 4 at the next level', () => {
    const { matching, req } = book()
    const v = matching.place(req({ type: 'market', price: undefined, amount: 3 }), 0)
    expect(v.trades.map((t) => [t.price, t.amount])).toEqual([
      [101, 2],
      [102, 1],
    ])
    expect(v.status).toBe('closed')
  })

  it('refuses a duplicate client order id, an unknown symbol and a notional under the minimum', () => {
    const { matching, req } = book()
    matching.place(req({ clientOrderId: 'same', price: 90 }), 0)
    expect(() => matching.place(req({ clientOrderId: 'same', price: 90 }), 0)).toThrow(/duplicate order sent: same/)
    expect(() => matching.place(req({ symbol: 'NOPE/USDT' }), 0)).toThrow(/invalid symbol NOPE\/USDT/)
    expect(() => matching.place(req({ price: 90, amount: 0.01 }), 0)).toThrow(/below minimum 5/)
  })

  it('forgets the oldest closed orders past its history limit, never an open one', () => {
    const data = new SimMarketData({ symbols: 1, seed: 1 }, prng(1), new TradeIds())
    const matching = new SimMatching(data, new SimAccount(data.markets, 1e9), { activity: () => {}, makerFill: () => {} }, new TradeIds(), 2)
    const ask = data.get('BTC/USDT')!.quote.ask
    matching.place({ clientOrderId: 'rest', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.01, price: ask / 2 }, 0)
    for (let i = 0; i < 4; i++) matching.place({ clientOrderId: `m${i}`, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.001 }, i)
    expect([...matching.all()].map((v) => v.req.clientOrderId)).toEqual(['rest', 'm2', 'm3'])
  })
})

describe('simulator round trips', () => {
  const rig = (o: Partial<ConstructorParameters<typeof SimRoundTrips>[0]> = {}) => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 600_000)
    return { scheduler, wire: new SimRoundTrips({ latencyMs: 100, jitter: 0, ...o }, scheduler, prng(3)) }
  }

  it('acts at the venue after half the round trip and answers after the other half', () => {
    const { scheduler, wire } = rig()
    let actedAt = -1
    let answeredAt = -1
    wire.call(() => (actedAt = scheduler.now())).subscribe(() => (answeredAt = scheduler.now()))
    expect(wire.requestsInFlight).toBe(1)
    scheduler.flush()
    expect([actedAt, answeredAt, wire.requestsInFlight]).toEqual([50, 100, 0])
  })

  it('reads the clock once to send a call (a 100k round sends ~40k), and still acts after half the round trip', () => {
    const virtual = new VirtualTimeScheduler(VirtualAction, 600_000)
    let reads = 0
    const counting = { now: () => (reads++, virtual.now()), schedule: virtual.schedule.bind(virtual) as SchedulerLike['schedule'] }
    const wire = new SimRoundTrips({ latencyMs: 100, jitter: 0 }, counting, prng(3))
    const actedAt: number[] = []
    // The first call also arms the queue's timer (one more read); the next one only sends.
    wire.call(() => actedAt.push(virtual.now())).subscribe()
    reads = 0
    wire.call(() => actedAt.push(virtual.now())).subscribe()
    expect(reads).toBe(1)
    virtual.flush()
    expect(actedAt).toEqual([50, 50])
  })

  it('reads the clock once for a call whose answer is lost too (its timeout counts from the same send time)', () => {
    const virtual = new VirtualTimeScheduler(VirtualAction, 600_000)
    let reads = 0
    const counting = { now: () => (reads++, virtual.now()), schedule: virtual.schedule.bind(virtual) as SchedulerLike['schedule'] }
    const wire = new SimRoundTrips({ latencyMs: 100, jitter: 0, timeoutRate: 1, timeoutMs: 1_000 }, counting, prng(3))
    const failedAt: number[] = []
    wire.call(() => 1).subscribe({ error: () => failedAt.push(virtual.now()) })
    reads = 0
    wire.call(() => 2).subscribe({ error: () => failedAt.push(virtual.now()) })
    expect(reads).toBe(1)
    virtual.flush()
    expect(failedAt).toEqual([1_000, 1_000])
  })

  it('a lost answer is a retryable timeout while the venue still acted', () => {
    const { scheduler, wire } = rig({ timeoutRate: 1, timeoutMs: 1_000 })
    let acted = false
    let err: unknown = null
    wire.call(() => (acted = true), true).subscribe({ error: (e) => (err = e) })
    scheduler.flush()
    expect(acted).toBe(true)
    expect(err).toBeInstanceOf(RetryableExchangeError)
    expect(scheduler.now()).toBe(1_000)
    expect(wire.counts.timeouts).toBe(1)
  })

  it('an order that reaches the venue past the recvWindow is refused without acting', () => {
    const { scheduler, wire } = rig({ lateRate: 1, lateMs: 20_000, recvWindowMs: 10_000 })
    let acted = false
    let err: unknown = null
    wire.call(() => (acted = true), true).subscribe({ error: (e) => (err = e) })
    scheduler.flush()
    expect(acted).toBe(false)
    expect(String(err)).toMatch(/outside of the recvWindow/)
    expect(wire.counts).toMatchObject({ late: 1, outsideRecvWindow: 1 })
  })

  it('rejects orders at the configured rate and never other calls', () => {
    const { scheduler, wire } = rig({ rejectRate: 1 })
    const out: string[] = []
    wire.call(() => 'order', true).subscribe({ next: (v) => out.push(v), error: (e: FinalExchangeError) => out.push(e.code) })
    wire.call(() => 'lookup').subscribe((v) => out.push(v))
    scheduler.flush()
    expect(out.sort()).toEqual(['lookup', 'rejected'])
  })
})

import { firstValueFrom, lastValueFrom, toArray, VirtualAction, VirtualTimeScheduler, type Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { FinalExchangeError, RetryableExchangeError } from '../src/domain/errors.ts'
import type { MarketEvent } from '../src/domain/market.ts'
import type { ExchangeOrder } from '../src/exchange/port.ts'
import { SimExchange, type SimExchangeOptions } from '../src/exchange/sim/sim-exchange.ts'

function rig(o: Partial<SimExchangeOptions> = {}) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 10 * 60_000)
  const sim = new SimExchange({ symbols: 3, seed: 7, latencyMs: 100, tickMs: 1_000, scheduler, ...o })
  /** Subscribes, runs virtual time to the end, returns what came out (value or error) and when. */
  const call = <T>(o$: Observable<T>): { value?: T; error?: unknown; at?: number } => {
    const out: { value?: T; error?: unknown; at?: number } = {}
    o$.subscribe({ next: (v) => ((out.value = v), (out.at = scheduler.now())), error: (e) => ((out.error = e), (out.at = scheduler.now())) })
    scheduler.flush()
    return out
  }
  return { sim, scheduler, call, btc: sim.markets[0]! }
}

describe('SimExchange', () => {
  it('lists markets with filters and deterministic start prices', () => {
    const { sim } = rig()
    expect(sim.markets.map((m) => m.symbol)).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT'])
    expect(sim.markets[0]).toMatchObject({ base: 'BTC', quote: 'USDT', minNotional: 5, takerFee: 0.0005, makerFee: 0.0002 })
    const q = sim.lastQuote('BTC/USDT')!
    expect(q.ask).toBeGreaterThan(q.bid)
    expect(rig().sim.lastQuote('BTC/USDT')).toEqual(q)
  })

  it('fills a market buy at the ask with the taker fee and moves balances', () => {
    const { sim, call, btc } = rig({ latencyMs: 100, jitter: 0, quoteBalance: 100_000 })
    const ask = sim.lastQuote(btc.symbol)!.ask
    const before = call(sim.fetchBalance()).value!
    const r = call(sim.createOrder({ clientOrderId: 'a', symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.01 }))
    expect(r.at).toBe(200) // balance call 100 + order 100, no jitter
    const o = r.value!
    expect(o).toMatchObject({ clientOrderId: 'a', status: 'closed', filled: 0.01 })
    expect(o.average!).toBeCloseTo(ask, 6)
    expect(o.trades).toHaveLength(1)
    expect(o.trades[0]!.fee).toBeCloseTo(0.01 * ask * 0.0005, 9)
    const after = call(sim.fetchBalance()).value!
    expect(after.BTC!.free).toBeCloseTo(0.01, 12)
    expect(before.USDT!.free - after.USDT!.free).toBeCloseTo(0.01 * ask * 1.0005, 6)
  })

  it('walks the book for a large market order: several trades at worse prices', () => {
    const { sim, call, btc } = rig()
    const q = sim.lastQuote(btc.symbol)!
    const o = call(sim.createOrder({ clientOrderId: 'big', symbol: btc.symbol, side: 'buy', type: 'market', amount: q.askSize * 4 })).value!
    expect(o.trades.length).toBeGreaterThan(1)
    expect(o.trades.map((t) => t.price)).toEqual([...o.trades.map((t) => t.price)].sort((a, b) => a - b))
    expect(o.average!).toBeGreaterThan(q.ask)
    expect(o.trades.reduce((s, t) => s + t.amount, 0)).toBeCloseTo(o.amount, 9)
  })

  it('rests a limit order below the market, then fills it as maker when prints cross it', async () => {
    const { sim, scheduler, btc } = rig({ scenario: 'volatile' })
    const updates: ExchangeOrder[] = []
    sim.watchOrders().subscribe((u) => updates.push(u))
    const bid = sim.lastQuote(btc.symbol)!.bid
    let ack: ExchangeOrder | undefined
    sim.createOrder({ clientOrderId: 'l1', symbol: btc.symbol, side: 'buy', type: 'limit', amount: 0.001, price: bid * 0.999 }).subscribe((a) => (ack = a))
    sim.start()
    scheduler.flush()
    expect(ack).toMatchObject({ status: 'open', filled: 0 })
    expect(updates.length).toBeGreaterThan(0)
    const last = updates.at(-1)!
    expect(last.status).toBe('closed')
    expect(updates.flatMap((u) => u.trades).every((t) => t.takerOrMaker === 'maker' && t.price === bid * 0.999)).toBe(true)
    expect(sim.knownOrders().find((o) => o.clientOrderId === 'l1')!.filled).toBeCloseTo(0.001, 12)
  })

  it('refuses a second order with the same client order id, as Binance does', () => {
    const { sim, call, btc } = rig()
    call(sim.createOrder({ clientOrderId: 'dup', symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.001 }))
    const second = call(sim.createOrder({ clientOrderId: 'dup', symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.001 }))
    expect(second.error).toBeInstanceOf(FinalExchangeError)
    expect((second.error as FinalExchangeError).code).toBe('duplicate')
    expect(sim.knownOrders()).toHaveLength(1)
  })

  it('rejects invalid orders with a reason: unknown symbol, below min notional, no funds to sell', () => {
    const { sim, call, btc } = rig()
    expect((call(sim.createOrder({ clientOrderId: 'x1', symbol: 'NOPE/USDT', side: 'buy', type: 'market', amount: 1 })).error as Error).message).toMatch(/invalid symbol/)
    expect((call(sim.createOrder({ clientOrderId: 'x2', symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.00001 })).error as Error).message).toMatch(/below minimum/)
    const sell = call(sim.createOrder({ clientOrderId: 'x3', symbol: btc.symbol, side: 'sell', type: 'market', amount: 0.01 })).error as FinalExchangeError
    expect(sell.code).toBe('insufficient_funds')
    expect((call(sim.createOrder({ clientOrderId: 'x4', symbol: btc.symbol, side: 'buy', type: 'limit', amount: 1 })).error as Error).message).toMatch(/needs a positive price/)
  })

  it('cancels resting orders, releases their reserve, and looks orders up by client id', () => {
    const { sim, call, btc } = rig()
    const bid = sim.lastQuote(btc.symbol)!.bid
    call(sim.createOrder({ clientOrderId: 'r', symbol: btc.symbol, side: 'buy', type: 'limit', amount: 0.01, price: bid / 2 }))
    expect(call(sim.fetchBalance()).value!.USDT!.used).toBeGreaterThan(0)
    expect(call(sim.fetchOpenOrders()).value!.map((o) => o.clientOrderId)).toEqual(['r'])
    expect(call(sim.cancelOrder('r', btc.symbol)).value!.status).toBe('canceled')
    expect(call(sim.fetchBalance()).value!.USDT!.used).toBeCloseTo(0, 6)
    expect(call(sim.fetchOrder('r', btc.symbol)).value!.status).toBe('canceled')
    expect((call(sim.fetchOrder('zzz', btc.symbol)).error as FinalExchangeError).code).toBe('not_found')
    expect((call(sim.cancelOrder('r', btc.symbol)).error as FinalExchangeError).code).toBe('rejected')
  })

  it('loses responses at the timeout rate: the caller times out, yet the venue has acted', () => {
    const { sim, call, btc } = rig({ timeoutRate: 1, timeoutMs: 700 })
    const r = call(sim.createOrder({ clientOrderId: 't', symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.001 }))
    expect(r.error).toBeInstanceOf(RetryableExchangeError)
    expect(r.at).toBe(700)
    expect(sim.knownOrders().map((o) => o.status)).toEqual(['closed'])
  })

  it('rejects at the reject rate, and draws latency around the mean', () => {
    const { sim, scheduler, btc } = rig({ rejectRate: 0.3, latencyMs: 200, seed: 3 })
    const times: number[] = []
    let rejected = 0
    for (let i = 0; i < 400; i++) {
      const t0 = scheduler.now()
      sim.createOrder({ clientOrderId: `o${i}`, symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.0002 }).subscribe({ next: () => times.push(scheduler.now() - t0), error: () => rejected++ })
    }
    scheduler.flush()
    expect(rejected / 400).toBeGreaterThan(0.2)
    expect(rejected / 400).toBeLessThan(0.4)
    const mean = times.reduce((a, b) => a + b, 0) / times.length
    expect(mean).toBeGreaterThan(170)
    expect(mean).toBeLessThan(230)
    expect(Math.max(...times)).toBeGreaterThan(Math.min(...times) * 1.5)
  })

  it('prints quotes and trades every tick for every symbol, the same for the same seed', async () => {
    const run = async (seed: number) => {
      const { sim, scheduler } = rig({ seed, tickMs: 1_000 })
      const events = lastValueFrom(sim.watchMarket().pipe(toArray()))
      sim.start()
      scheduler.maxFrames = 10_000
      scheduler.flush()
      sim.stop()
      return events
    }
    const a: MarketEvent[] = await run(5)
    expect(a.filter((e) => e.kind === 'quote')).toHaveLength(30)
    expect(a.filter((e) => e.kind === 'trade').length).toBeGreaterThanOrEqual(30)
    expect(await run(5)).toEqual(a)
    expect(await run(6)).not.toEqual(a)
  })

  it('answers loadMarkets after the round trip', async () => {
    const { sim, scheduler } = rig()
    const p = firstValueFrom(sim.loadMarkets())
    scheduler.flush()
    expect((await p).length).toBe(3)
  })
})

describe('SimExchange memory', () => {
  it('forgets the oldest closed orders past historyLimit, never open ones', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000)
    const sim = new SimExchange({ symbols: 1, seed: 1, latencyMs: 10, jitter: 0, historyLimit: 5, scheduler })
    const btc = sim.markets[0]!
    const bid = sim.lastQuote(btc.symbol)!.bid
    sim.createOrder({ clientOrderId: 'rest', symbol: btc.symbol, side: 'buy', type: 'limit', amount: 0.001, price: bid / 2 }).subscribe()
    for (let i = 0; i < 12; i++) sim.createOrder({ clientOrderId: `m${i}`, symbol: btc.symbol, side: 'buy', type: 'market', amount: 0.0002 }).subscribe()
    scheduler.flush()
    expect(
      sim
        .knownOrders()
        .map((o) => o.clientOrderId)
        .sort(),
    ).toEqual(['m10', 'm11', 'm7', 'm8', 'm9', 'rest'])
  })
})

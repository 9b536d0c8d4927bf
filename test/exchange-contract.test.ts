import ccxt from 'ccxt'
import { filter, firstValueFrom, scan, timeout, type Observable } from 'rxjs'
import type { Quote } from '../src/domain/market.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FinalExchangeError } from '../src/domain/errors.ts'
import { CcxtExchange, type CcxtLike } from '../src/exchange/ccxt/ccxt-exchange.ts'
import type { ExchangeOrder, ExchangePort } from '../src/exchange/port.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { BinanceVenue } from '../src/venue/binance-venue.ts'
import { pointCcxtAt, SPOT_ONLY_OPTIONS } from '../src/venue/ccxt-local.ts'

interface Adapter {
  port: ExchangePort
  /** Whether market trades are streamed (REST polling carries quotes only). */
  trades: boolean
  close(): Promise<void>
}

/** Every exchange adapter, each on a fresh simulated venue. One contract below runs over all of them. */
const ADAPTERS: Record<string, () => Promise<Adapter>> = {
  'in-process simulator': async () => {
    const sim = new SimExchange({ symbols: 3, seed: 4, latencyMs: 5 }).start()
    return { port: sim, trades: true, close: async () => sim.stop() }
  },
  'ccxt binance → local Binance-compatible venue': async () => {
    const sim = new SimExchange({ symbols: 3, seed: 4, latencyMs: 5 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'key', secret: 'secret' } })
    const port = await venue.listen()
    const ex = pointCcxtAt(new ccxt.binance({ apiKey: 'key', secret: 'secret', options: SPOT_ONLY_OPTIONS }), `http://127.0.0.1:${port}`)
    const adapter = new CcxtExchange(ex as unknown as CcxtLike, { pollMs: 100, symbols: ['BTC/USDT'] })
    expect(adapter.mode).toBe('poll')
    return { port: adapter, trades: false, close: async () => (await adapter.stop(), await venue.close(), sim.stop()) }
  },
  'ccxt.pro binance over websockets → local Binance-compatible venue': async () => {
    const sim = new SimExchange({ symbols: 3, seed: 4, latencyMs: 5 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'key', secret: 'secret' } })
    const port = await venue.listen()
    const ex = pointCcxtAt(new ccxt.pro.binance({ apiKey: 'key', secret: 'secret', options: SPOT_ONLY_OPTIONS }), `http://127.0.0.1:${port}`)
    await ex.loadHttpProxyAgent()
    const adapter = new CcxtExchange(ex as unknown as CcxtLike, { symbols: ['BTC/USDT'] })
    expect(adapter.mode).toBe('ws')
    return { port: adapter, trades: true, close: async () => (await adapter.stop(), await venue.close(), sim.stop()) }
  },
}

const get = <T>(o: Observable<T>) => firstValueFrom(o)
const fails = async (o: Observable<unknown>) => {
  try {
    await get(o)
    return null
  } catch (e) {
    return e
  }
}

for (const [name, make] of Object.entries(ADAPTERS)) {
  describe(`exchange contract: ${name}`, () => {
    let a: Adapter
    beforeAll(async () => {
      a = await make()
    })
    afterAll(() => a.close())

    it('lists spot markets with tick size, lot size and minimum notional', async () => {
      const markets = await get(a.port.loadMarkets())
      const btc = markets.find((m) => m.symbol === 'BTC/USDT')!
      expect(markets.map((m) => m.symbol)).toEqual(expect.arrayContaining(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']))
      expect(btc).toMatchObject({ base: 'BTC', quote: 'USDT', minNotional: 5 })
      expect(btc.tickSize).toBeCloseTo(1, 9)
      expect(btc.lotSize).toBeCloseTo(0.00001, 12)
    })

    it('fills a market order at once, with its trades and fees, under our client order id', async () => {
      const before = await get(a.port.fetchBalance())
      const o = await get(a.port.createOrder({ clientOrderId: 'c-mkt-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 }))
      expect(o).toMatchObject({ clientOrderId: 'c-mkt-1', symbol: 'BTC/USDT', side: 'buy', status: 'closed' })
      expect(o.filled).toBeCloseTo(0.01, 12)
      expect(o.trades.reduce((s, t) => s + t.amount, 0)).toBeCloseTo(0.01, 12)
      expect(o.trades.every((t) => t.fee > 0 && t.takerOrMaker === 'taker')).toBe(true)
      const after = await get(a.port.fetchBalance())
      expect(after.BTC!.free - (before.BTC?.free ?? 0)).toBeCloseTo(0.01, 9)
      const fetched = await get(a.port.fetchOrder('c-mkt-1', 'BTC/USDT'))
      expect(fetched).toMatchObject({ clientOrderId: 'c-mkt-1', status: 'closed' })
    })

    it('refuses a second order under the same client order id (duplicate)', async () => {
      const e = await fails(a.port.createOrder({ clientOrderId: 'c-mkt-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 }))
      expect(e).toBeInstanceOf(FinalExchangeError)
      expect((e as FinalExchangeError).code).toBe('duplicate')
    })

    it('rests a limit order, lists it as open, and cancels it by client order id', async () => {
      const o = await get(a.port.createOrder({ clientOrderId: 'c-lim-1', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.001, price: 30_000 }))
      expect(o).toMatchObject({ clientOrderId: 'c-lim-1', status: 'open', filled: 0 })
      expect((await get(a.port.fetchOpenOrders('BTC/USDT'))).map((x) => x.clientOrderId)).toContain('c-lim-1')
      expect((await get(a.port.cancelOrder('c-lim-1', 'BTC/USDT'))).status).toBe('canceled')
      expect((await get(a.port.fetchOpenOrders('BTC/USDT'))).map((x) => x.clientOrderId)).not.toContain('c-lim-1')
    })

    it('lists every order of ours on a symbol, and our trades with their order ids', async () => {
      const orders = await get(a.port.fetchOrders('BTC/USDT'))
      expect(orders.map((o) => o.clientOrderId)).toEqual(expect.arrayContaining(['c-mkt-1', 'c-lim-1']))
      const mkt = orders.find((o) => o.clientOrderId === 'c-mkt-1')!
      const trades = await get(a.port.fetchMyTrades('BTC/USDT'))
      const mine = trades.filter((t) => t.orderId === mkt.id)
      expect(mine.reduce((s, t) => s + t.amount, 0)).toBeCloseTo(0.01, 9)
      expect(mine.every((t) => t.fee > 0)).toBe(true)
    })

    it('streams quotes and trades of a listed symbol', async () => {
      const events = await firstValueFrom(
        a.port.watchMarket().pipe(
          filter((e) => e.symbol === 'BTC/USDT'),
          scan((kinds, e) => kinds.add(e.kind), new Set<string>()),
          filter((k) => k.has('quote') && (k.has('trade') || !a.trades)),
          timeout(10_000),
        ),
      )
      expect(events.has('quote')).toBe(true)
      expect(events.has('trade')).toBe(a.trades)
      const q = await firstValueFrom(
        a.port.watchMarket().pipe(
          filter((e): e is Quote => e.kind === 'quote' && e.symbol === 'BTC/USDT'),
          timeout(10_000),
        ),
      )
      expect(q.ask).toBeGreaterThan(q.bid)
    })

    it('pushes the fill of a resting order on watchOrders, with its trades', async () => {
      const updates: ExchangeOrder[] = []
      const sub = a.port.watchOrders().subscribe((u) => updates.push(u))
      const q = await firstValueFrom(a.port.watchMarket().pipe(filter((e): e is Quote => e.kind === 'quote' && e.symbol === 'BTC/USDT')))
      // Inside the spread: rests, and fills as maker once the market moves onto it.
      const price = Math.round((q.bid + q.ask) / 2)
      const o = await get(a.port.createOrder({ clientOrderId: 'c-rest-1', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.001, price }))
      const deadline = Date.now() + 30_000
      const filled = () => updates.find((u) => u.clientOrderId === 'c-rest-1' && u.status === 'closed')
      while (o.status === 'open' && filled() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      sub.unsubscribe()
      if (o.status === 'open') {
        const done = filled()!
        expect(done).toBeDefined()
        expect(done.trades.reduce((s, t) => s + t.amount, 0)).toBeCloseTo(0.001, 12)
        expect(done.trades.every((t) => t.takerOrMaker === 'maker')).toBe(true)
      }
      expect((await get(a.port.fetchOrder('c-rest-1', 'BTC/USDT'))).status).toBe('closed')
    }, 40_000)

    it('says not_found for an order it never saw, and invalid for one below the minimum notional', async () => {
      const nf = await fails(a.port.fetchOrder('never-sent', 'BTC/USDT'))
      expect((nf as FinalExchangeError).code).toBe('not_found')
      const small = await fails(a.port.createOrder({ clientOrderId: 'c-small', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.00001 }))
      expect((small as FinalExchangeError).code).toBe('invalid')
    })
  })
}

describe('local venue authentication', () => {
  it("rejects a wrong secret with Binance's error, which ccxt reports as AuthenticationError", async () => {
    const sim = new SimExchange({ symbols: 1, seed: 1, latencyMs: 1 })
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'key', secret: 'secret' } })
    const port = await venue.listen()
    const bad = pointCcxtAt(new ccxt.binance({ apiKey: 'key', secret: 'nope', options: SPOT_ONLY_OPTIONS }), `http://127.0.0.1:${port}`)
    await expect(bad.fetchBalance()).rejects.toThrow(/Signature for this request is not valid/)
    const noKey = pointCcxtAt(new ccxt.binance({ apiKey: 'other', secret: 'secret', options: SPOT_ONLY_OPTIONS }), `http://127.0.0.1:${port}`)
    await expect(noKey.fetchBalance()).rejects.toThrow(/Invalid API-key/)
    await venue.close()
  })
})

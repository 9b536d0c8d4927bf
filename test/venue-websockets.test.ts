import ccxt from 'ccxt'
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { BinanceVenue } from '../src/venue/binance-venue.ts'
import { pointCcxtAt, SPOT_ONLY_OPTIONS } from '../src/venue/ccxt-local.ts'
import { until } from './support/wait.ts'

/** A plain ccxt.pro script pointed at the local venue, as the README shows it. */
async function proClient(port: number, secret = 'secret') {
  const ex = pointCcxtAt(new ccxt.pro.binance({ apiKey: 'key', secret, options: SPOT_ONLY_OPTIONS }), `http://127.0.0.1:${port}`)
  await ex.loadHttpProxyAgent()
  return ex
}

function rawSocket(url: string): Promise<{ ws: WebSocket; next(): Promise<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const inbox: Record<string, unknown>[] = []
    const waiters: ((m: Record<string, unknown>) => void)[] = []
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      const w = waiters.shift()
      if (w) w(m)
      else inbox.push(m)
    })
    ws.once('open', () => resolve({ ws, next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r))) }))
    ws.once('error', reject)
  })
}

describe('the local venue over websockets', () => {
  let sim: SimExchange
  let venue: BinanceVenue
  let port: number
  beforeAll(async () => {
    sim = new SimExchange({ symbols: 2, seed: 9, latencyMs: 2, tickMs: 100 }).start()
    venue = new BinanceVenue({ sim, credentials: { apiKey: 'key', secret: 'secret' } })
    port = await venue.listen()
  })
  afterAll(async () => {
    await venue.close()
    sim.stop()
  })

  it('serves what ccxt.pro watchTicker, watchOrderBook and watchTrades need', async () => {
    const ex = await proClient(port)
    try {
      // ccxt's watchTicker takes the miniTicker stream; the full one (`@ticker`) is served too.
      const t = await ex.watchTicker('BTC/USDT')
      expect(t.symbol).toBe('BTC/USDT')
      expect(t.last!).toBeGreaterThan(0)
      expect(t.high!).toBeGreaterThanOrEqual(t.low!)
      // The diff stream continues the REST snapshot: each book ccxt builds equals the venue's at that update id.
      let matched = 0
      for (let i = 0; i < 10 && matched < 3; i++) {
        const ob = await ex.watchOrderBook('BTC/USDT', 5)
        const s = venue.streams.state('BTCUSDT')!
        if (ob.nonce !== s.updateId) continue
        expect(ob.bids.slice(0, 5).map(([p, q]) => [p, q])).toEqual(s.bids.map(([p, q]) => [p, q]))
        expect(ob.asks.slice(0, 5).map(([p, q]) => [p, q])).toEqual(s.asks.map(([p, q]) => [p, q]))
        matched++
      }
      expect(matched).toBeGreaterThan(0)
      const trades = await ex.watchTrades('ETH/USDT')
      expect(trades.length).toBeGreaterThan(0)
      expect(trades[0]).toMatchObject({ symbol: 'ETH/USDT' })
    } finally {
      await ex.close()
    }
  })

  it('pushes our orders and trades to watchOrders and watchMyTrades (signed WebSocket API subscription)', async () => {
    const ex = await proClient(port)
    try {
      const orders = ex.watchOrders()
      const mine = ex.watchMyTrades()
      // Both watches share one signed user-data subscription; order once the venue has it.
      await until(() => venue.wsApi.subscribers > 0, 'the user-data subscription')
      const placed = await ex.createOrder('ETH/USDT', 'market', 'sell', 0.01, undefined, { clientOrderId: 'ws-1' }).catch(async () => {
        // No ETH yet: buy first, then the pushes are for the buy.
        return ex.createOrder('ETH/USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'ws-1b' })
      })
      const os = await orders
      expect(os.some((o) => o.clientOrderId === placed.clientOrderId)).toBe(true)
      const ts = await mine
      const venueOrder = sim.knownOrders().find((o) => o.clientOrderId === placed.clientOrderId)!
      expect(
        ts
          .filter((t) => t.order === venueOrder.id)
          .map((t) => t.id)
          .sort(),
      ).toEqual(venueOrder.trades.map((t) => t.id.replace(/\D/g, '')).sort())
    } finally {
      await ex.close()
    }
  })

  it("refuses a user-data subscription with a wrong signature or key, with Binance's errors", async () => {
    // Raw, as ccxt leaves a rejected internal future unawaited (the engine's CLI logs those).
    const { ws, next } = await rawSocket(`ws://127.0.0.1:${port}/ws-api/v3`)
    const params = { apiKey: 'key', timestamp: Date.now() }
    const sign = (secret: string) => createHmac('sha256', secret).update(`apiKey=key&timestamp=${params.timestamp}`).digest('hex')
    ws.send(JSON.stringify({ id: 'a', method: 'userDataStream.subscribe.signature', params: { ...params, signature: sign('wrong') } }))
    expect(await next()).toEqual({ id: 'a', status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } })
    ws.send(JSON.stringify({ id: 'b', method: 'userDataStream.subscribe.signature', params: { ...params, apiKey: 'other', signature: sign('secret') } }))
    expect(await next()).toMatchObject({ id: 'b', status: 401, error: { code: -2015 } })
    ws.send(JSON.stringify({ id: 'c', method: 'userDataStream.subscribe.signature', params: { ...params, signature: sign('secret') } }))
    expect(await next()).toEqual({ id: 'c', status: 200, result: { subscriptionId: expect.any(Number) } })
    ws.send(JSON.stringify({ id: 'd', method: 'no.such.method', params: {} }))
    expect(await next()).toMatchObject({ id: 'd', status: 400, error: { code: -1000 } })
    ws.close()
  })

  it('answers SUBSCRIBE, LIST_SUBSCRIPTIONS and a bad stream name as Binance does', async () => {
    const { ws, next } = await rawSocket(`ws://127.0.0.1:${port}/ws`)
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker'], id: 1 }))
    expect(await next()).toEqual({ result: null, id: 1 })
    const tick = await next()
    expect(tick).toMatchObject({ s: 'BTCUSDT' })
    expect(Number(tick.a)).toBeGreaterThan(Number(tick.b))
    ws.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['btcusdt@bookTicker'], id: 2 }))
    ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 3 }))
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['nosuch@trade'], id: 4 }))
    const answers: Record<string, unknown>[] = []
    while (answers.length < 3) {
      const m = await next()
      if ('id' in m) answers.push(m)
    }
    expect(answers[0]).toEqual({ result: null, id: 2 })
    expect(answers[1]).toEqual({ result: [], id: 3 })
    expect(answers[2]).toMatchObject({ id: 4, error: { code: 2 } })
    expect(String((answers[2]!.error as { msg: string }).msg)).toContain('nosuch@trade')
    ws.close()
  })

  it('re-syncs a ccxt order book after lost diff messages', async () => {
    const s2 = new SimExchange({ symbols: 1, seed: 3, latencyMs: 2, tickMs: 50 }).start()
    const v2 = new BinanceVenue({ sim: s2, credentials: { apiKey: 'key', secret: 'secret' }, faults: { dropRate: 0.2, seed: 2 } })
    const p2 = await v2.listen()
    const ex = await proClient(p2)
    let failures = 0
    let synced = 0
    const gaps: string[] = []
    try {
      for (let i = 0; i < 200 && synced < 3; i++) {
        let ob: Awaited<ReturnType<typeof ex.watchOrderBook>>
        try {
          ob = await ex.watchOrderBook('BTC/USDT', 5)
        } catch (err) {
          // A gap in the update ids: ccxt drops the book; watching again subscribes and fetches a new snapshot.
          gaps.push(err instanceof Error ? err.constructor.name : String(err))
          failures++
          continue
        }
        // Compared outside the try: a book that differs fails the test, it is never counted as a gap.
        const st = v2.streams.state('BTCUSDT')!
        if (ob.nonce === st.updateId) {
          expect(ob.bids.slice(0, 5).map(([p, q]) => [p, q])).toEqual(st.bids.map(([p, q]) => [p, q]))
          expect(ob.asks.slice(0, 5).map(([p, q]) => [p, q])).toEqual(st.asks.map(([p, q]) => [p, q]))
          if (failures > 0) synced++
        }
      }
      expect(failures).toBeGreaterThan(0)
      // Only ccxt's own gap errors (InvalidNonce / ChecksumError), nothing else, were taken as gaps.
      for (const g of gaps) expect(['InvalidNonce', 'ChecksumError']).toContain(g)
      expect(synced).toBeGreaterThan(0)
    } finally {
      await ex.close()
      await v2.close()
      s2.stop()
    }
  })
})

import { firstValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { MarketEvent, Quote, Trade } from '../src/domain/market.ts'
import type { ExchangeOrder } from '../src/exchange/port.ts'
import { ReplayExchange, replayMarkets } from '../src/exchange/replay/replay-exchange.ts'
import { bookAfterPrint } from '../src/exchange/replay/replay-fills.ts'
import { ReplayScheduler } from '../src/exchange/replay/replay-scheduler.ts'

const print = (ts: number, side: 'buy' | 'sell', price: number, amount = 10): Trade => ({ kind: 'trade', symbol: 'XRP/ETH', id: `p${ts}`, price, amount, side, ts })

function rig(fill: 'book' | 'trades') {
  const scheduler = new ReplayScheduler(0)
  const markets = replayMarkets([{ symbol: 'XRP/ETH', tickSize: 0.01, lotSize: 1 }], { feeRate: 0.0005, makerFeeRate: 0.0002 })
  const ex = new ReplayExchange({ markets, fill, feeRate: 0.0005, makerFeeRate: 0.0002, slippageBps: 0, scheduler })
  const seen: MarketEvent[] = []
  ex.watchMarket().subscribe((e) => seen.push(e))
  const updates: ExchangeOrder[] = []
  ex.watchOrders().subscribe((o) => updates.push(o))
  const at = (ts: number, e?: Trade) => {
    scheduler.advanceTo(ts)
    if (e !== undefined) ex.deliver(e)
  }
  const place = async (id: string, side: 'buy' | 'sell', type: 'market' | 'limit', price?: number) => {
    const p = firstValueFrom(ex.createOrder({ clientOrderId: id, symbol: 'XRP/ETH', side, type, amount: 2, price }))
    scheduler.advanceTo(scheduler.now())
    return p
  }
  return { ex, seen, updates, at, place }
}

describe('replay fill model "book": a top of book inferred from the prints’ aggressor sides', () => {
  it('moves the aggressor’s side to the print, and a crossed pair moves the stale side a tick off', () => {
    expect(bookAfterPrint(null, null, { side: 'buy', price: 101 }, 0.01)).toEqual({ bid: null, ask: 101 })
    expect(bookAfterPrint(100, 101, { side: 'sell', price: 100.5 }, 0.01)).toEqual({ bid: 100.5, ask: 101 })
    expect(bookAfterPrint(100.5, 101, { side: 'buy', price: 100.2 }, 0.01)).toEqual({ bid: 100.19, ask: 100.2 })
    expect(bookAfterPrint(100, 100.5, { side: 'sell', price: 100.7 }, 0.01)).toEqual({ bid: 100.7, ask: 100.71 })
  })

  it('publishes a quote after each print once both sides are known; market orders take the far side at once, paying the taker fee', async () => {
    const r = rig('book')
    r.at(1, print(1, 'buy', 101))
    r.at(2, print(2, 'sell', 100))
    const quotes = r.seen.filter((e): e is Quote => e.kind === 'quote')
    expect(quotes).toEqual([{ kind: 'quote', symbol: 'XRP/ETH', bid: 100, ask: 101, bidSize: 0, askSize: 0, ts: 2 }])
    const buy = await r.place('m1', 'buy', 'market')
    expect(buy.status).toBe('closed')
    expect(buy.trades).toMatchObject([{ price: 101, amount: 2, takerOrMaker: 'taker', fee: 2 * 101 * 0.0005 }])
    const sell = await r.place('m2', 'sell', 'market')
    expect(sell.trades[0]).toMatchObject({ price: 100, takerOrMaker: 'taker' })
  })

  it('a resting buy fills only on seller-initiated prints at or through its price, as maker; a crossing limit takes at once', async () => {
    const r = rig('book')
    r.at(1, print(1, 'buy', 101))
    r.at(2, print(2, 'sell', 100))
    expect((await r.place('l1', 'buy', 'limit', 100.5)).status).toBe('open') // improves the bid: nothing ahead
    r.at(3, print(3, 'buy', 100.4)) // a buyer below our price: in the book model it traded with asks, not with us
    expect(r.updates).toEqual([])
    r.at(4, print(4, 'sell', 100.5, 1))
    expect(r.updates.map((u) => [u.clientOrderId, u.filled, u.trades[0]?.takerOrMaker, u.trades[0]?.fee])).toEqual([['l1', 1, 'maker', 1 * 100.5 * 0.0002]])
    const crossing = await r.place('l2', 'buy', 'limit', 105)
    // The seller at 100.5 was above the last buyer's 100.4: that ask was stale, so it sits a tick above the seller now.
    expect(crossing.trades).toMatchObject([{ price: 100.51, takerOrMaker: 'taker' }])
  })

  it('the plain trades model fills the same resting buy on any print through it (for contrast)', async () => {
    const r = rig('trades')
    r.at(1, print(1, 'buy', 101))
    await r.place('l1', 'buy', 'limit', 100.5)
    r.at(3, print(3, 'buy', 100.4))
    expect(r.updates.map((u) => u.filled)).toEqual([2])
    expect(r.seen.some((e) => e.kind === 'quote')).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { FinalExchangeError } from '../src/domain/errors.ts'
import { OrderFeed, type AuditSource } from '../src/exchange/ccxt/order-feed.ts'
import type { ExchangeOrder, ExchangeTrade } from '../src/exchange/port.ts'
import { until } from './support/wait.ts'

const order = (o: Partial<ExchangeOrder>): ExchangeOrder => ({
  id: '7',
  clientOrderId: 'c1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 100,
  status: 'open',
  filled: 0,
  average: null,
  timestamp: 1,
  trades: [],
  ...o,
})
const trade = (id: string, amount: number): ExchangeTrade => ({ id, price: 100, amount, fee: 0.01, takerOrMaker: 'maker', timestamp: 2 })

/** A venue that answers the audit's REST look-ups from a fixed state. */
function venueOf(state: ExchangeOrder, trades: ExchangeTrade[], calls: string[] = []): AuditSource {
  return {
    fetchOpenOrders: async () => (calls.push('open'), state.status === 'open' ? [state] : []),
    fetchOrder: async (cid) => {
      calls.push(`order ${cid}`)
      if (cid !== state.clientOrderId) throw new FinalExchangeError('no', 'not_found')
      return state
    },
    fetchOrderTrades: async () => (calls.push('trades'), trades),
  }
}

describe('OrderFeed', () => {
  it('never passes a final state before the trades that make up its filled amount, and reads the missing ones', async () => {
    const venue = order({ status: 'canceled', filled: 0.6 })
    const feed = new OrderFeed(venueOf(venue, [trade('t1', 0.4), trade('t2', 0.2)]), { gapMs: 10 })
    const out: ExchangeOrder[] = []
    feed.reports$.subscribe((r) => out.push(r))
    feed.order(order({ status: 'open', filled: 0 }))
    feed.trade('7', trade('t1', 0.4))
    // The cancel arrives, but the 0.2 fill's message was lost: held as open with what is known.
    feed.order(order({ status: 'canceled', filled: 0.6 }))
    expect(out.at(-1)).toMatchObject({ status: 'open' })
    expect(out.at(-1)!.trades.map((t) => t.id)).toEqual(['t1'])
    expect(feed.counts.gaps).toBe(1)
    await until(() => feed.counts.repaired === 1, 'the missing trade to be read over REST')
    expect(out.at(-1)).toMatchObject({ status: 'canceled', filled: 0.6 })
    expect(
      out
        .at(-1)!
        .trades.map((t) => t.id)
        .sort(),
    ).toEqual(['t1', 't2'])
    expect(feed.counts.repaired).toBe(1)
    expect(feed.size).toBe(0)
  })

  it('ignores repeated trades, and a state that went backwards (a reordered message)', () => {
    const feed = new OrderFeed(venueOf(order({}), []))
    const out: ExchangeOrder[] = []
    feed.reports$.subscribe((r) => out.push(r))
    feed.order(order({ filled: 0.5, trades: [trade('t1', 0.5)] }))
    feed.trade('7', trade('t1', 0.5))
    feed.order(order({ filled: 0.5, trades: [trade('t1', 0.5)] }))
    expect(out).toHaveLength(1)
    feed.order(order({ status: 'closed', filled: 1, trades: [trade('t1', 0.5), trade('t2', 0.5)] }))
    // The older "open" message overtaken by the final one changes nothing, and is counted late.
    feed.order(order({ status: 'open', filled: 0.5 }))
    expect(out).toHaveLength(2)
    expect(out[1]).toMatchObject({ status: 'closed', filled: 1 })
    expect(feed.counts.late).toBe(1)
  })

  it('attaches a trade that arrived before its order', () => {
    const feed = new OrderFeed(venueOf(order({}), []))
    const out: ExchangeOrder[] = []
    feed.reports$.subscribe((r) => out.push(r))
    feed.trade('7', trade('t1', 1))
    expect(out).toHaveLength(0)
    feed.order(order({ status: 'closed', filled: 1 }))
    expect(out).toEqual([expect.objectContaining({ status: 'closed', trades: [trade('t1', 1)] })])
  })

  it('audits: an order that closed with every message lost is read over REST; one still open costs one request per symbol', async () => {
    const calls: string[] = []
    const venue = { state: order({ status: 'closed', filled: 1 }) }
    const feed = new OrderFeed({ ...venueOf(venue.state, [trade('t9', 1)], calls), fetchOpenOrders: async () => (calls.push('open'), [order({ clientOrderId: 'c2', id: '8' })]) })
    const out: ExchangeOrder[] = []
    feed.reports$.subscribe((r) => out.push(r))
    feed.order(order({}))
    feed.order(order({ clientOrderId: 'c2', id: '8' }))
    out.length = 0
    await feed.audit()
    expect(calls).toEqual(['open', 'order c1', 'trades'])
    expect(out).toEqual([expect.objectContaining({ clientOrderId: 'c1', status: 'closed', trades: [trade('t9', 1)] })])
    expect(feed.size).toBe(1)
  })

  it('does not echo an acknowledgement the caller already has', () => {
    const feed = new OrderFeed(venueOf(order({}), []))
    const out: ExchangeOrder[] = []
    feed.reports$.subscribe((r) => out.push(r))
    feed.acknowledged(order({}))
    feed.acknowledged(order({ clientOrderId: 'm1', id: '9', status: 'closed', filled: 1, trades: [trade('t5', 1)] }))
    expect(out).toHaveLength(0)
    // A push that beat the answer (a fill) is passed on.
    feed.order(order({ filled: 0.3, trades: [trade('t6', 0.3)] }))
    expect(out).toHaveLength(1)
  })
})

import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../src/domain/netting.ts'
import { newOrder, type Order, type OrderEvent } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import { reconcileBlock } from '../src/engine/reconcile-blocks.ts'
import type { ExchangeOrder } from '../src/exchange/port.ts'
import type { StoredBlock } from '../src/store/order-store.ts'

const child = (id: string, actor: number, amount: number): Order => newOrder({ id, strategyId: `s${actor}`, actor, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount, price: null }, 0)
const venueOrder = (filled: number, status: ExchangeOrder['status']): ExchangeOrder => ({
  id: '9',
  clientOrderId: 'r-N0-1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  amount: 0.003,
  price: null,
  status,
  filled,
  average: 100,
  timestamp: 1,
  trades: [{ id: 't1', price: 100, amount: filled, fee: filled * 0.1, takerOrMaker: 'taker', timestamp: 1 }],
})

describe('reconciling a netting block after a crash', () => {
  // The store saw the block and one lot allocated to actor 0 before the crash; the venue then filled the rest.
  const a = evolveOrder(evolveOrder(child('c0', 0, 0.002), { type: 'OrderAccepted', ts: 1, exchangeId: 'r-N0-1' }).order, {
    type: 'OrderFilled',
    ts: 1,
    fill: { tradeId: 'x', orderId: 'c0', price: 100, amount: 0.001, fee: 0, liquidity: 'taker', ts: 1 },
  }).order
  const b = child('c1', 1, 0.001)
  const stored = (): StoredBlock => ({
    state: {
      id: 'r-N0-1',
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 0.003,
      filled: 0.001,
      avgPrice: 100,
      status: 'open',
      reason: null,
      createdAt: 0,
      closedAt: null,
      children: [
        ['c0', 's0', 0, 0.002],
        ['c1', 's1', 1, 0.001],
      ],
    },
    allocated: new Map([['c0', { amount: 0.001, fee: 0 }]]),
    house: 0,
  })
  const fills = (events: StoredEvent[]) => events.filter((e): e is OrderEvent => 'order' in e && e.fill !== null).map((e) => `${e.order.id}:${e.fill!.amount}:${e.order.status}`)

  it("allocates the fills the store missed to the children's remaining wants, and closes the block", () => {
    const r = reconcileBlock(
      'r-N0-1',
      stored(),
      [venueOrder(0.003, 'closed')],
      new Map([
        ['c0', a],
        ['c1', b],
      ]),
      0.001,
      50,
    )
    expect(fills(r.events)).toEqual(['c0:0.001:filled', 'c1:0.001:filled'])
    expect(r.missedFills).toBe(2)
    expect(r.events.at(-1)).toMatchObject({ type: 'BlockUpdated', block: { id: 'r-N0-1', status: 'filled', filled: 0.003 } })
    expect(r.events.some((e) => e.type === 'HouseAllocated')).toBe(false)
  })

  it('allocates nothing twice: with the store caught up, a second pass only confirms', () => {
    const s = stored()
    s.allocated.set('c0', { amount: 0.002, fee: 0 })
    s.allocated.set('c1', { amount: 0.001, fee: 0 })
    const r = reconcileBlock('r-N0-1', { ...s, state: { ...s.state, filled: 0.003, status: 'filled' } }, [venueOrder(0.003, 'closed')], new Map(), 0.001, 50)
    expect(fills(r.events)).toEqual([])
    expect(r.missedFills).toBe(0)
  })

  it('a block the store never knew goes to the house whole; one the venue never received ends its children', () => {
    const adopted = reconcileBlock('r-N0-1', undefined, [venueOrder(0.0025, 'closed')], new Map(), 0.001, 50)
    expect(adopted.adopted).toBe(true)
    expect(adopted.events.find((e) => e.type === 'HouseAllocated')).toMatchObject({ house: { amount: 0.0025, price: 100 } })
    const lost = reconcileBlock(
      'r-N0-1',
      { ...stored(), allocated: new Map() },
      [],
      new Map([
        ['c0', child('c0', 0, 0.002)],
        ['c1', b],
      ]),
      0.001,
      50,
    )
    expect(lost.events.filter((e) => 'order' in e).map((e) => `${(e as OrderEvent).order.id}:${(e as OrderEvent).order.status}`)).toEqual(['c0:rejected', 'c1:rejected'])
    expect(lost.events.at(-1)).toMatchObject({ block: { status: 'rejected', reason: 'never reached the venue (found at reconciliation)' } })
  })
})

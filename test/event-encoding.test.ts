import { describe, expect, it } from 'vitest'
import { newOrder, type Fill, type OrderEvent } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import { decodeEvents, encodeEvents, STRIDE } from '../src/store/event-encoding.ts'
import { eventRows } from '../src/store/event-rows.ts'

describe('event encoding for the SQLite writer thread', () => {
  it('decodes to events that become the very rows the originals become', () => {
    const o = newOrder({ id: 'sh-1-0', strategyId: 's1', actor: 7, symbol: 'ETH/USDT', side: 'sell', type: 'limit', amount: 2, price: 2500.5 }, 1_000)
    const accepted = evolveOrder(o, { type: 'OrderAccepted', ts: 1_010, exchangeId: 'x9' }).order
    const fill: Fill = { tradeId: 't1', orderId: 'sh-1-0', price: 2500.5, amount: 0.5, fee: 0.25, liquidity: 'maker', ts: 1_020 }
    const part = evolveOrder(accepted, { type: 'OrderFilled', ts: 1_020, fill }).order
    const canceled = evolveOrder(part, { type: 'OrderCanceled', ts: 1_030, reason: 'shutdown' }).order
    const batch: OrderEvent[] = [
      { type: 'OrderSubmitted', ts: 1_000, order: o, fill: null, reason: null },
      { type: 'OrderAccepted', ts: 1_010, order: accepted, fill: null, reason: null },
      { type: 'OrderFilled', ts: 1_020, order: part, fill, reason: null },
      { type: 'OrderCanceled', ts: 1_030, order: canceled, fill: null, reason: 'shutdown' },
    ]
    const wire = JSON.parse(JSON.stringify(encodeEvents(batch))) as unknown[]
    expect(wire.length).toBe(batch.length * STRIDE)
    const decoded = decodeEvents(wire)
    expect(eventRows(decoded, 'run', 10)).toEqual(eventRows(batch, 'run', 10))
    expect((decoded[2] as OrderEvent).order.actor).toBe(7)
    expect((decoded[2] as OrderEvent).fill).toEqual(fill)
  })

  it('refuses a payload that is not whole events', () => {
    expect(() => decodeEvents(new Array(STRIDE + 1).fill(null))).toThrow(/not a multiple of 29/)
  })
})

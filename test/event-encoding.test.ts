import { describe, expect, it } from 'vitest'
import { newOrder, type Fill, type OrderEvent } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import { decodeEvents, encodeEvents, NUMS, STRS } from '../src/store/event-encoding.ts'
import { eventRows } from '../src/store/event-rows.ts'
import { EXECUTIONS, joinRows, splitRows, valuesOf } from '../src/store/tables.ts'
import type { BlockState, StoredEvent } from '../src/domain/netting.ts'

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
    const { nums, strs } = encodeEvents(batch)
    expect(nums.length).toBe(batch.length * NUMS)
    // As the writer thread gets them: the numbers' buffer transferred, the strings through JSON.
    const decoded = decodeEvents(structuredClone(nums, { transfer: [nums.buffer] }), JSON.parse(JSON.stringify(strs)))
    expect(eventRows(decoded, 'run', 10)).toEqual(eventRows(batch, 'run', 10))
    expect((decoded[2] as OrderEvent).order.actor).toBe(7)
    expect((decoded[2] as OrderEvent).fill).toEqual(fill)
  })

  it('carries netting fills, denials, unknown outcomes and the desk records through unchanged', () => {
    const child = newOrder({ id: 'sh-2-0', strategyId: 's2', actor: 3, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.5, price: null }, 2_000)
    const venueFill: Fill = {
      tradeId: 'B1:1:sh-2-0',
      orderId: 'sh-2-0',
      price: 101.25,
      amount: 0.3,
      fee: 0.0303,
      liquidity: 'taker',
      ts: 2_100,
      alloc: { kind: 'venue', blockId: 'B1', crossId: null },
    }
    const crossFill: Fill = { tradeId: 'X1:sh-2-0', orderId: 'sh-2-0', price: 101.2, amount: 0.2, fee: 0, liquidity: 'maker', ts: 2_050, alloc: { kind: 'internal', blockId: null, crossId: 'X1' } }
    const crossed = evolveOrder(child, { type: 'OrderFilled', ts: 2_050, fill: crossFill }).order
    const done = evolveOrder(crossed, { type: 'OrderFilled', ts: 2_100, fill: venueFill }).order
    const denied = {
      ...newOrder({ id: 'sh-3-0', strategyId: 's3', actor: 4, symbol: 'BTC/USDT', side: 'sell', type: 'limit', amount: 1, price: 99.5 }, 2_000),
      status: 'denied' as const,
      closedAt: 2_000,
      reason: 'risk: max_notional',
    }
    const unknown = evolveOrder(newOrder({ id: 'sh-4-0', strategyId: 's4', actor: 5, symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1, price: null }, 2_000), {
      type: 'OrderStatusUnknown',
      ts: 2_500,
      reason: 'look-ups failed',
    }).order
    const block: BlockState = {
      id: 'B1',
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 0.3,
      filled: 0.3,
      avgPrice: 101.25,
      status: 'filled',
      reason: null,
      createdAt: 2_000,
      closedAt: 2_100,
      children: [['sh-2-0', 's2', 3, 0.3]],
    }
    const batch: StoredEvent[] = [
      { type: 'OrderFilled', ts: 2_050, order: crossed, fill: crossFill, reason: null },
      { type: 'OrderFilled', ts: 2_100, order: done, fill: venueFill, reason: null },
      { type: 'OrderDenied', ts: 2_000, order: denied, fill: null, reason: 'risk: max_notional' },
      { type: 'OrderStatusUnknown', ts: 2_500, order: unknown, fill: null, reason: 'look-ups failed' },
      { type: 'BlockUpdated', ts: 2_100, block },
      { type: 'HouseAllocated', ts: 2_100, house: { blockId: 'B1', symbol: 'BTC/USDT', side: 'buy', amount: 1e-8, price: 101.25, fee: 0, ts: 2_100 } },
    ]
    const { nums, strs } = encodeEvents(batch)
    const decoded = decodeEvents(structuredClone(nums), JSON.parse(JSON.stringify(strs)))
    expect(eventRows(decoded, 'run', 1)).toEqual(eventRows(batch, 'run', 1))
    expect(decoded.slice(0, 4).map((e) => ({ ...(e as OrderEvent), order: { ...(e as OrderEvent).order, tradeIds: [] } }))).toEqual(
      batch.slice(0, 4).map((e) => ({ ...(e as OrderEvent), order: { ...(e as OrderEvent).order, tradeIds: [] } })),
    )
    expect(decoded.slice(4)).toEqual(batch.slice(4))
  })

  it('refuses a payload that is not whole events, or an event of no known type', () => {
    expect(() => decodeEvents(new Float64Array(NUMS + 1), new Array(STRS).fill(null))).toThrow(/not whole events/)
    expect(() => decodeEvents(new Float64Array(NUMS), new Array(STRS + 1).fill(null))).toThrow(/not whole events/)
    const bad = new Float64Array(NUMS)
    bad[1] = 99
    expect(() => decodeEvents(bad, new Array(STRS).fill(null))).toThrow(/event 0 has no known type/)
  })
})

describe('table rows split for the writer thread', () => {
  it('come back as the very positional values valuesOf gives, nulls included', () => {
    const rows = [
      {
        run_id: 'r',
        seq: 1,
        strategy_id: 's1',
        symbol: 'BTC/USDT',
        algo: 'market',
        side: 'buy',
        requested: 2,
        filled: 2,
        arrival_mid: 100.5,
        avg_price: 100.75,
        slippage_bps: 2.4875,
        maker_amount: 0,
        taker_amount: 2,
        fees: 0.2015,
        time_to_fill_ms: 48.5,
        amendments: 0,
        ts: 1_700_000_000_123,
        end_mid: 100.6,
        cost_bps: 12.49,
        opportunity_bps: 0,
        shortfall_bps: 12.49,
      },
      {
        run_id: 'r',
        seq: 2,
        strategy_id: 's2',
        symbol: 'ETH/USDT',
        algo: 'chase',
        side: 'sell',
        requested: 1,
        filled: 0,
        arrival_mid: 2500,
        avg_price: null,
        slippage_bps: null,
        maker_amount: 0,
        taker_amount: 0,
        fees: 0,
        time_to_fill_ms: null,
        amendments: 3,
        ts: 1_700_000_000_456,
        end_mid: null,
        cost_bps: null,
        opportunity_bps: -4.5,
        shortfall_bps: null,
      },
    ]
    const want: unknown[] = []
    for (const r of rows) valuesOf(EXECUTIONS, r, want)
    const { nums, strs } = splitRows(EXECUTIONS, rows)
    expect(joinRows(EXECUTIONS, { nums: structuredClone(nums), strs: JSON.parse(JSON.stringify(strs)) })).toEqual(want)
    expect(() => joinRows(EXECUTIONS, { nums: nums.subarray(1), strs })).toThrow(/executions: .* not whole rows/)
  })
})
